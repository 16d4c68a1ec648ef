// NWFilter and NWFilterBinding: libvirt's virNWFilterPtr (a network filter, known by name and
// UUID) and virNWFilterBindingPtr (a filter bound to a port device).
import type { Connection } from './connection.js';
import type { CallOptions } from './call.js';
import type { NWFilterBindingRef, NWFilterRef } from '../drivers/driver.js';

export class NWFilter {
  constructor(readonly connection: Connection, readonly ref: NWFilterRef) {}
  /** virNWFilterGetName */
  get name(): string { return this.ref.name; }
  /** virNWFilterGetUUIDString */
  get uuid(): string { return this.ref.uuid; }
  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.connection._call<T>(method, [this.ref, ...args], opts);
  }
  /** virNWFilterGetXMLDesc */
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('nwfilterGetXmlDesc', [flags], opts); }
  /** virNWFilterUndefine */
  undefine(opts?: CallOptions): Promise<void> { return this.call('nwfilterUndefine', [], opts); }
}

export class NWFilterBinding {
  constructor(readonly connection: Connection, readonly ref: NWFilterBindingRef) {}
  /** virNWFilterBindingGetPortDev */
  get portDev(): string { return this.ref.portdev; }
  /** virNWFilterBindingGetFilterName */
  get filterName(): string { return this.ref.filtername; }
  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.connection._call<T>(method, [this.ref, ...args], opts);
  }
  /** virNWFilterBindingGetXMLDesc */
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('nwfilterBindingGetXmlDesc', [flags], opts); }
  /** virNWFilterBindingDelete */
  delete(opts?: CallOptions): Promise<void> { return this.call('nwfilterBindingDelete', [], opts); }
}
