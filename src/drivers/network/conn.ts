// One connection's view of the network driver: the DriverConnection methods for networks
// (names = remote procedure names in camelCase), live updates and DHCP leases.
// libvirt counterpart: the virNetworkDriver table in src/network/bridge_driver.c.
import * as fsp from 'node:fs/promises';
import {
  type NetworkDef, NetworkSection, formatNetworkXml, networkIpPrefix, networkUpdateDhcpHost, networkUpdateDhcpRange, parseNetworkXml,
} from '../../conf/network.js';
import { ipFamily, macParse, parseIp, subnetsOverlap } from '../../conf/net_addr.js';
import type { DriverConnection, NetworkDhcpLease, NetworkEventCallback, NetworkEventPayload, NetworkRef } from '../driver.js';
import type { EventRegistrations } from '../events.js';
import { ErrorDomain, ErrorNumber, checkFlags, virError } from '../../util/error.js';
import { parseDnsmasqLeases } from './dnsmasq.js';
import { type NetObj, type NetworkDriver, isManaged, netErr } from './driver.js';

const D = ErrorDomain.NETWORK;
const ListFlags = { INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32 } as const;
const UpdateFlags = { LIVE: 1, CONFIG: 2 } as const;
const SECTION_NAMES: Record<number, string> = {
  1: 'bridge', 2: 'domain', 3: 'ip', 4: 'ip-dhcp-host', 5: 'ip-dhcp-range', 6: 'forward', 7: 'forward-interface',
  8: 'forward-pf', 9: 'portgroup', 10: 'dns-host', 11: 'dns-txt', 12: 'dns-srv',
};

const limit = (names: string[], max: number) => names.slice(0, Math.max(0, max));

function filterNets(list: NetObj[], flags: number): NetObj[] {
  const F = ListFlags;
  return list.filter((o) => {
    if ((flags & (F.ACTIVE | F.INACTIVE)) === F.ACTIVE && !o.active) return false;
    if ((flags & (F.ACTIVE | F.INACTIVE)) === F.INACTIVE && o.active) return false;
    if ((flags & (F.PERSISTENT | F.TRANSIENT)) === F.PERSISTENT && !o.persistent) return false;
    if ((flags & (F.PERSISTENT | F.TRANSIENT)) === F.TRANSIENT && o.persistent) return false;
    const auto = o.persistent && o.autostart;
    if ((flags & (F.AUTOSTART | F.NO_AUTOSTART)) === F.AUTOSTART && !auto) return false;
    if ((flags & (F.AUTOSTART | F.NO_AUTOSTART)) === F.NO_AUTOSTART && auto) return false;
    return true;
  });
}

export class NetworkConnection implements DriverConnection {
  private readonly regs: EventRegistrations<NetworkEventPayload>;
  constructor(private readonly drv: NetworkDriver) { this.regs = drv.events.scope(); }

  async connectClose(): Promise<void> { this.regs.close(); }

  // ---------------------------------------------------------------- lists and lookups

  private sorted(flags: number): NetObj[] {
    return filterNets(this.drv.values(), flags).sort((a, b) => a.def.name.localeCompare(b.def.name));
  }
  async connectNumOfNetworks(): Promise<number> { return this.sorted(ListFlags.ACTIVE).length; }
  async connectListNetworks(maxnames: number): Promise<string[]> { return limit(this.sorted(ListFlags.ACTIVE).map((o) => o.def.name), maxnames); }
  async connectNumOfDefinedNetworks(): Promise<number> { return this.sorted(ListFlags.INACTIVE).length; }
  async connectListDefinedNetworks(maxnames: number): Promise<string[]> { return limit(this.sorted(ListFlags.INACTIVE).map((o) => o.def.name), maxnames); }
  async connectListAllNetworks(flags: number): Promise<NetworkRef[]> {
    checkFlags(D, flags, 0x3f, 'networkConnectListAllNetworks');
    return this.sorted(flags).map((o) => o.ref);
  }
  async networkLookupByName(name: string): Promise<NetworkRef> { return this.drv.byNameOrThrow(name).ref; }
  async networkLookupByUuid(uuid: string): Promise<NetworkRef> { return this.drv.byUuidOrThrow(uuid).ref; }

