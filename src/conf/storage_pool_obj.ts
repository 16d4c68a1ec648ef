// What every storage driver decides the same way about its pool objects: the list filters of
// virConnectListAllStoragePools and the duplicate-source check on define.
// libvirt counterpart: src/conf/virstorageobj.c (virStoragePoolObjMatch, ...SourceFindDuplicate).
import type { StoragePoolDef } from './storage_pool.js';

/** VIR_CONNECT_LIST_STORAGE_POOLS_* state bits (note: INACTIVE is 1, ACTIVE 2). */
export const PoolListFlags = {
  INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32,
} as const;
/** VIR_CONNECT_LIST_STORAGE_POOLS_<TYPE> bits, by pool type name. */
const POOL_TYPE_BITS: Record<string, number> = {
  dir: 64, fs: 128, netfs: 256, logical: 512, disk: 1024, iscsi: 2048, scsi: 4096, mpath: 8192, rbd: 16384,
  sheepdog: 32768, gluster: 65536, zfs: 131072, vstorage: 262144, 'iscsi-direct': 524288,
};
/** Every flag virConnectListAllStoragePools accepts. */
export const POOL_LIST_FILTERS_ALL = 0xfffff;

export interface PoolListView { active: boolean; persistent: boolean; autostart: boolean; def: { type: string } }

/** virStoragePoolObjMatch: does the pool pass the listing filter `flags`? */
export function storagePoolMatchesFlags(o: PoolListView, flags: number): boolean {
  const F = PoolListFlags;
  const state = flags & (F.ACTIVE | F.INACTIVE);
  if (state === F.ACTIVE && !o.active) return false;
  if (state === F.INACTIVE && o.active) return false;
  const persistence = flags & (F.PERSISTENT | F.TRANSIENT);
  if (persistence === F.PERSISTENT && !o.persistent) return false;
  if (persistence === F.TRANSIENT && o.persistent) return false;
  const auto = o.persistent && o.autostart;
  const autostart = flags & (F.AUTOSTART | F.NO_AUTOSTART);
  if (autostart === F.AUTOSTART && !auto) return false;
  if (autostart === F.NO_AUTOSTART && auto) return false;
  const typeBits = flags & ~0x3f;
  return !typeBits || (typeBits & (POOL_TYPE_BITS[o.def.type] ?? 0)) !== 0;
}

/** The part of virStoragePoolObjSourceFindDuplicate that local pools hit: same target/device. */
export function storagePoolSameSource(a: StoragePoolDef, b: StoragePoolDef): boolean {
  switch (a.type) {
    case 'dir': return !!a.target && !!b.target && a.target.path === b.target.path;
    case 'fs': case 'logical': case 'disk': case 'zfs':
      return a.source.devices.length > 0 && a.source.devices[0]!.path === b.source.devices[0]?.path;
    case 'netfs':
      return !!a.source.dir && a.source.dir === b.source.dir && a.source.hosts[0]?.name === b.source.hosts[0]?.name;
    default: return false;
  }
}
