// StoragePool and StorageVol: libvirt's virStoragePoolPtr and virStorageVolPtr.
import type { Connection } from './connection.js';
import type { CallOptions } from './call.js';
import type { PoolInfo, PoolRef, VolInfo, VolRef } from '../drivers/driver.js';
import { Stream } from './stream.js';

export class StoragePool {
  constructor(readonly connection: Connection, readonly ref: PoolRef) {}
  get name(): string { return this.ref.name; }
  get uuid(): string { return this.ref.uuid; }
  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.connection._call<T>(method, [this.ref, ...args], opts);
  }
  build(flags = 0, opts?: CallOptions): Promise<void> { return this.call('storagePoolBuild', [flags], opts); }
  /** Start a defined pool (virStoragePoolCreate). */
  create(flags = 0, opts?: CallOptions): Promise<void> { return this.call('storagePoolCreate', [flags], opts); }
  destroy(opts?: CallOptions): Promise<void> { return this.call('storagePoolDestroy', [], opts); }
  delete(flags = 0, opts?: CallOptions): Promise<void> { return this.call('storagePoolDelete', [flags], opts); }
  undefine(opts?: CallOptions): Promise<void> { return this.call('storagePoolUndefine', [], opts); }
  refresh(flags = 0, opts?: CallOptions): Promise<void> { return this.call('storagePoolRefresh', [flags], opts); }
  info(opts?: CallOptions): Promise<PoolInfo> { return this.call('storagePoolGetInfo', [], opts); }
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('storagePoolGetXmlDesc', [flags], opts); }
  async getAutostart(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('storagePoolGetAutostart', [], opts)) !== 0; }
  setAutostart(on: boolean, opts?: CallOptions): Promise<void> { return this.call('storagePoolSetAutostart', [on ? 1 : 0], opts); }
  async isActive(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('storagePoolIsActive', [], opts)) !== 0; }
  async isPersistent(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('storagePoolIsPersistent', [], opts)) !== 0; }
  numOfVolumes(opts?: CallOptions): Promise<number> { return this.call('storagePoolNumOfVolumes', [], opts); }
  listVolumes(opts?: CallOptions): Promise<string[]> { return this.call('storagePoolListVolumes', [16384], opts); }
  async listAllVolumes(flags = 0, opts?: CallOptions): Promise<StorageVol[]> {
    return (await this.call<VolRef[]>('storagePoolListAllVolumes', [flags], opts)).map((r) => new StorageVol(this.connection, r));
  }
  async lookupVolByName(name: string, opts?: CallOptions): Promise<StorageVol> {
    return new StorageVol(this.connection, await this.call<VolRef>('storageVolLookupByName', [name], opts));
  }
  async createVolXML(xml: string, flags = 0, opts?: CallOptions): Promise<StorageVol> {
    return new StorageVol(this.connection, await this.call<VolRef>('storageVolCreateXml', [xml, flags], opts));
  }
  async createVolXMLFrom(xml: string, clone: StorageVol, flags = 0, opts?: CallOptions): Promise<StorageVol> {
    return new StorageVol(this.connection, await this.call<VolRef>('storageVolCreateXmlFrom', [xml, clone.ref, flags], opts));
  }
}

export class StorageVol {
  constructor(readonly connection: Connection, readonly ref: VolRef) {}
  get name(): string { return this.ref.name; }
  get key(): string { return this.ref.key; }
  /** Name of the pool holding this volume. */
  get poolName(): string { return this.ref.pool; }
  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.connection._call<T>(method, [this.ref, ...args], opts);
  }
  delete(flags = 0, opts?: CallOptions): Promise<void> { return this.call('storageVolDelete', [flags], opts); }
  wipe(flags = 0, opts?: CallOptions): Promise<void> { return this.call('storageVolWipe', [flags], opts); }
  info(opts?: CallOptions): Promise<VolInfo> { return this.call('storageVolGetInfo', [], opts); }
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('storageVolGetXmlDesc', [flags], opts); }
  getPath(opts?: CallOptions): Promise<string> { return this.call('storageVolGetPath', [], opts); }
  resize(capacity: number, flags = 0, opts?: CallOptions): Promise<void> { return this.call('storageVolResize', [capacity, flags], opts); }
  async lookupPool(opts?: CallOptions): Promise<StoragePool> {
    return new StoragePool(this.connection, await this.call<PoolRef>('storagePoolLookupByVolume', [], opts));
  }
  async upload(offset = 0, length = 0, flags = 0, opts?: CallOptions): Promise<Stream> {
    return new Stream(await this.call('storageVolUpload', [offset, length, flags], opts));
  }
  async download(offset = 0, length = 0, flags = 0, opts?: CallOptions): Promise<Stream> {
    return new Stream(await this.call('storageVolDownload', [offset, length, flags], opts));
  }
}
