// What every storage driver decides the same way about its pool objects: the list filters of
// virConnectListAllStoragePools and the duplicate-source check on define.
// libvirt counterpart: src/conf/virstorageobj.c (virStoragePoolObjMatch, ...SourceFindDuplicate).
import type { StoragePoolDef } from './storage_pool.js';
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';

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

export interface PoolListEntry extends PoolListView { def: StoragePoolDef }

/**
 * A driver's pools by uuid and by name, with virStoragePoolObjListAdd's duplicate checks.
 * Each driver brings its own object type (`make`); the bookkeeping is the same.
 */
export class PoolObjList<O extends PoolListEntry> {
  private byUuid = new Map<string, O>();
  private byName = new Map<string, O>();
  constructor(private readonly make: (def: StoragePoolDef) => O) {}

  values(): IterableIterator<O> { return this.byUuid.values(); }
  get size(): number { return this.byUuid.size; }
  findByUuid(uuid: string): O | undefined { return this.byUuid.get(uuid.toLowerCase()); }
  findByName(name: string): O | undefined { return this.byName.get(name); }

  /**
   * virStoragePoolObjListAdd's checks, without adding: returns the existing object the def
   * replaces (same name and uuid) or null for a new pool.
   */
  check(def: StoragePoolDef, opts: { checkActive?: boolean } = {}): O | null {
    const err = (code: ErrorNumber, detail: string) => virError(ErrorDomain.STORAGE, code, detail);
    const existing = this.byUuid.get(def.uuid) ?? null;
    if (existing) {
      if (existing.def.name !== def.name) {
        throw err(ErrorNumber.OPERATION_FAILED, `pool '${existing.def.name}' is already defined with uuid ${existing.def.uuid}`);
      }
      if (opts.checkActive && existing.active) {
        throw err(ErrorNumber.OPERATION_INVALID, `pool is already active as '${existing.def.name}'`);
      }
    } else {
      const clash = this.byName.get(def.name);
      if (clash) throw err(ErrorNumber.OPERATION_FAILED, `pool '${def.name}' already exists with uuid ${clash.def.uuid}`);
    }
    for (const o of this.byUuid.values()) {
      if (o === existing || o.def.type !== def.type) continue;
      if (storagePoolSameSource(o.def, def)) throw err(ErrorNumber.OPERATION_FAILED, `Storage source conflict with pool: '${o.def.name}'`);
    }
    return existing;
  }

  /** A new object for `def` (after check()). */
  add(def: StoragePoolDef): O {
    const o = this.make(def);
    this.byUuid.set(def.uuid, o);
    this.byName.set(def.name, o);
    return o;
  }

  remove(o: O): void {
    this.byUuid.delete(o.def.uuid);
    this.byName.delete(o.def.name);
  }

  /** The pools passing virConnectListAllStoragePools' filter `flags`. */
  filter(flags: number): O[] {
    const out: O[] = [];
    for (const o of this.byUuid.values()) if (storagePoolMatchesFlags(o, flags)) out.push(o);
    return out;
  }
}