  // ---------------------------------------------------------------- lifecycle

  async networkDefineXmlFlags(xml: string, flags: number): Promise<NetworkRef> {
    checkFlags(D, flags, 1 /* VALIDATE */, 'networkDefineXMLFlags');
    return this.drv.locked(async () => (await this.drv.define(xml)).ref);
  }
  async networkDefineXml(xml: string): Promise<NetworkRef> { return this.networkDefineXmlFlags(xml, 0); }
  async networkCreateXmlFlags(xml: string, flags: number): Promise<NetworkRef> {
    checkFlags(D, flags, 1 /* VALIDATE */, 'networkCreateXMLFlags');
    return this.drv.locked(async () => (await this.drv.createTransient(xml)).ref);
  }
  async networkCreateXml(xml: string): Promise<NetworkRef> { return this.networkCreateXmlFlags(xml, 0); }
  async networkCreate(net: NetworkRef): Promise<void> {
    await this.drv.locked(() => this.drv.start(this.drv.fromRef(net)));
  }
  async networkDestroy(net: NetworkRef): Promise<void> {
    await this.drv.locked(() => this.drv.destroy(this.drv.fromRef(net)));
  }
  async networkUndefine(net: NetworkRef): Promise<void> {
    await this.drv.locked(() => this.drv.undefine(this.drv.fromRef(net)));
  }
  async networkGetXmlDesc(net: NetworkRef, flags: number): Promise<string> {
    checkFlags(D, flags, 1 /* INACTIVE */, 'networkGetXMLDesc');
    const o = this.drv.fromRef(net);
    const inactive = (flags & 1) !== 0;
    const def = inactive && o.newDef ? o.newDef : o.def;
    return formatNetworkXml(def, { inactive: inactive || !o.active });
  }
  async networkGetAutostart(net: NetworkRef): Promise<number> {
    const o = this.drv.fromRef(net);
    return o.autostart ? 1 : 0;
  }
  async networkSetAutostart(net: NetworkRef, autostart: number): Promise<void> {
    await this.drv.locked(() => this.drv.setAutostart(this.drv.fromRef(net), autostart !== 0));
  }
  async networkGetBridgeName(net: NetworkRef): Promise<string> {
    const o = this.drv.fromRef(net);
    if (!o.def.bridge?.name) throw netErr(ErrorNumber.INTERNAL_ERROR, `network '${o.def.name}' does not have a bridge name.`);
    return o.def.bridge.name;
  }
  async networkIsActive(net: NetworkRef): Promise<number> { return this.drv.fromRef(net).active ? 1 : 0; }
  async networkIsPersistent(net: NetworkRef): Promise<number> { return this.drv.fromRef(net).persistent ? 1 : 0; }

  // ---------------------------------------------------------------- update

