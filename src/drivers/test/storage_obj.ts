// Storage pool objects with their volumes, and the pool list (libvirt's virStoragePoolObj /
// virstorageobj.c), indexed by name and UUID.
import type { StoragePoolDef } from '../../conf/storage_pool.js';
import type { StorageVolDef } from '../../conf/storage_vol.js';
import type { PoolRef, VolRef } from '../driver.js';
import { PoolObjList } from '../../conf/storage_pool_obj.js';

/** testStoragePoolObjSetDefaults: every test pool is 100 GiB and starts empty. */
export const DEFAULT_POOL_CAPACITY = 100 * 1024 * 1024 * 1024;

export class PoolObj {
  newDef: StoragePoolDef | null = null;
  active = false;
  autostart = false;
  /** libvirt marks persistent pools by having a config file; the test driver uses "" */
  persistent = false;
  readonly volumes = new Map<string, StorageVolDef>();
  constructor(public def: StoragePoolDef) {}
  get ref(): PoolRef { return { name: this.def.name, uuid: this.def.uuid }; }
  volRef(v: StorageVolDef): VolRef { return { pool: this.def.name, name: v.name, key: v.key ?? '' }; }

  addVolume(v: StorageVolDef): void {
    this.volumes.set(v.name, v);
    this.def.allocation += v.allocation;
    this.def.available = this.def.capacity - this.def.allocation;
  }
  removeVolume(v: StorageVolDef): void {
    this.volumes.delete(v.name);
    this.def.allocation -= v.allocation;
    this.def.available = this.def.capacity - this.def.allocation;
  }
}



/** The test driver's pools: define replaces an existing definition in place. */
export class PoolList extends PoolObjList<PoolObj> {
  constructor() { super((def) => new PoolObj(def)); }

  /** virStoragePoolObjListAdd: checks, then a new object or the updated existing one. */
  override add(def: StoragePoolDef, opts: { checkActive?: boolean } = {}): PoolObj {
    const existing = this.check(def, opts);
    if (!existing) return super.add(def);
    if (existing.active) existing.newDef = def; else existing.def = def;
    return existing;
  }
}

