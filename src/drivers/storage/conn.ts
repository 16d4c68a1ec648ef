// One connection's view of the storage driver: the DriverConnection methods for pools and
// volumes (names = remote procedure names in camelCase), each connection with its own event
// registrations. libvirt counterpart: the virStorageDriver table in storage_driver.c.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { formatStoragePoolXml } from '../../conf/storage_pool.js';
import { formatStoragePoolCapabilities } from '../../conf/storage_capabilities.js';
import { type StorageVolDef, formatStorageVolXml, parseStorageVolXml } from '../../conf/storage_vol.js';
import type { DriverConnection, DriverStream, PoolEventCallback, PoolEventPayload, PoolInfo, PoolRef, StreamChunk, VolInfo, VolRef } from '../driver.js';
import type { EventRegistrations } from '../events.js';
import { ErrorDomain, ErrorNumber, checkFlags, virError } from '../../util/error.js';
import { logger } from '../../util/log.js';
import { type StorageDriver, exclusiveBuildFlags } from './driver.js';
import { POOL_LIST_FILTERS_ALL } from '../../conf/storage_pool_obj.js';
import { type PoolObj, type VolObj, VolType, storErr, updatePoolSizes, volFromFile } from './pool.js';
import { SparseWriter, openFileExtents, readSparse } from './sparse.js';
import { volBuild, volBuildFrom, volDeleteFile, volResizeFile, volWipe } from './volume.js';

const D = ErrorDomain.STORAGE;
const log = logger.child('storage');

export const VolResizeFlags = { ALLOCATE: 1, DELTA: 2, SHRINK: 4 } as const;
export const VolCreateFlags = { PREALLOC_METADATA: 1, REFLINK: 2, VALIDATE: 4 } as const;
export const VolDeleteFlags = { ZEROED: 1, WITH_SNAPSHOTS: 2 } as const;
export const VolStreamFlags = { SPARSE_STREAM: 1 } as const;
const VOL_GET_PHYSICAL = 1;

const limit = (names: string[], max: number) => names.slice(0, Math.max(0, max));

export class StorageConnection implements DriverConnection {
  private readonly regs: EventRegistrations<PoolEventPayload>;
  constructor(private readonly drv: StorageDriver) {
    this.regs = drv.events.scope();
  }

  async connectClose(): Promise<void> { this.regs.close(); }

  // ---------------------------------------------------------------- pools: lists and lookups

  async connectNumOfStoragePools(): Promise<number> { return this.drv.pools.filter(2).length; }
  async connectListStoragePools(maxnames: number): Promise<string[]> {
    return limit(this.drv.pools.filter(2).map((o) => o.def.name), maxnames);
  }
  async connectNumOfDefinedStoragePools(): Promise<number> { return this.drv.pools.filter(1).length; }
  async connectListDefinedStoragePools(maxnames: number): Promise<string[]> {
    return limit(this.drv.pools.filter(1).map((o) => o.def.name), maxnames);
  }
  async connectListAllStoragePools(flags: number): Promise<PoolRef[]> {
    checkFlags(D, flags, POOL_LIST_FILTERS_ALL, 'storageConnectListAllStoragePools');
    return this.drv.pools.filter(flags).map((o) => o.ref);
  }
  /** storageConnectGetStoragePoolCapabilities: the pool types this host serves are 'supported'. */
  async connectGetStoragePoolCapabilities(flags: number): Promise<string> {
    checkFlags(D, flags, 0, 'storageConnectGetStoragePoolCapabilities');
    return formatStoragePoolCapabilities(this.drv.supportedTypes);
  }
  async storagePoolLookupByName(name: string): Promise<PoolRef> { return this.drv.byName(name).ref; }
  async storagePoolLookupByUuid(uuid: string): Promise<PoolRef> { return this.drv.byUuid(uuid).ref; }
  async storagePoolLookupByVolume(vol: VolRef): Promise<PoolRef> { return this.drv.byName(vol.pool).ref; }
  async storagePoolLookupByTargetPath(p: string): Promise<PoolRef> { return this.drv.byTargetPath(p).ref; }

  // ---------------------------------------------------------------- pools: lifecycle

