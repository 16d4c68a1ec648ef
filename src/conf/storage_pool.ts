// Storage pool XML: parse, validate, format. libvirt counterpart: src/conf/storage_conf.c
// (virStoragePoolDefParseXML / virStoragePoolDefFormat), output as libvirt 9.0 prints it.
import { ErrorDomain, ErrorNumber, VirError, virError } from '../util/error.js';
import { uuidGenerate, uuidParse } from '../util/uuid.js';
import { XmlElement, XmlWriter, child, childrenNamed, parseXml, textOf } from './xml.js';

export const STORAGE_POOL_TYPES = ['dir', 'fs', 'netfs', 'logical', 'disk', 'iscsi', 'iscsi-direct', 'scsi',
  'mpath', 'rbd', 'sheepdog', 'gluster', 'zfs', 'vstorage'] as const;

/** Ownership and mode of a pool target or volume; -1 owner/group means "unset" as in libvirt. */
export interface StoragePerms { mode?: number; uid?: number; gid?: number; label?: string }

export interface StoragePoolSource {
  hosts: { name: string; port?: number }[];
  devices: { path: string; partSeparator?: 'yes' | 'no'; freeExtents?: { start: number; end: number }[] }[];
  dir?: string;
  /** kept verbatim: scsi_host / fc_host attributes and any <parentaddr> */
  adapter?: XmlElement;
  name?: string;
  initiatorIqn?: string;
  auth?: { type: 'chap' | 'ceph'; username: string; secretUuid?: string; secretUsage?: string };
  format?: string;
  protocolVer?: string;
  vendor?: string;
  product?: string;
}

export interface StoragePoolDef {
  type: string;
  name: string;
  uuid: string;
  /** bytes */
  capacity: number;
  allocation: number;
  available: number;
  source: StoragePoolSource;
  /** absent for pool types that have no local target (rbd, sheepdog, gluster, iscsi-direct) */
  target?: { path: string; permissions?: StoragePerms };
  /** unknown refresh/features elements are not kept */
}

/** Per type: which source parts libvirt reads and requires, and its format names (default first). */
interface PoolOptions {
  read: Array<'host' | 'device' | 'dir' | 'adapter' | 'name' | 'initiator' | 'auth' | 'network'>;
  formats?: readonly string[];
  defaultFormat?: string;
  hasTarget: boolean;
}
const FS_FORMATS = ['auto', 'ext2', 'ext3', 'ext4', 'ufs', 'iso9660', 'udf', 'gfs', 'gfs2', 'vfat', 'hfs+', 'xfs', 'ocfs2', 'vmfs'];
const NETFS_FORMATS = ['auto', 'nfs', 'glusterfs', 'cifs'];
const DISK_FORMATS = ['unknown', 'dos', 'dvh', 'gpt', 'mac', 'bsd', 'pc98', 'sun', 'lvm2'];
const LOGICAL_FORMATS = ['unknown', 'lvm2'];

export const POOL_OPTIONS: Record<string, PoolOptions> = {
  dir: { read: [], hasTarget: true },
  fs: { read: ['device'], formats: FS_FORMATS, defaultFormat: 'auto', hasTarget: true },
  netfs: { read: ['host', 'dir'], formats: NETFS_FORMATS, defaultFormat: 'auto', hasTarget: true },
  logical: { read: ['name', 'device'], formats: LOGICAL_FORMATS, defaultFormat: 'lvm2', hasTarget: true },
  disk: { read: ['device'], formats: DISK_FORMATS, defaultFormat: 'unknown', hasTarget: true },
  iscsi: { read: ['host', 'device', 'initiator', 'auth'], hasTarget: true },
  'iscsi-direct': { read: ['host', 'device', 'initiator', 'auth'], hasTarget: false },
  scsi: { read: ['adapter'], hasTarget: true },
  mpath: { read: [], hasTarget: true },
  rbd: { read: ['host', 'name', 'auth', 'network'], hasTarget: false },
  sheepdog: { read: ['host', 'name', 'network'], hasTarget: false },
  gluster: { read: ['host', 'dir', 'name', 'network'], hasTarget: false },
  zfs: { read: ['name', 'device'], hasTarget: true },
  vstorage: { read: ['name'], hasTarget: true },
};

const D = ErrorDomain.STORAGE;
const xmlErr = (msg: string, dom: number = D) => virError(dom, ErrorNumber.XML_ERROR, msg);

/** virFileSanitizePath: collapse repeated '/', drop a trailing '/', keep a leading '//'. */
export function sanitizePath(p: string): string {
  const lead = p.startsWith('//') && !p.startsWith('///') ? '//' : p.startsWith('/') ? '/' : '';
  let rest = p.slice(lead.length).replace(/\/{2,}/g, '/');
  rest = rest.replace(/^\/+/, '');
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  return lead + rest;
}

