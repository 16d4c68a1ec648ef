// Network: libvirt's virNetworkPtr.
import type { Connection } from './connection.js';
import type { CallOptions } from './call.js';
import type { NetworkDhcpLease, NetworkPortRef, NetworkRef } from '../drivers/driver.js';

export class Network {
  constructor(readonly connection: Connection, readonly ref: NetworkRef) {}
  get name(): string { return this.ref.name; }
  get uuid(): string { return this.ref.uuid; }
  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.connection._call<T>(method, [this.ref, ...args], opts);
  }
  /** Start a defined network (virNetworkCreate). */
  create(opts?: CallOptions): Promise<void> { return this.call('networkCreate', [], opts); }
  destroy(opts?: CallOptions): Promise<void> { return this.call('networkDestroy', [], opts); }
  undefine(opts?: CallOptions): Promise<void> { return this.call('networkUndefine', [], opts); }
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('networkGetXmlDesc', [flags], opts); }
  async getAutostart(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('networkGetAutostart', [], opts)) !== 0; }
  setAutostart(on: boolean, opts?: CallOptions): Promise<void> { return this.call('networkSetAutostart', [on ? 1 : 0], opts); }
  getBridgeName(opts?: CallOptions): Promise<string> { return this.call('networkGetBridgeName', [], opts); }
  async isActive(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('networkIsActive', [], opts)) !== 0; }
  async isPersistent(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('networkIsPersistent', [], opts)) !== 0; }
  update(command: number, section: number, parentIndex: number, xml: string, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('networkUpdate', [command, section, parentIndex, xml, flags], opts);
  }
  getDHCPLeases(mac: string | null = null, flags = 0, opts?: CallOptions): Promise<NetworkDhcpLease[]> {
    return this.call('networkGetDhcpLeases', [mac, flags], opts);
  }
  /** The ports plugged into the network (virNetworkListAllPorts). */
  async listAllPorts(flags = 0, opts?: CallOptions): Promise<NetworkPort[]> {
    return (await this.call<NetworkPortRef[]>('networkListAllPorts', [flags], opts)).map((r) => new NetworkPort(this, r));
  }
  /** virNetworkPortLookupByUUIDString */
  async lookupPortByUUID(uuid: string, opts?: CallOptions): Promise<NetworkPort> {
    return new NetworkPort(this, await this.call<NetworkPortRef>('networkPortLookupByUuid', [uuid], opts));
  }
  /** Plug a port described by a <networkport> document (virNetworkPortCreateXML); flags from NetworkPortCreateFlags. */
  async createPortXML(xml: string, flags = 0, opts?: CallOptions): Promise<NetworkPort> {
    return new NetworkPort(this, await this.call<NetworkPortRef>('networkPortCreateXml', [xml, flags], opts));
  }
}

/** A port of a network (virNetworkPortPtr): identified by its UUID within the network. */
export class NetworkPort {
  constructor(readonly network: Network, readonly ref: NetworkPortRef) {}
  get uuid(): string { return this.ref.uuid; }
  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.network.connection._call<T>(method, [this.ref, ...args], opts);
  }
  /** The port's <networkport> document (virNetworkPortGetXMLDesc). */
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('networkPortGetXmlDesc', [flags], opts); }
  /** Unplug the port (virNetworkPortDelete). */
  delete(flags = 0, opts?: CallOptions): Promise<void> { return this.call('networkPortDelete', [flags], opts); }
}