  async storagePoolDefineXml(xml: string, flags: number): Promise<PoolRef> { return (await this.drv.define(xml, flags)).ref; }
  async storagePoolCreateXml(xml: string, flags: number): Promise<PoolRef> { return (await this.drv.createTransient(xml, flags)).ref; }
  async storagePoolUndefine(pool: PoolRef): Promise<void> {
    const o = this.drv.fromRef(pool);
    await this.drv.lock(o, () => this.drv.undefine(o));
  }
  async storagePoolCreate(pool: PoolRef, flags: number): Promise<void> {
    checkFlags(D, flags, 7, 'storagePoolCreate');
    exclusiveBuildFlags(flags);
    const o = this.drv.fromRef(pool);
    await this.drv.lock(o, () => this.drv.startPool(o, flags));
  }
  async storagePoolBuild(pool: PoolRef, flags: number): Promise<void> {
    const o = this.drv.fromRef(pool);
    await this.drv.lock(o, () => this.drv.buildPool(o, flags));
  }
  async storagePoolDestroy(pool: PoolRef): Promise<void> {
    const o = this.drv.fromRef(pool);
    await this.drv.lock(o, () => this.drv.destroyPool(o));
  }
  async storagePoolDelete(pool: PoolRef, flags: number): Promise<void> {
    const o = this.drv.fromRef(pool);
    await this.drv.lock(o, () => this.drv.deletePool(o, flags));
  }
  async storagePoolRefresh(pool: PoolRef, flags: number): Promise<void> {
    checkFlags(D, flags, 0, 'storagePoolRefresh');
    const o = this.drv.fromRef(pool);
    await this.drv.lock(o, () => this.drv.refreshPool(o));
  }
  async storagePoolGetInfo(pool: PoolRef): Promise<PoolInfo> {
    const o = this.drv.fromRef(pool);
    if (o.active) await updatePoolSizes(o.def).catch(() => undefined);
    return { state: o.active ? 2 : 0, capacity: o.def.capacity, allocation: o.def.allocation, available: o.def.available };
  }
  async storagePoolGetXmlDesc(pool: PoolRef, flags: number): Promise<string> {
    checkFlags(D, flags, 1 /* INACTIVE */, 'storagePoolGetXMLDesc');
    const o = this.drv.fromRef(pool);
    const def = (flags & 1) && o.newDef ? o.newDef : o.def;
    return formatStoragePoolXml(def);
  }
  async storagePoolGetAutostart(pool: PoolRef): Promise<number> {
    const o = this.drv.fromRef(pool);
    return o.persistent && o.autostart ? 1 : 0;
  }
  async storagePoolSetAutostart(pool: PoolRef, autostart: number): Promise<void> {
    const o = this.drv.fromRef(pool);
    await this.drv.lock(o, () => this.drv.setAutostart(o, autostart !== 0));
  }
  async storagePoolIsActive(pool: PoolRef): Promise<number> { return this.drv.fromRef(pool).active ? 1 : 0; }
  async storagePoolIsPersistent(pool: PoolRef): Promise<number> { return this.drv.fromRef(pool).persistent ? 1 : 0; }

  // ---------------------------------------------------------------- pools: volume lists

  private activePool(pool: PoolRef): PoolObj {
    const o = this.drv.fromRef(pool);
    this.drv.requireActive(o);
    return o;
  }
  async storagePoolNumOfVolumes(pool: PoolRef): Promise<number> { return this.activePool(pool).vols.size; }
  async storagePoolListVolumes(pool: PoolRef, maxnames: number): Promise<string[]> {
    return limit([...this.activePool(pool).vols.keys()], maxnames);
  }
  async storagePoolListAllVolumes(pool: PoolRef, flags: number): Promise<VolRef[]> {
    checkFlags(D, flags, 0, 'storagePoolListAllVolumes');
    const o = this.activePool(pool);
    return [...o.vols.values()].map((v) => o.volRef(v));
  }

  // ---------------------------------------------------------------- events

  async connectStoragePoolEventRegisterAny(eventID: number, pool: PoolRef | null, cb: PoolEventCallback): Promise<number> {
    if (eventID !== 0 && eventID !== 1) throw virError(D, ErrorNumber.INVALID_ARG, `unsupported event ID ${eventID}`);
    return this.regs.register(eventID, pool ? pool.uuid : null, cb);
  }
  async connectStoragePoolEventDeregisterAny(callbackID: number): Promise<void> {
    if (!this.regs.deregister(callbackID)) {
      throw virError(D, ErrorNumber.INVALID_ARG, `could not find event callback ${callbackID} for deletion`);
    }
  }

  // ---------------------------------------------------------------- volumes: lookups