/** The <permissions> block shared by pool targets and volume targets (virStorageDefParsePerms). */
export function parsePerms(el: XmlElement | undefined, defaultMode: number | undefined, errDomain = D): StoragePerms | undefined {
  if (!el) return defaultMode === undefined ? undefined : { mode: defaultMode };
  const perms: StoragePerms = {};
  const mode = child(el, 'mode');
  if (mode) {
    const t = textOf(mode)!.trim();
    if (!/^[0-7]+$/.test(t) || parseInt(t, 8) > 0o777) throw virError(errDomain, ErrorNumber.XML_ERROR, 'malformed octal mode');
    perms.mode = parseInt(t, 8);
  } else if (defaultMode !== undefined) perms.mode = defaultMode;
  const id = (name: 'owner' | 'group'): number | undefined => {
    const e = child(el, name);
    if (!e) return undefined;
    const t = textOf(e)!.trim();
    if (t === '-1') return undefined;
    if (!/^\d+$/.test(t) || Number(t) > 0xffffffff) throw virError(errDomain, ErrorNumber.XML_ERROR, `malformed ${name} element`);
    return Number(t);
  };
  const uid = id('owner');
  const gid = id('group');
  if (uid !== undefined) perms.uid = uid;
  if (gid !== undefined) perms.gid = gid;
  const label = child(el, 'label');
  if (label) perms.label = textOf(label)!.trim();
  return perms;
}

export function formatPerms(w: XmlWriter, p: StoragePerms | undefined): void {
  if (!p) return;
  if (p.mode === undefined && p.uid === undefined && p.gid === undefined && p.label === undefined) return;
  w.open('permissions');
  if (p.mode !== undefined) w.text('mode', '0' + p.mode.toString(8).padStart(3, '0'));
  if (p.uid !== undefined) w.text('owner', p.uid);
  if (p.gid !== undefined) w.text('group', p.gid);
  if (p.label !== undefined) w.text('label', p.label);
  w.close();
}

/** A lenient scaled value: libvirt does not read pool sizes from input, we keep them when valid. */
function sizeOf(el: XmlElement | undefined): number {
  if (!el) return 0;
  const t = textOf(el)!.trim();
  if (!/^\d+$/.test(t)) return 0;
  const unit = (el.attrs['unit'] ?? 'bytes').toLowerCase();
  const m = /^(b|bytes?)$/.test(unit) ? 1 : unitMult(unit);
  return m === null ? 0 : Number(t) * m;
}
function unitMult(u: string): number | null {
  const p = 'kmgtpe'.indexOf(u[0] ?? '') + 1;
  if (p === 0) return null;
  const rest = u.slice(1);
  if (rest === '' || rest === 'ib') return 1024 ** p;
  if (rest === 'b') return 1000 ** p;
  return null;
}

export function parseStoragePoolXml(xml: string, opts: { errDomain?: number } = {}): StoragePoolDef {
  const root = parseXml(xml, '(storage_pool_definition)', opts.errDomain ?? D);
  if (root.name !== 'pool') {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `expecting root element of 'pool', not '${root.name}'`);
  }
  return storagePoolDefParseNode(root);
}

/**
 * A lone <source> document for a pool of `type` (virStoragePoolDefParseSourceString), as
 * virConnectFindStoragePoolSources takes it to narrow its search.
 */
export function parseStoragePoolSourceXml(xml: string, type: string): StoragePoolSource {
  const root = parseXml(xml, '(storage_source_specification)', D);
  if (root.name !== 'source') {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `expecting root element of 'source', not '${root.name}'`);
  }
  const opts = POOL_OPTIONS[type];
  if (!opts) throw xmlErr(`unknown storage pool type ${type}`);
  return parsePoolSource(type, opts, root);
}