  /**
   * networkUpdate for the DHCP host and range sections. Live host changes rewrite the hosts
   * file and SIGHUP dnsmasq; a range change restarts dnsmasq (its config changed).
   */
  async networkUpdate(net: NetworkRef, command: number, section: number, parentIndex: number, xml: string, flags: number): Promise<void> {
    checkFlags(D, flags, UpdateFlags.LIVE | UpdateFlags.CONFIG, 'networkUpdate');
    await this.drv.locked(async () => {
      const o = this.drv.fromRef(net);
      let live = (flags & UpdateFlags.LIVE) !== 0;
      let config = (flags & UpdateFlags.CONFIG) !== 0;
      if (!live && !config) { if (o.active) live = true; else config = true; }
      if (live && !o.active) throw netErr(ErrorNumber.OPERATION_INVALID, 'network is not running');
      if (config && !o.persistent) throw netErr(ErrorNumber.OPERATION_INVALID, 'cannot change persistent config of a transient network');
      let apply: (def: NetworkDef) => void;
      if (section === NetworkSection.IP_DHCP_HOST) apply = (d) => networkUpdateDhcpHost(d, command, parentIndex, xml);
      else if (section === NetworkSection.IP_DHCP_RANGE) apply = (d) => networkUpdateDhcpRange(d, command, parentIndex, xml);
      else {
        throw netErr(ErrorNumber.NO_SUPPORT, `can't update '${SECTION_NAMES[section] ?? section}' section of network '${o.def.name}'`);
      }
      // work on copies; commit only when every requested part succeeded
      const clone = (d: NetworkDef) => parseNetworkXml(formatNetworkXml(d));
      const persistentBase = o.newDef ?? o.def;
      const newConfig = config ? clone(persistentBase) : null;
      const newLive = live ? clone(o.def) : null;
      if (newConfig) apply(newConfig);
      if (newLive) apply(newLive);
      if (newConfig) {
        // keep the generated bridge name/MAC: a reparse keeps them since they are in the XML
        await this.drv.saveConfigFor(o, newConfig);
        if (o.active) o.newDef = newConfig; else o.def = newConfig;
      }
      if (newLive) {
        newLive.connections = o.def.connections;
        o.def = newLive;
        await this.drv.refreshDnsmasq(o, section === NetworkSection.IP_DHCP_RANGE);
        await this.drv.saveState(o);
      }
    });
  }

  // ---------------------------------------------------------------- leases

  async networkGetDhcpLeases(net: NetworkRef, mac: string | null, flags: number): Promise<NetworkDhcpLease[]> {
    checkFlags(D, flags, 0, 'networkGetDHCPLeases');
    const o = this.drv.fromRef(net);
    if (!o.active || !isManaged(o.def)) return [];
    let text = '';
    try { text = await fsp.readFile(this.drv.paths(o.def.name).leaseFile, 'utf8'); } catch { return []; }
    const wantMac = mac === null ? null : macParse(mac);
    if (mac !== null && !wantMac) throw virError(D, ErrorNumber.INVALID_MAC, mac);
    const now = Math.floor(Date.now() / 1000);
    const out: NetworkDhcpLease[] = [];
    for (const l of parseDnsmasqLeases(text)) {
      if (l.expiry !== 0 && l.expiry < now) continue;
      if (wantMac && (l.mac === null || macParse(l.mac) !== wantMac)) continue;
      const a = parseIp(l.ip)!;
      // the lease's prefix is that of the network address it falls in
      const ipdef = o.def.ips.find((ip) => {
        const n = parseIp(ip.address ?? '');
        return n && n.family === a.family && subnetsOverlap(n, networkIpPrefix(ip), a, networkIpPrefix(ip));
      });
      if (!ipdef) continue;
      out.push({
        iface: o.def.bridge?.name ?? '',
        expirytime: l.expiry,
        type: ipFamily(l.ip) === 6 ? 1 : 0,
        mac: l.mac,
        iaid: l.iaid,
        ipaddr: l.ip,
        prefix: networkIpPrefix(ipdef),
        hostname: l.hostname,
        clientid: l.clientid,
      });
    }
    return out;
  }

  // ---------------------------------------------------------------- events

  async connectNetworkEventRegisterAny(eventID: number, net: NetworkRef | null, cb: NetworkEventCallback): Promise<number> {
    if (eventID !== 0 && eventID !== 1) throw virError(D, ErrorNumber.INVALID_ARG, `unsupported event ID ${eventID}`);
    return this.regs.register(eventID, net ? net.uuid : null, cb);
  }
  async connectNetworkEventDeregisterAny(callbackID: number): Promise<void> {
    if (!this.regs.deregister(callbackID)) {
      throw virError(D, ErrorNumber.INVALID_ARG, `could not find event callback ${callbackID} for deletion`);
    }
  }
}
