// NodeDevice: libvirt's virNodeDevicePtr, a host device (known by name) as the node device
// driver describes it. Calls on it pass the name, as the remote protocol does.
import type { Connection } from './connection.js';
import type { CallOptions } from './call.js';
import type { NodeDeviceRef } from '../drivers/driver.js';

export class NodeDevice {
  constructor(readonly connection: Connection, readonly ref: NodeDeviceRef) {}
  /** virNodeDeviceGetName */
  get name(): string { return this.ref.name; }
  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.connection._call<T>(method, [this.ref.name, ...args], opts);
  }
  /** The device's XML description (virNodeDeviceGetXMLDesc; no flags are defined). */
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('nodeDeviceGetXmlDesc', [flags], opts); }
  /** The parent device's name (virNodeDeviceGetParent); null when the driver reports none. */
  getParent(opts?: CallOptions): Promise<string | null> { return this.call('nodeDeviceGetParent', [], opts); }
  /** How many top-level capabilities the device has (virNodeDeviceNumOfCaps). */
  numOfCaps(opts?: CallOptions): Promise<number> { return this.call('nodeDeviceNumOfCaps', [], opts); }
  /** The capability names, e.g. ['scsi_host'] (virNodeDeviceListCaps). */
  listCaps(maxnames = 65536, opts?: CallOptions): Promise<string[]> { return this.call('nodeDeviceListCaps', [maxnames], opts); }
  /** Destroy a device created with createXML, e.g. a vHBA (virNodeDeviceDestroy). */
  destroy(opts?: CallOptions): Promise<void> { return this.call('nodeDeviceDestroy', [], opts); }
  /** Start a defined (inactive) device (virNodeDeviceCreate). */
  create(flags = 0, opts?: CallOptions): Promise<void> { return this.call('nodeDeviceCreate', [flags], opts); }
  /** Remove a persistent definition (virNodeDeviceUndefine). */
  undefine(flags = 0, opts?: CallOptions): Promise<void> { return this.call('nodeDeviceUndefine', [flags], opts); }
  async getAutostart(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('nodeDeviceGetAutostart', [], opts)) !== 0; }
  setAutostart(autostart: boolean, opts?: CallOptions): Promise<void> { return this.call('nodeDeviceSetAutostart', [autostart ? 1 : 0], opts); }
  async isActive(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('nodeDeviceIsActive', [], opts)) !== 0; }
  async isPersistent(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('nodeDeviceIsPersistent', [], opts)) !== 0; }
  /** Detach from the host driver for assignment to a guest (virNodeDeviceDettach, or DetachFlags with a driver name). */
  detach(driverName: string | null = null, flags = 0, opts?: CallOptions): Promise<void> {
    return driverName === null && flags === 0 ? this.call('nodeDeviceDettach', [], opts) : this.call('nodeDeviceDetachFlags', [driverName, flags], opts);
  }
  /** Give the device back to its host driver (virNodeDeviceReAttach). */
  reAttach(opts?: CallOptions): Promise<void> { return this.call('nodeDeviceReAttach', [], opts); }
  /** virNodeDeviceReset */
  reset(opts?: CallOptions): Promise<void> { return this.call('nodeDeviceReset', [], opts); }
}