export function storagePoolDefParseNode(root: XmlElement): StoragePoolDef {
  const type = root.attrs['type'];
  if (type === undefined) throw xmlErr("Missing required attribute 'type' in element 'pool'", ErrorDomain.XML);
  const opts = POOL_OPTIONS[type];
  if (!opts) throw xmlErr(`Invalid value for attribute 'type' in element 'pool': '${type}'.`, ErrorDomain.XML);

  const sourceEl = child(root, 'source');
  const source = parsePoolSource(type, opts, sourceEl);

  const nameEl = child(root, 'name');
  let name = nameEl ? textOf(nameEl)! : undefined;
  if (name === '' ) name = undefined;
  // pools whose source has a name (logical, ...) default the pool name to it
  if (name === undefined && opts.read.includes('name') && source.name) name = source.name;
  if (name === undefined) throw xmlErr('missing pool source name element');
  if (name.includes('/')) throw xmlErr(`name ${name} cannot contain '/'`);

  const def: StoragePoolDef = { type, name, uuid: '', capacity: 0, allocation: 0, available: 0, source };
  const uuidEl = child(root, 'uuid');
  const uuidText = uuidEl ? textOf(uuidEl)! : '';
  if (uuidText === '') def.uuid = uuidGenerate();
  else {
    const u = uuidParse(uuidText);
    if (!u) throw xmlErr('malformed uuid element');
    def.uuid = u;
  }
  def.capacity = sizeOf(child(root, 'capacity'));
  def.allocation = sizeOf(child(root, 'allocation'));
  def.available = sizeOf(child(root, 'available'));

  if (opts.read.includes('host')) {
    if (source.hosts.length === 0) throw xmlErr('missing storage pool source host name');
  }
  if (opts.read.includes('dir') && type !== 'gluster' && source.dir === undefined) {
    throw xmlErr('missing storage pool source path');
  }
  if (opts.read.includes('name') && source.name === undefined) {
    // logical/zfs/vstorage default the source name to the pool name; network pools need one
    if (type === 'rbd' || type === 'gluster' || type === 'sheepdog') {
      throw xmlErr(`element 'name' is mandatory for ${type === 'rbd' ? 'RBD' : type} pool`);
    }
    source.name = name;
  }
  if (opts.read.includes('adapter') && !source.adapter) throw xmlErr('missing storage pool source adapter');
  if ((type === 'fs' || type === 'disk') && source.devices.length === 0) {
    throw xmlErr('missing storage pool source device name');
  }

  if (opts.hasTarget) {
    const targetEl = child(root, 'target');
    let path: string | undefined;
    // these pools derive their target from the source name
    if (type === 'logical') path = `/dev/${source.name}`;
    else if (type === 'zfs') path = `/dev/zvol/${source.name}`;
    else {
      const p = targetEl && child(targetEl, 'path');
      path = p ? textOf(p)!.trim() : undefined;
      if (!path) throw xmlErr('missing storage pool target path');
    }
    def.target = { path: sanitizePath(path) };
    const perms = parsePerms(targetEl && child(targetEl, 'permissions'), undefined);
    if (perms) def.target.permissions = perms;
  }
  return def;
}

