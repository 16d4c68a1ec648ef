// Network calls of the test driver (libvirt's testNetwork*): define/create/start/destroy/
// undefine, autostart, XML, bridge name, dhcp updates and network lifecycle events.
import { type NetworkDef, NetworkSection, formatNetworkXml, networkUpdateDhcpHost, networkUpdateDhcpRange, parseNetworkXml } from '../../conf/network.js';
import type { NetworkEventCallback, NetworkRef } from '../driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { checkFlags, testError } from './errors.js';
import { type NetworkObj, NetListFlags } from './network_obj.js';
import { type BusEvent, type ConnCtx, EVENT_FAMILY_BASE } from './state.js';

export enum NetworkEventType { DEFINED = 0, UNDEFINED = 1, STARTED = 2, STOPPED = 3 }
const NETWORK_EVENT_ID_LAST = 2;

function findByUuid(ctx: ConnCtx, uuid: string): NetworkObj {
  const o = ctx.drv.networks.findByUuid(uuid);
  if (!o) throw testError(ErrorNumber.NO_NETWORK, `no network with matching uuid '${uuid}'`);
  return o;
}
function findByName(ctx: ConnCtx, name: string): NetworkObj {
  const o = ctx.drv.networks.findByName(name);
  if (!o) throw testError(ErrorNumber.NO_NETWORK, `no network with matching name '${name}'`);
  return o;
}
function lifecycle(ctx: ConnCtx, def: NetworkDef, event: NetworkEventType): void {
  ctx.drv.emitNetwork(0, { net: { name: def.name, uuid: def.uuid }, event, detail: 0 });
}
const names = (objs: NetworkObj[], max: number) => objs.map((o) => o.def.name).slice(0, Math.max(0, max));