  /** virStorageVolObjFromVol: pool by name, active, volume by name. */
  private volObj(vol: VolRef): { o: PoolObj; v: VolObj } {
    const o = this.drv.byName(vol.pool);
    this.drv.requireActive(o);
    const v = o.vols.get(vol.name);
    if (!v) throw storErr(ErrorNumber.NO_STORAGE_VOL, `no storage vol with matching name '${vol.name}'`);
    return { o, v };
  }
  private notBuilding(v: VolObj): void {
    if (v.building) throw storErr(ErrorNumber.OPERATION_INVALID, `volume '${v.def.name}' is still being allocated.`);
  }

  async storageVolLookupByName(pool: PoolRef, name: string): Promise<VolRef> {
    const o = this.activePool(pool);
    const v = o.vols.get(name);
    if (!v) throw storErr(ErrorNumber.NO_STORAGE_VOL, `no storage vol with matching name '${name}'`);
    return o.volRef(v);
  }
  async storageVolLookupByKey(key: string): Promise<VolRef> {
    for (const o of this.drv.pools.values()) {
      if (!o.active) continue;
      for (const v of o.vols.values()) if (v.def.key === key) return o.volRef(v);
    }
    throw storErr(ErrorNumber.NO_STORAGE_VOL, `no storage vol with matching key ${key}`);
  }
  async storageVolLookupByPath(p: string): Promise<VolRef> {
    const want = path.resolve(p);
    for (const o of this.drv.pools.values()) {
      if (!o.active) continue;
      for (const v of o.vols.values()) if (v.def.target.path === want) return o.volRef(v);
    }
    throw storErr(ErrorNumber.NO_STORAGE_VOL, `no storage vol with matching path '${p}'`);
  }

  // ---------------------------------------------------------------- volumes: create / clone / delete

  /**
   * Reserve the name, build outside the pool lock (a clone can take long), then publish the
   * volume. Any failure removes the reservation and whatever file was made.
   */
  private async createCommon(o: PoolObj, def: StorageVolDef, build: (def: StorageVolDef) => Promise<void>): Promise<VolRef> {
    if (def.name.includes('/')) throw virError(D, ErrorNumber.INVALID_ARG, `volume name '${def.name}' cannot contain '/'`);
    const placeholder: VolObj = await this.drv.lock(o, async () => {
      this.drv.requireActive(o);
      if (o.vols.has(def.name)) throw storErr(ErrorNumber.STORAGE_VOL_EXIST, `'${def.name}'`);
      def.type = def.target.format === 'dir' ? 'dir' : 'file';
      def.target.path = path.join(o.def.target!.path, def.name);
      def.key = def.target.path;
      if (await fsp.lstat(def.target.path).then(() => true, () => false)) {
        throw storErr(ErrorNumber.OPERATION_INVALID, `volume target path '${def.target.path}' already exists`);
      }
      const v: VolObj = { def, building: true, streams: 0 };
      o.vols.set(def.name, v);
      o.asyncJobs++;
      return v;
    });
    log.info(`Creating volume '${def.name}' in storage pool '${o.def.name}'`);
    try {
      await build(def);
      const fresh = await volFromFile(def.target.path!, def.name);
      if (!fresh) throw storErr(ErrorNumber.INTERNAL_ERROR, `volume '${def.name}' vanished while being created`);
      placeholder.def = fresh;
      placeholder.building = false;
      await updatePoolSizes(o.def).catch(() => undefined);
      return o.volRef(placeholder);
    } catch (e) {
      if (o.vols.get(def.name) === placeholder) o.vols.delete(def.name);
      throw e;
    } finally {
      o.asyncJobs--;
    }
  }

  async storageVolCreateXml(pool: PoolRef, xml: string, flags: number): Promise<VolRef> {
    checkFlags(D, flags, VolCreateFlags.PREALLOC_METADATA | VolCreateFlags.VALIDATE, 'storageVolCreateXML');
    const o = this.activePool(pool);
    const def = parseStorageVolXml(xml, o.def, { optCapacity: true });
    if ((flags & VolCreateFlags.PREALLOC_METADATA) && (def.target.format ?? 'raw') === 'raw') {
      throw storErr(ErrorNumber.CONFIG_UNSUPPORTED, 'metadata preallocation is not supported for raw volumes');
    }
    return this.createCommon(o, def, volBuild);
  }

