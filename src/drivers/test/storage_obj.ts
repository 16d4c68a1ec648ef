// Storage pool objects with their volumes, and the pool list (libvirt's virStoragePoolObj /
// virstorageobj.c), indexed by name and UUID.
import type { StoragePoolDef } from '../../conf/storage_pool.js';
import type { StorageVolDef } from '../../conf/storage_vol.js';
import type { PoolRef, VolRef } from '../driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { storagePoolMatchesFlags, storagePoolSameSource } from '../../conf/storage_pool_obj.js';

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

const storErr = (code: ErrorNumber, detail: string) => virError(ErrorDomain.STORAGE, code, detail);


export class PoolList {
  private byUuid = new Map<string, PoolObj>();
  private byName = new Map<string, PoolObj>();

  values(): IterableIterator<PoolObj> { return this.byUuid.values(); }
  findByUuid(uuid: string): PoolObj | undefined { return this.byUuid.get(uuid.toLowerCase()); }
  findByName(name: string): PoolObj | undefined { return this.byName.get(name); }

  /** virStoragePoolObjListAdd with its duplicate and source-conflict checks. */
  add(def: StoragePoolDef, opts: { checkActive?: boolean } = {}): PoolObj {
    const existing = this.byUuid.get(def.uuid);
    if (existing) {
      if (existing.def.name !== def.name) {
        throw storErr(ErrorNumber.OPERATION_FAILED, `pool '${existing.def.name}' is already defined with uuid ${existing.def.uuid}`);
      }
      if (opts.checkActive && existing.active) {
        throw storErr(ErrorNumber.OPERATION_INVALID, `pool is already active as '${existing.def.name}'`);
      }
    } else {
      const clash = this.byName.get(def.name);
      if (clash) throw storErr(ErrorNumber.OPERATION_FAILED, `pool '${def.name}' already exists with uuid ${clash.def.uuid}`);
    }
    for (const o of this.byUuid.values()) {
      if (o === existing || o.def.type !== def.type) continue;
      if (storagePoolSameSource(o.def, def)) throw storErr(ErrorNumber.OPERATION_FAILED, `Storage source conflict with pool: '${o.def.name}'`);
    }
    if (existing) {
      if (existing.active) existing.newDef = def; else existing.def = def;
      return existing;
    }
    const obj = new PoolObj(def);
    this.byUuid.set(def.uuid, obj);
    this.byName.set(def.name, obj);
    return obj;
  }

  remove(o: PoolObj): void {
    this.byUuid.delete(o.def.uuid);
    this.byName.delete(o.def.name);
  }

  filter(flags: number): PoolObj[] {
    const out: PoolObj[] = [];
    for (const o of this.byUuid.values()) if (storagePoolMatchesFlags(o, flags)) out.push(o);
    return out;
  }

}

