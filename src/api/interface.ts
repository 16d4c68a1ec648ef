// Interface: libvirt's virInterfacePtr, a physical host network interface (known by name; its
// MAC string is '' when the definition has none).
import type { Connection } from './connection.js';
import type { CallOptions } from './call.js';
import type { InterfaceRef } from '../drivers/driver.js';

export class Interface {
  constructor(readonly connection: Connection, readonly ref: InterfaceRef) {}
  /** virInterfaceGetName */
  get name(): string { return this.ref.name; }
  /** virInterfaceGetMACString */
  get mac(): string { return this.ref.mac; }
  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.connection._call<T>(method, [this.ref, ...args], opts);
  }
  /** The definition (virInterfaceGetXMLDesc); flags from InterfaceXMLFlags. */
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('interfaceGetXmlDesc', [flags], opts); }
  /** Bring the interface up (virInterfaceCreate, "if-up"). */
  create(flags = 0, opts?: CallOptions): Promise<void> { return this.call('interfaceCreate', [flags], opts); }
  /** Bring the interface down (virInterfaceDestroy, "if-down"). */
  destroy(flags = 0, opts?: CallOptions): Promise<void> { return this.call('interfaceDestroy', [flags], opts); }
  /** Remove the definition (virInterfaceUndefine). */
  undefine(opts?: CallOptions): Promise<void> { return this.call('interfaceUndefine', [], opts); }
  async isActive(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('interfaceIsActive', [], opts)) !== 0; }
}
