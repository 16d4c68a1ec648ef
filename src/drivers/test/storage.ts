// Storage pool and volume calls of the test driver (libvirt's testStoragePool* / testStorageVol*):
// pools are bookkeeping only (100 GiB each), volumes live at <pool target>/<name> and are keyed
// by that path. Pool lifecycle/refresh events go through the driver's bus.
import { formatStoragePoolXml, parseStoragePoolXml } from '../../conf/storage_pool.js';
import { type StorageVolDef, formatStorageVolXml, parseStorageVolXml } from '../../conf/storage_vol.js';
import type { PoolEventCallback, PoolInfo, PoolRef, VolInfo, VolRef } from '../driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { checkFlags, testError } from './errors.js';
import { type BusEvent, type ConnCtx, EVENT_FAMILY_BASE } from './state.js';
import { DEFAULT_POOL_CAPACITY, type PoolObj } from './storage_obj.js';
import { POOL_LIST_FILTERS_ALL, PoolListFlags } from '../../conf/storage_pool_obj.js';

export enum PoolEventType { DEFINED = 0, UNDEFINED = 1, STARTED = 2, STOPPED = 3, CREATED = 4, DELETED = 5 }
const POOL_EVENT_LIFECYCLE = 0;
const POOL_EVENT_REFRESH = 1;

function findByName(ctx: ConnCtx, name: string): PoolObj {
  const o = ctx.drv.pools.findByName(name);
  if (!o) throw testError(ErrorNumber.NO_STORAGE_POOL, `no storage pool with matching name '${name}'`);
  return o;
}
function findByUuid(ctx: ConnCtx, uuid: string): PoolObj {
  const o = ctx.drv.pools.findByUuid(uuid);
  if (!o) throw testError(ErrorNumber.NO_STORAGE_POOL, `no storage pool with matching uuid '${uuid}'`);
  return o;
}
function findActive(ctx: ConnCtx, name: string): PoolObj {
  const o = findByName(ctx, name);
  if (!o.active) throw testError(ErrorNumber.OPERATION_INVALID, `storage pool '${name}' is not active`);
  return o;
}
function findInactive(ctx: ConnCtx, name: string): PoolObj {
  const o = findByName(ctx, name);
  if (o.active) throw testError(ErrorNumber.OPERATION_INVALID, `storage pool '${name}' is active`);
  return o;
}
function findVol(o: PoolObj, name: string): StorageVolDef {
  const v = o.volumes.get(name);
  if (!v) throw testError(ErrorNumber.NO_STORAGE_VOL, `no storage vol with matching name '${name}'`);
  return v;
}
function lifecycle(ctx: ConnCtx, ref: PoolRef, event: PoolEventType): void {
  ctx.drv.emitPool(POOL_EVENT_LIFECYCLE, { pool: { name: ref.name, uuid: ref.uuid }, event, detail: 0 });
}

/** testStoragePoolObjSetDefaults */
export function poolSetDefaults(o: PoolObj): void {
  o.def.capacity = DEFAULT_POOL_CAPACITY;
  o.def.allocation = 0;
  o.def.available = DEFAULT_POOL_CAPACITY;
}

/** testStorageVolumeTypeForPool: VIR_STORAGE_VOL_FILE / BLOCK / NETWORK */
function volTypeForPool(type: string): number {
  switch (type) {
    case 'dir': case 'fs': case 'netfs': case 'vstorage': return 0;
    case 'sheepdog': case 'iscsi-direct': case 'gluster': case 'rbd': return 3;
    default: return 1;
  }
}

/** Give a parsed volume its path and key the way the test driver does. */
export function volAssignPath(o: PoolObj, v: StorageVolDef, keepPath: boolean): void {
  if (!keepPath || !v.target.path) v.target.path = `${o.def.target?.path ?? ''}/${v.name}`;
  if (!keepPath || !v.key) v.key = v.target.path;
}

const limit = (names: string[], max: number) => names.slice(0, Math.max(0, max));