function parsePoolSource(type: string, opts: PoolOptions, el: XmlElement | undefined): StoragePoolSource {
  const src: StoragePoolSource = { hosts: [], devices: [] };
  if (el) {
    if (opts.read.includes('host')) {
      for (const h of childrenNamed(el, 'host')) {
        const name = h.attrs['name'];
        if (name === undefined) throw xmlErr('missing storage pool host name');
        const host: StoragePoolSource['hosts'][number] = { name };
        const port = h.attrs['port'];
        if (port !== undefined) {
          if (!/^\s*[-+]?\d+\s*$/.test(port)) {
            throw xmlErr(`Invalid value for attribute 'port' in element 'host': '${port}'. Expected integer value`, ErrorDomain.XML);
          }
          host.port = Number(port);
        }
        src.hosts.push(host);
      }
    }
    if (opts.read.includes('device')) {
      for (const d of childrenNamed(el, 'device')) {
        const path = d.attrs['path'];
        if (path === undefined) throw xmlErr('missing storage pool source device path');
        const dev: StoragePoolSource['devices'][number] = { path };
        const ps = d.attrs['part_separator'];
        if (ps !== undefined) {
          if (ps !== 'yes' && ps !== 'no') {
            throw xmlErr(`Invalid value for attribute 'part_separator' in element 'device': '${ps}'.`, ErrorDomain.XML);
          }
          dev.partSeparator = ps;
        }
        src.devices.push(dev);
      }
    }
    if (opts.read.includes('dir')) {
      const dir = child(el, 'dir');
      if (dir?.attrs['path'] !== undefined) src.dir = sanitizePath(dir.attrs['path']);
    }
    if (opts.read.includes('adapter')) {
      const a = child(el, 'adapter');
      if (a) {
        const t = a.attrs['type'];
        if (t === undefined) throw xmlErr("missing storage pool source adapter 'type'");
        if (t !== 'scsi_host' && t !== 'fc_host') throw xmlErr(`Unknown pool adapter type '${t}'`);
        src.adapter = a;
      }
    }
    if (opts.read.includes('name')) {
      const n = child(el, 'name');
      if (n) src.name = textOf(n)!.trim();
    }
    if (opts.read.includes('initiator')) {
      const iqn = child(child(el, 'initiator') ?? { name: '', attrs: {}, children: [] }, 'iqn');
      if (iqn?.attrs['name'] !== undefined) src.initiatorIqn = iqn.attrs['name'];
    }
    if (opts.read.includes('auth')) {
      const a = child(el, 'auth');
      if (a) {
        const t = a.attrs['type'];
        if (t === undefined) throw xmlErr('missing auth type attribute');
        if (t !== 'chap' && t !== 'ceph') throw virError(D, ErrorNumber.CONFIG_UNSUPPORTED, `unknown auth type '${t}'`);
        const username = a.attrs['username'];
        if (username === undefined) throw xmlErr('missing username for auth');
        const sec = child(a, 'secret');
        if (!sec) throw xmlErr('Missing <secret> element in auth');
        src.auth = { type: t, username };
        if (sec.attrs['uuid'] !== undefined) {
          const u = uuidParse(sec.attrs['uuid']);
          if (!u) throw xmlErr(`invalid secret uuid '${sec.attrs['uuid']}'`);
          src.auth.secretUuid = u;
        } else if (sec.attrs['usage'] !== undefined) src.auth.secretUsage = sec.attrs['usage'];
        else throw xmlErr('either secret uuid or usage expected');
      }
    }
    const fmt = child(el, 'format');
    if (opts.formats && fmt) {
      const t = fmt.attrs['type'];
      if (t === undefined) throw xmlErr('missing pool source format type');
      if (!opts.formats.includes(t)) throw virError(D, ErrorNumber.CONFIG_UNSUPPORTED, `unknown pool format type ${t}`);
      src.format = t;
    }
    if (type === 'netfs') {
      const pv = child(el, 'protocol')?.attrs['ver'];
      if (pv !== undefined) {
        if (!/^\d+$/.test(pv)) throw xmlErr(`storage pool protocol ver '${pv}' is malformed`);
        src.protocolVer = pv;
      }
    }
    const vendor = child(el, 'vendor')?.attrs['name'];
    if (vendor !== undefined) src.vendor = vendor;
    const product = child(el, 'product')?.attrs['name'];
    if (product !== undefined) src.product = product;
  }
  if (opts.formats && src.format === undefined) src.format = opts.defaultFormat;
  return src;
}

export function formatStoragePoolSource(w: XmlWriter, def: StoragePoolDef): void {
  const s = def.source;
  // libvirt always opens and closes <source>, even when nothing is inside
  w.open('source');
  for (const h of s.hosts) w.empty('host', { name: h.name, port: h.port });
  for (const d of s.devices) {
    if (d.freeExtents?.length) {
      w.open('device', { path: d.path, part_separator: d.partSeparator });
      for (const f of d.freeExtents) w.empty('freeExtent', { start: f.start, end: f.end });
      w.close();
    } else w.empty('device', { path: d.path, part_separator: d.partSeparator });
  }
  if (s.dir !== undefined) w.empty('dir', { path: s.dir });
  if (s.adapter) w.element(s.adapter);
  if (s.name !== undefined) w.text('name', s.name);
  if (s.initiatorIqn !== undefined) { w.open('initiator'); w.empty('iqn', { name: s.initiatorIqn }); w.close(); }
  if (s.auth) {
    w.open('auth', { type: s.auth.type, username: s.auth.username });
    w.empty('secret', s.auth.secretUuid ? { uuid: s.auth.secretUuid } : { usage: s.auth.secretUsage });
    w.close();
  }
  if (s.format !== undefined) w.empty('format', { type: s.format });
  if (s.protocolVer !== undefined) w.empty('protocol', { ver: s.protocolVer });
  if (s.vendor !== undefined) w.empty('vendor', { name: s.vendor });
  if (s.product !== undefined) w.empty('product', { name: s.product });
  w.close();
}

export function formatStoragePoolXml(def: StoragePoolDef): string {
  const w = new XmlWriter();
  w.open('pool', { type: def.type });
  w.text('name', def.name);
  w.text('uuid', def.uuid);
  w.text('capacity', def.capacity, { unit: 'bytes' });
  w.text('allocation', def.allocation, { unit: 'bytes' });
  w.text('available', def.available, { unit: 'bytes' });
  formatStoragePoolSource(w, def);
  if (def.target && POOL_OPTIONS[def.type]?.hasTarget !== false) {
    w.open('target');
    w.text('path', def.target.path);
    formatPerms(w, def.target.permissions);
    w.close();
  }
  w.close();
  return w.toString();
}

/** Exposed for volume parsing: the error a pool-domain XML problem raises. */
export function storageXmlError(msg: string): VirError { return xmlErr(msg); }