export const networkMethods = {
  async connectNumOfNetworks(this: ConnCtx): Promise<number> { return this.drv.networks.filter(NetListFlags.ACTIVE).length; },
  async connectListNetworks(this: ConnCtx, maxnames: number): Promise<string[]> { return names(this.drv.networks.filter(NetListFlags.ACTIVE), maxnames); },
  async connectNumOfDefinedNetworks(this: ConnCtx): Promise<number> { return this.drv.networks.filter(NetListFlags.INACTIVE).length; },
  async connectListDefinedNetworks(this: ConnCtx, maxnames: number): Promise<string[]> { return names(this.drv.networks.filter(NetListFlags.INACTIVE), maxnames); },
  async connectListAllNetworks(this: ConnCtx, flags: number): Promise<NetworkRef[]> {
    checkFlags(flags, 0x3f, 'testConnectListAllNetworks');
    return this.drv.networks.filter(flags).map((o) => o.ref);
  },
  async networkLookupByName(this: ConnCtx, name: string): Promise<NetworkRef> { return findByName(this, name).ref; },
  async networkLookupByUuid(this: ConnCtx, uuid: string): Promise<NetworkRef> { return findByUuid(this, uuid).ref; },

  async networkCreateXmlFlags(this: ConnCtx, xml: string, flags: number): Promise<NetworkRef> {
    checkFlags(flags, 0, 'testNetworkCreateXMLFlags');
    const def = parseNetworkXml(xml);
    const o = this.drv.networks.assign(def, { live: true, checkLive: true });
    o.active = true;
    lifecycle(this, o.def, NetworkEventType.STARTED);
    return o.ref;
  },
  async networkDefineXmlFlags(this: ConnCtx, xml: string, flags: number): Promise<NetworkRef> {
    checkFlags(flags, 1, 'testNetworkDefineXMLFlags');
    const def = parseNetworkXml(xml);
    const o = this.drv.networks.assign(def);
    lifecycle(this, def, NetworkEventType.DEFINED);
    return o.ref;
  },
  async networkUndefine(this: ConnCtx, net: NetworkRef): Promise<void> {
    const o = findByName(this, net.name);
    if (o.active) throw testError(ErrorNumber.OPERATION_INVALID, `Network '${net.name}' is still running`);
    lifecycle(this, o.def, NetworkEventType.UNDEFINED);
    this.drv.networks.remove(o);
  },
  async networkCreate(this: ConnCtx, net: NetworkRef): Promise<void> {
    const o = findByName(this, net.name);
    if (o.active) throw testError(ErrorNumber.OPERATION_INVALID, `Network '${net.name}' is already running`);
    o.active = true;
    lifecycle(this, o.def, NetworkEventType.STARTED);
  },
  async networkDestroy(this: ConnCtx, net: NetworkRef): Promise<void> {
    // libvirt's test driver stops without checking that the network runs
    const o = findByName(this, net.name);
    const def = o.def;
    this.drv.networks.deactivate(o);
    lifecycle(this, def, NetworkEventType.STOPPED);
  },
  async networkGetXmlDesc(this: ConnCtx, net: NetworkRef, flags: number): Promise<string> {
    checkFlags(flags, 0, 'testNetworkGetXMLDesc');
    return formatNetworkXml(findByName(this, net.name).def);
  },
  async networkGetBridgeName(this: ConnCtx, net: NetworkRef): Promise<string> {
    const o = findByName(this, net.name);
    if (!o.def.bridge?.name) throw testError(ErrorNumber.INTERNAL_ERROR, `network '${o.def.name}' does not have a bridge name.`);
    return o.def.bridge.name;
  },
  async networkGetAutostart(this: ConnCtx, net: NetworkRef): Promise<number> { return findByName(this, net.name).autostart ? 1 : 0; },
  async networkSetAutostart(this: ConnCtx, net: NetworkRef, autostart: number): Promise<void> {
    findByName(this, net.name).autostart = autostart !== 0;
  },
  async networkIsActive(this: ConnCtx, net: NetworkRef): Promise<number> { return findByUuid(this, net.uuid).active ? 1 : 0; },
  async networkIsPersistent(this: ConnCtx, net: NetworkRef): Promise<number> { return findByUuid(this, net.uuid).persistent ? 1 : 0; },

  async networkUpdate(this: ConnCtx, net: NetworkRef, command: number, section: number, parentIndex: number, xml: string, flags: number): Promise<void> {
    checkFlags(flags, 3, 'testNetworkUpdate');
    const o = findByUuid(this, net.uuid);
    // AFFECT_CURRENT: the live definition of a running network, else the persistent one
    if ((flags & 3) === 0) flags |= o.active ? 1 : 2;
    if ((flags & 1) && !o.active) throw virError(ErrorDomain.NETWORK, ErrorNumber.OPERATION_INVALID, 'network is not running');
    const targets: NetworkDef[] = [];
    if (flags & 1) targets.push(o.def);
    if (flags & 2) {
      if (!o.persistent) throw virError(ErrorDomain.NETWORK, ErrorNumber.OPERATION_INVALID, 'cannot change persistent config of a transient network');
      if (o.active) { if (!o.newDef) o.newDef = structuredClone(o.def); targets.push(o.newDef); } else if (!targets.includes(o.def)) targets.push(o.def);
    }
    const apply = (def: NetworkDef) => {
      if (section === NetworkSection.IP_DHCP_HOST) networkUpdateDhcpHost(def, command, parentIndex, xml);
      else if (section === NetworkSection.IP_DHCP_RANGE) networkUpdateDhcpRange(def, command, parentIndex, xml);
      else throw virError(ErrorDomain.NETWORK, ErrorNumber.OPERATION_UNSUPPORTED, `can't update '${SECTION_NAMES[section] ?? section}' section of network '${def.name}'`);
    };
    // try on copies first so a failure leaves both definitions untouched
    const copies = targets.map((d) => { const c = structuredClone(d); apply(c); return c; });
    targets.forEach((d, i) => Object.assign(d, copies[i]));
  },

  async connectNetworkEventRegisterAny(this: ConnCtx, eventID: number, net: NetworkRef | null, cb: NetworkEventCallback): Promise<number> {
    if (eventID < 0 || eventID >= NETWORK_EVENT_ID_LAST) {
      throw virError(ErrorDomain.NETWORK, ErrorNumber.INVALID_ARG, `unsupported event ID ${eventID}`);
    }
    return this.events.register(EVENT_FAMILY_BASE.network + eventID, net?.uuid ?? null, (_id, e: BusEvent) => {
      if (e.kind === 'network') cb(eventID, e.payload);
    });
  },
  async connectNetworkEventDeregisterAny(this: ConnCtx, callbackID: number): Promise<void> {
    if (!this.events.deregister(callbackID)) {
      throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `could not find event callback ${callbackID} for deletion`);
    }
  },
};

const SECTION_NAMES: Record<number, string> = {
  1: 'bridge', 2: 'domain', 3: 'ip', 4: 'ip-dhcp-host', 5: 'ip-dhcp-range', 6: 'forward', 7: 'forward-interface',
  8: 'forward-pf', 9: 'portgroup', 10: 'dns-host', 11: 'dns-txt', 12: 'dns-srv',
};