  async storageVolCreateXmlFrom(pool: PoolRef, xml: string, clonevol: VolRef, flags: number): Promise<VolRef> {
    checkFlags(D, flags, VolCreateFlags.PREALLOC_METADATA | VolCreateFlags.REFLINK | VolCreateFlags.VALIDATE, 'storageVolCreateXMLFrom');
    const o = this.activePool(pool);
    const src = this.drv.byName(clonevol.pool);
    if (!src.active) throw storErr(ErrorNumber.OPERATION_INVALID, `storage pool '${src.def.name}' is not active`);
    const sv = src.vols.get(clonevol.name);
    if (!sv) throw storErr(ErrorNumber.NO_STORAGE_VOL, `no storage vol with matching name '${clonevol.name}'`);
    this.notBuilding(sv);
    const def = parseStorageVolXml(xml, o.def, { noCapacity: true });
    // the original's capacity when the new one is smaller or omitted
    if (def.capacity < sv.def.capacity) def.capacity = sv.def.capacity;
    const srcDef = sv.def;
    sv.streams++; // keeps the source from being deleted while it is copied
    try {
      return await this.createCommon(o, def, (d) => volBuildFrom(d, srcDef));
    } finally {
      sv.streams--;
    }
  }

  private checkNotInUse(v: VolObj): void {
    this.notBuilding(v);
    if (v.streams > 0) throw storErr(ErrorNumber.OPERATION_INVALID, `volume '${v.def.name}' is still in use.`);
    const dom = v.def.target.path ? this.drv.inUseCheck?.(v.def.target.path) : null;
    if (dom) throw storErr(ErrorNumber.OPERATION_INVALID, `volume '${v.def.name}' is still in use.`);
  }

  async storageVolDelete(vol: VolRef, flags: number): Promise<void> {
    checkFlags(D, flags, VolDeleteFlags.ZEROED, 'storageVolDelete');
    const { o, v } = this.volObj(vol);
    await this.drv.lock(o, async () => {
      this.checkNotInUse(v);
      if (flags & VolDeleteFlags.ZEROED) await volWipe(v.def);
      await volDeleteFile(v.def);
      o.vols.delete(v.def.name);
      await updatePoolSizes(o.def).catch(() => undefined);
    });
  }

  async storageVolWipe(vol: VolRef, flags: number): Promise<void> {
    checkFlags(D, flags, 0, 'storageVolWipe');
    const { o, v } = this.volObj(vol);
    await this.drv.lock(o, async () => {
      this.checkNotInUse(v);
      log.info(`Wiping volume with path '${v.def.target.path}' and algorithm 0`);
      await volWipe(v.def);
      await this.refreshVol(v);
    });
  }

  // ---------------------------------------------------------------- volumes: info

  /** Re-read one volume from disk (backend->refreshVol), as libvirt does before info/XML. */
  private async refreshVol(v: VolObj): Promise<void> {
    if (v.building) return;
    const fresh = await volFromFile(v.def.target.path!, v.def.name).catch(() => null);
    if (fresh) v.def = fresh;
  }

  async storageVolGetInfoFlags(vol: VolRef, flags: number): Promise<VolInfo> {
    checkFlags(D, flags, VOL_GET_PHYSICAL, 'storageVolGetInfoFlags');
    const { v } = this.volObj(vol);
    await this.refreshVol(v);
    const type = v.def.type === 'dir' ? VolType.DIR : VolType.FILE;
    const allocation = (flags & VOL_GET_PHYSICAL) ? (v.def.physical ?? v.def.allocation) : v.def.allocation;
    return { type, capacity: v.def.capacity, allocation };
  }
  async storageVolGetInfo(vol: VolRef): Promise<VolInfo> { return this.storageVolGetInfoFlags(vol, 0); }

  async storageVolGetXmlDesc(vol: VolRef, flags: number): Promise<string> {
    checkFlags(D, flags, 0, 'storageVolGetXMLDesc');
    const { o, v } = this.volObj(vol);
    await this.refreshVol(v);
    return formatStorageVolXml(v.def, o.def);
  }
  async storageVolGetPath(vol: VolRef): Promise<string> { return this.volObj(vol).v.def.target.path!; }

  // ---------------------------------------------------------------- volumes: resize