export const storageMethods = {
  async connectNumOfStoragePools(this: ConnCtx): Promise<number> { return this.drv.pools.filter(PoolListFlags.ACTIVE).length; },
  async connectListStoragePools(this: ConnCtx, maxnames: number): Promise<string[]> {
    return limit(this.drv.pools.filter(PoolListFlags.ACTIVE).map((o) => o.def.name), maxnames);
  },
  async connectNumOfDefinedStoragePools(this: ConnCtx): Promise<number> { return this.drv.pools.filter(PoolListFlags.INACTIVE).length; },
  async connectListDefinedStoragePools(this: ConnCtx, maxnames: number): Promise<string[]> {
    return limit(this.drv.pools.filter(PoolListFlags.INACTIVE).map((o) => o.def.name), maxnames);
  },
  async connectListAllStoragePools(this: ConnCtx, flags: number): Promise<PoolRef[]> {
    checkFlags(flags, POOL_LIST_FILTERS_ALL, 'testConnectListAllStoragePools');
    return this.drv.pools.filter(flags).map((o) => o.ref);
  },
  async storagePoolLookupByName(this: ConnCtx, name: string): Promise<PoolRef> { return findByName(this, name).ref; },
  async storagePoolLookupByUuid(this: ConnCtx, uuid: string): Promise<PoolRef> { return findByUuid(this, uuid).ref; },
  async storagePoolLookupByVolume(this: ConnCtx, vol: VolRef): Promise<PoolRef> { return findByName(this, vol.pool).ref; },

  async storagePoolCreateXml(this: ConnCtx, xml: string, flags: number): Promise<PoolRef> {
    checkFlags(flags, 0, 'testStoragePoolCreateXML');
    const def = parseStoragePoolXml(xml);
    const o = this.drv.pools.add(def, { checkActive: true });
    poolSetDefaults(o);
    o.persistent = false;
    o.active = true;
    lifecycle(this, o.ref, PoolEventType.STARTED);
    return o.ref;
  },
  async storagePoolDefineXml(this: ConnCtx, xml: string, flags: number): Promise<PoolRef> {
    checkFlags(flags, 1, 'testStoragePoolDefineXML');
    const def = parseStoragePoolXml(xml);
    const o = this.drv.pools.add(def);
    lifecycle(this, o.ref, PoolEventType.DEFINED);
    poolSetDefaults(o);
    o.persistent = true;
    return o.ref;
  },
  async storagePoolUndefine(this: ConnCtx, pool: PoolRef): Promise<void> {
    const o = findInactive(this, pool.name);
    lifecycle(this, pool, PoolEventType.UNDEFINED);
    this.drv.pools.remove(o);
  },
  async storagePoolBuild(this: ConnCtx, pool: PoolRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testStoragePoolBuild');
    findInactive(this, pool.name);
    lifecycle(this, pool, PoolEventType.CREATED);
  },
  async storagePoolCreate(this: ConnCtx, pool: PoolRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testStoragePoolCreate');
    const o = findInactive(this, pool.name);
    o.active = true;
    lifecycle(this, pool, PoolEventType.STARTED);
  },
  async storagePoolDestroy(this: ConnCtx, pool: PoolRef): Promise<void> {
    const o = findActive(this, pool.name);
    o.active = false;
    if (o.newDef) { o.def = o.newDef; o.newDef = null; }
    lifecycle(this, o.ref, PoolEventType.STOPPED);
    if (!o.persistent) this.drv.pools.remove(o);
  },
  async storagePoolDelete(this: ConnCtx, pool: PoolRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testStoragePoolDelete');
    findInactive(this, pool.name);
    lifecycle(this, pool, PoolEventType.DELETED);
  },
  async storagePoolRefresh(this: ConnCtx, pool: PoolRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testStoragePoolRefresh');
    findActive(this, pool.name);
    this.drv.emitPool(POOL_EVENT_REFRESH, { pool: { name: pool.name, uuid: pool.uuid } });
  },
  async storagePoolGetInfo(this: ConnCtx, pool: PoolRef): Promise<PoolInfo> {
    const o = findByName(this, pool.name);
    return { state: o.active ? 2 : 0, capacity: o.def.capacity, allocation: o.def.allocation, available: o.def.available };
  },
  async storagePoolGetXmlDesc(this: ConnCtx, pool: PoolRef, flags: number): Promise<string> {
    checkFlags(flags, 0, 'testStoragePoolGetXMLDesc');
    return formatStoragePoolXml(findByName(this, pool.name).def);
  },
  async storagePoolGetAutostart(this: ConnCtx, pool: PoolRef): Promise<number> {
    const o = findByName(this, pool.name);
    return o.persistent && o.autostart ? 1 : 0;
  },
  async storagePoolSetAutostart(this: ConnCtx, pool: PoolRef, autostart: number): Promise<void> {
    const o = findByName(this, pool.name);
    if (!o.persistent) throw testError(ErrorNumber.INVALID_ARG, 'pool has no config file');
    o.autostart = autostart !== 0;
  },
  async storagePoolIsActive(this: ConnCtx, pool: PoolRef): Promise<number> { return findByUuid(this, pool.uuid).active ? 1 : 0; },
  async storagePoolIsPersistent(this: ConnCtx, pool: PoolRef): Promise<number> { return findByUuid(this, pool.uuid).persistent ? 1 : 0; },
  async storagePoolNumOfVolumes(this: ConnCtx, pool: PoolRef): Promise<number> { return findActive(this, pool.name).volumes.size; },
  async storagePoolListVolumes(this: ConnCtx, pool: PoolRef, maxnames: number): Promise<string[]> {
    return limit([...findActive(this, pool.name).volumes.keys()], maxnames);
  },
  async storagePoolListAllVolumes(this: ConnCtx, pool: PoolRef, flags: number): Promise<VolRef[]> {
    checkFlags(flags, 0, 'testStoragePoolListAllVolumes');
    const o = findByUuid(this, pool.uuid);
    if (!o.active) throw testError(ErrorNumber.OPERATION_INVALID, 'storage pool is not active');
    return [...o.volumes.values()].map((v) => o.volRef(v));
  },

  async storageVolLookupByName(this: ConnCtx, pool: PoolRef, name: string): Promise<VolRef> {
    const o = findActive(this, pool.name);
    return o.volRef(findVol(o, name));
  },
  async storageVolLookupByKey(this: ConnCtx, key: string): Promise<VolRef> {
    for (const o of this.drv.pools.values()) {
      if (!o.active) continue;
      for (const v of o.volumes.values()) if (v.key === key) return o.volRef(v);
    }
    throw testError(ErrorNumber.NO_STORAGE_VOL, `no storage vol with matching key '${key}'`);
  },
  async storageVolLookupByPath(this: ConnCtx, path: string): Promise<VolRef> {
    for (const o of this.drv.pools.values()) {
      if (!o.active) continue;
      for (const v of o.volumes.values()) if (v.target.path === path) return o.volRef(v);
    }
    throw testError(ErrorNumber.NO_STORAGE_VOL, `no storage vol with matching path '${path}'`);
  },
  async storageVolCreateXml(this: ConnCtx, pool: PoolRef, xml: string, flags: number): Promise<VolRef> {
    checkFlags(flags, 0, 'testStorageVolCreateXML');
    const o = findActive(this, pool.name);
    const v = parseStorageVolXml(xml, o.def);
    return createVol(o, v);
  },
  async storageVolCreateXmlFrom(this: ConnCtx, pool: PoolRef, xml: string, clonevol: VolRef, flags: number): Promise<VolRef> {
    checkFlags(flags, 0, 'testStorageVolCreateXMLFrom');
    const o = findActive(this, pool.name);
    const v = parseStorageVolXml(xml, o.def);
    if (o.volumes.has(v.name)) throw testError(ErrorNumber.OPERATION_FAILED, 'storage vol already exists');
    // as libvirt: the source volume is looked up in the destination pool
    if (!o.volumes.has(clonevol.name)) throw testError(ErrorNumber.NO_STORAGE_VOL, `no storage vol with matching name '${clonevol.name}'`);
    return createVol(o, v);
  },
  async storageVolDelete(this: ConnCtx, vol: VolRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testStorageVolDelete');
    const o = findActive(this, vol.pool);
    o.removeVolume(findVol(o, vol.name));
  },
  async storageVolGetInfo(this: ConnCtx, vol: VolRef): Promise<VolInfo> {
    const o = findActive(this, vol.pool);
    const v = findVol(o, vol.name);
    return { type: volTypeForPool(o.def.type), capacity: v.capacity, allocation: v.allocation };
  },
  async storageVolGetXmlDesc(this: ConnCtx, vol: VolRef, flags: number): Promise<string> {
    checkFlags(flags, 0, 'testStorageVolGetXMLDesc');
    const o = findActive(this, vol.pool);
    return formatStorageVolXml(findVol(o, vol.name), o.def);
  },
  async storageVolGetPath(this: ConnCtx, vol: VolRef): Promise<string> {
    const o = findActive(this, vol.pool);
    return findVol(o, vol.name).target.path ?? '';
  },

  async connectStoragePoolEventRegisterAny(this: ConnCtx, eventID: number, pool: PoolRef | null, cb: PoolEventCallback): Promise<number> {
    if (eventID < 0 || eventID > POOL_EVENT_REFRESH) {
      throw virError(ErrorDomain.STORAGE, ErrorNumber.INVALID_ARG, `unsupported event ID ${eventID}`);
    }
    return this.events.register(EVENT_FAMILY_BASE.pool + eventID, pool?.uuid ?? null, (_id, e: BusEvent) => {
      if (e.kind === 'pool') cb(eventID, e.payload);
    });
  },
  async connectStoragePoolEventDeregisterAny(this: ConnCtx, callbackID: number): Promise<void> {
    if (!this.events.deregister(callbackID)) {
      throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `could not find event callback ${callbackID} for deletion`);
    }
  },
};

function createVol(o: PoolObj, v: StorageVolDef): VolRef {
  if (o.volumes.has(v.name)) throw testError(ErrorNumber.OPERATION_FAILED, 'storage vol already exists');
  if (o.def.allocation + v.allocation > o.def.capacity) {
    throw testError(ErrorNumber.INTERNAL_ERROR, `Not enough free space in pool for volume '${v.name}'`);
  }
  volAssignPath(o, v, false);
  o.addVolume(v);
  return o.volRef(v);
}
