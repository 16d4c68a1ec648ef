// The <storagepoolCapabilities> document (virStoragePoolCapsFormat, libvirt 9.0): every pool
// type in enum order, whether this host's storage driver serves it, and the source and volume
// format choices its definitions accept. An option block libvirt keeps but leaves empty is
// written open/close on two lines, as libvirt's buffer does.
import { STORAGE_POOL_TYPES } from './storage_pool.js';
import { FILE_VOLUME_FORMATS, PARTITION_VOLUME_FORMATS } from './storage_vol.js';

const FS_FORMATS = ['auto', 'ext2', 'ext3', 'ext4', 'ufs', 'iso9660', 'udf', 'gfs', 'gfs2', 'vfat', 'hfs+', 'xfs', 'ocfs2', 'vmfs'];
const NETFS_FORMATS = ['auto', 'nfs', 'glusterfs', 'cifs'];
const DISK_FORMATS = ['unknown', 'dos', 'dvh', 'gpt', 'mac', 'bsd', 'pc98', 'sun', 'lvm2'];
const LOGICAL_FORMATS = ['unknown', 'lvm2'];

interface FormatChoice { dflt: string; values: readonly string[] }
const POOL_FORMATS: Record<string, FormatChoice> = {
  fs: { dflt: 'auto', values: FS_FORMATS }, netfs: { dflt: 'auto', values: NETFS_FORMATS },
  logical: { dflt: 'lvm2', values: LOGICAL_FORMATS }, disk: { dflt: 'unknown', values: DISK_FORMATS },
};
const FILES: FormatChoice = { dflt: 'raw', values: FILE_VOLUME_FORMATS };
const VOL_FORMATS: Record<string, FormatChoice> = {
  dir: FILES, fs: FILES, netfs: FILES, gluster: FILES, vstorage: FILES,
  disk: { dflt: 'none', values: PARTITION_VOLUME_FORMATS },
  // rbd volumes name a default format but list none
  rbd: { dflt: 'raw', values: [] },
};

function options(tag: string, enumName: string, f: FormatChoice): string {
  return `    <${tag}>\n      <defaultFormat type='${f.dflt}'/>\n      <enum name='${enumName}'>\n`
    + f.values.map((v) => `        <value>${v}</value>\n`).join('') + `      </enum>\n    </${tag}>\n`;
}

export function formatStoragePoolCapabilities(supported: ReadonlySet<string>): string {
  let out = '<storagepoolCapabilities>\n';
  for (const type of STORAGE_POOL_TYPES) {
    out += `  <pool type='${type}' supported='${supported.has(type) ? 'yes' : 'no'}'>\n`;
    const p = POOL_FORMATS[type];
    if (p) out += options('poolOptions', 'sourceFormatType', p);
    const v = VOL_FORMATS[type];
    if (v) out += options('volOptions', 'targetFormatType', v);
    out += '  </pool>\n';
  }
  return out + '</storagepoolCapabilities>\n';
}