  async storageVolResize(vol: VolRef, capacity: number, flags: number): Promise<void> {
    checkFlags(D, flags, VolResizeFlags.ALLOCATE | VolResizeFlags.DELTA | VolResizeFlags.SHRINK, 'storageVolResize');
    const { o, v } = this.volObj(vol);
    await this.drv.lock(o, async () => {
      this.notBuilding(v);
      await this.refreshVol(v);
      const cur = v.def;
      let abs = capacity;
      if (flags & VolResizeFlags.DELTA) {
        abs = (flags & VolResizeFlags.SHRINK) ? cur.capacity - Math.min(capacity, cur.capacity) : cur.capacity + capacity;
      }
      if (abs < cur.allocation) throw virError(D, ErrorNumber.INVALID_ARG, "can't shrink capacity below existing allocation");
      if (abs < cur.capacity && !(flags & VolResizeFlags.SHRINK)) {
        throw virError(D, ErrorNumber.INVALID_ARG, "Can't shrink capacity below current capacity unless shrink flag explicitly specified");
      }
      const delta = (flags & VolResizeFlags.ALLOCATE) ? abs - cur.allocation : abs - cur.capacity;
      await updatePoolSizes(o.def).catch(() => undefined);
      if (delta > o.def.available) throw virError(D, ErrorNumber.OPERATION_FAILED, 'Not enough space left in storage pool');
      await volResizeFile(cur, abs, (flags & VolResizeFlags.ALLOCATE) !== 0, abs < cur.capacity);
      await this.refreshVol(v);
      await updatePoolSizes(o.def).catch(() => undefined);
    });
  }

  // ---------------------------------------------------------------- volumes: streams

  private checkStreamable(v: VolObj, what: 'upload' | 'download'): void {
    this.notBuilding(v);
    if (v.def.type === 'dir') throw storErr(ErrorNumber.OPERATION_INVALID, `cannot ${what} directory volume '${v.def.name}'`);
  }

  /** virStorageBackendVolDownloadLocal: the file's bytes from offset (length 0: to the end). */
  async storageVolDownload(vol: VolRef, offset: number, length: number, flags: number): Promise<DriverStream> {
    checkFlags(D, flags, VolStreamFlags.SPARSE_STREAM, 'storageVolDownload');
    const { v } = this.volObj(vol);
    this.checkStreamable(v, 'download');
    const fh = await fsp.open(v.def.target.path!, 'r').catch((e) => {
      throw virError(D, ErrorNumber.SYSTEM_ERROR, `Unable to open ${v.def.target.path}: ${(e as Error).message}`);
    });
    v.streams++;
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      v.streams--;
      await fh.close().catch(() => undefined);
    };
    const sparse = (flags & VolStreamFlags.SPARSE_STREAM) !== 0;
    const incoming: AsyncIterable<StreamChunk> = {
      async *[Symbol.asyncIterator]() {
        try {
          const extents = sparse ? await openFileExtents(fh, v.def.target.path!) : null;
          for await (const c of readSparse(fh, offset, length, sparse, extents)) {
            if (released) return;
            yield c;
          }
        } finally {
          await release();
        }
      },
    };
    return {
      incoming,
      finish: release,
      abort: () => { void release(); },
    };
  }

  /** virStorageBackendVolUploadLocal: write the client's bytes (and holes) from offset. */
  async storageVolUpload(vol: VolRef, offset: number, length: number, flags: number): Promise<DriverStream> {
    checkFlags(D, flags, VolStreamFlags.SPARSE_STREAM, 'storageVolUpload');
    const { o, v } = this.volObj(vol);
    this.checkStreamable(v, 'upload');
    const fh = await fsp.open(v.def.target.path!, 'r+').catch((e) => {
      throw virError(D, ErrorNumber.SYSTEM_ERROR, `Unable to open ${v.def.target.path}: ${(e as Error).message}`);
    });
    v.streams++;
    // Holes only arrive on sparse streams; knowing where the old content was spares reading it.
    const extents = flags & VolStreamFlags.SPARSE_STREAM ? await openFileExtents(fh, v.def.target.path!).catch(() => null) : null;
    const writer = new SparseWriter(fh, offset, length > 0 ? offset + length : 0, extents);
    let done = false;
    const release = async () => {
      if (done) return;
      done = true;
      v.streams--;
      await fh.close().catch(() => undefined);
    };
    const drv = this.drv;
    return {
      send: async (chunk: StreamChunk) => {
        if (done) throw virError(ErrorDomain.STREAMS, ErrorNumber.INVALID_STREAM, 'stream is closed');
        await writer.write(chunk);
      },
      finish: async () => {
        if (done) return;
        try { await writer.commit(); } finally { await release(); }
        // libvirt refreshes the pool after an upload: the content (even the format) changed
        await this.refreshVol(v);
        await updatePoolSizes(o.def).catch(() => undefined);
        drv.events.emit(1, { pool: o.ref });
      },
      abort: () => { void release(); },
      /** for tests and logs: bytes that arrived as data */
      get dataBytes() { return writer.dataBytes; },
    } as DriverStream & { readonly dataBytes: number };
  }
}
