// Host network interface definitions (<interface type='ethernet|bridge|bond|vlan'>): parse,
// validate and format as libvirt 9.0 does. Pure: no I/O.
// libvirt counterpart: src/conf/interface_conf.c (+ virInterfaceLinkParseXML/Format).
import { ErrorDomain, ErrorNumber, type VirError, rawError, virError } from '../util/error.js';
import { type XmlElement, child, childrenNamed, escapeXml, parseXml } from './xml.js';

export type InterfaceType = 'ethernet' | 'bridge' | 'bond' | 'vlan';
const TYPES: readonly InterfaceType[] = ['ethernet', 'bridge', 'bond', 'vlan'];
export type InterfaceStartMode = 'none' | 'onboot' | 'hotplug';
const START_MODES: readonly string[] = ['none', 'onboot', 'hotplug'];
export const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'] as const;
/** virNetDevIfState names accepted in <link state=...> */
const LINK_STATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

export interface InterfaceIpDef { address: string; prefix: number }
export interface InterfaceProtocolDef {
  family: 'ipv4' | 'ipv6';
  autoconf: boolean;
  /** <dhcp> present; peerdns undefined when the attribute is absent */
  dhcp: boolean;
  peerdns?: boolean;
  ips: InterfaceIpDef[];
  /** the first <route>'s gateway */
  gateway?: string;
}
export interface InterfaceLink { speed: number; state?: string }
export interface BridgeData { stp?: boolean; delay?: string; itfs: InterfaceDef[] }
export interface BondData {
  mode?: typeof BOND_MODES[number];
  itfs: InterfaceDef[];
  miimon?: { freq: number; downdelay: number; updelay: number; carrier?: 'ioctl' | 'netif' };
  arpmon?: { interval: number; target: string; validate?: 'active' | 'backup' | 'all' };
}
export interface VlanData { tag: string; devName: string }

export interface InterfaceDef {
  type: InterfaceType;
  name: string;
  /** only top-level interfaces carry start mode, mtu and protocols */
  startmode?: InterfaceStartMode;
  mtu?: number;
  protocols: InterfaceProtocolDef[];
  /** ethernet only (other types drop it, as libvirt does) */
  mac?: string;
  /** not for bridges */
  link?: InterfaceLink;
  bridge?: BridgeData;
  bond?: BondData;
  vlan?: VlanData;
}

const xmlErr = (detail: string, domain = ErrorDomain.INTERFACE): VirError => virError(domain, ErrorNumber.XML_ERROR, detail);
const invalidAttr = (attr: string, el: string, v: string, expect = ''): VirError =>
  xmlErr(`Invalid value for attribute '${attr}' in element '${el}': '${v}'.${expect}`, ErrorDomain.XML);

/**
 * A parse that fails without reporting anything (libvirt 9.0 does this for a malformed <mtu>):
 * the public API then raises virErrorGenericFailure, which is what users see.
 */
export function unknownCauseError(): VirError {
  return rawError(ErrorDomain.NONE, ErrorNumber.INTERNAL_ERROR, 'An error occurred, but the cause is unknown');
}

/** strtol/strtoul over the whole string (leading blanks and sign allowed), base 10 or 0 (auto). */
function cInteger(s: string, base: 0 | 10): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|[0-9]+)$/.exec(s);
  if (!m) return null;
  let body = m[2]!;
  let radix = 10;
  if (/^0[xX]/.test(body)) {
    if (base !== 0) return null;
    radix = 16; body = body.slice(2);
  } else if (base === 0 && body.length > 1 && body.startsWith('0')) {
    if (!/^[0-7]+$/.test(body)) return null;
    radix = 8;
  }
  const v = parseInt(body, radix);
  return m[1] === '-' ? -v : v;
}
/** virStrToLong_i: int range */
function cInt(s: string, base: 0 | 10): number | null {
  const v = cInteger(s, base);
  return v === null || v < -2147483648 || v > 2147483647 ? null : v;
}
/** virXMLPropUInt (base 10): no sign other than '+', uint range */
function cUInt(s: string): number | null {
  if (/^[ \t\n\v\f\r]*-/.test(s)) return null;
  const v = cInteger(s, 10);
  return v === null || v > 4294967295 ? null : v;
}

function parseMtu(el: XmlElement): number | undefined {
  const size = child(el, 'mtu')?.attrs['size'];
  if (size === undefined || size === '') return undefined;
  const v = /^[ \t\n\v\f\r]*-/.test(size) ? null : cInteger(size, 10);
  if (v === null) throw unknownCauseError();
  if (v > 100000) throw xmlErr("value of the 'size' attribute of 'mtu' element must be at most 100000");
  return v === 0 ? undefined : v;
}

function parseStartMode(el: XmlElement): InterfaceStartMode | undefined {
  const mode = child(el, 'start')?.attrs['mode'];
  if (mode === undefined) return undefined;
  if (!START_MODES.includes(mode)) throw xmlErr(`unknown interface startmode ${mode}`);
  return mode as InterfaceStartMode;
}

function parseProtocol(p: XmlElement): InterfaceProtocolDef {
  const family = p.attrs['family'];
  if (family === undefined) throw xmlErr('protocol misses the family attribute');
  if (family !== 'ipv4' && family !== 'ipv6') throw xmlErr(`unsupported protocol family '${family}'`);
  const proto: InterfaceProtocolDef = { family, autoconf: false, dhcp: false, ips: [] };
  const gw = child(p, 'route')?.attrs['gateway'];
  if (gw !== undefined) proto.gateway = gw;
  // <autoconf/> only means something for IPv6
  if (family === 'ipv6' && child(p, 'autoconf')) proto.autoconf = true;
  const dhcp = child(p, 'dhcp');
  if (dhcp) {
    proto.dhcp = true;
    const peerdns = dhcp.attrs['peerdns'];
    if (peerdns !== undefined) {
      if (peerdns !== 'yes' && peerdns !== 'no') throw invalidAttr('peerdns', 'dhcp', peerdns);
      proto.peerdns = peerdns === 'yes';
    }
  }
  for (const ip of childrenNamed(p, 'ip')) {
    const address = ip.attrs['address'];
    // an <ip> without an address is dropped (libvirt keeps an empty entry it never formats)
    if (address === undefined) continue;
    let prefix = 0;
    const pf = ip.attrs['prefix'];
    if (pf !== undefined) {
      const v = cInt(pf, 0);
      if (v === null) throw invalidAttr('prefix', 'ip', pf, ' Expected integer value');
      prefix = v;
    }
    proto.ips.push({ address, prefix });
  }
  return proto;
}

export function parseLink(el: XmlElement): InterfaceLink | undefined {
  const l = child(el, 'link');
  if (!l) return undefined;
  const link: InterfaceLink = { speed: 0 };
  const speed = l.attrs['speed'];
  if (speed !== undefined) {
    const v = cUInt(speed);
    if (v === null) throw invalidAttr('speed', 'link', speed, ' Expected non-negative integer value');
    link.speed = v;
  }
  const state = l.attrs['state'];
  if (state !== undefined) {
    if (!LINK_STATES.includes(state)) throw invalidAttr('state', 'link', state);
    link.state = state;
  }
  return link.speed || link.state ? link : undefined;
}

/** virXPathInt on an attribute: undefined when absent or empty, null when malformed. */
function xpathInt(el: XmlElement | undefined, attr: string): number | undefined | null {
  const v = el?.attrs[attr];
  if (v === undefined || v === '') return undefined;
  return cInt(v, 10);
}

function parseBond(def: InterfaceDef, b: XmlElement): void {
  const data: BondData = { itfs: [] };
  const mode = b.attrs['mode'];
  if (mode !== undefined) {
    if (!(BOND_MODES as readonly string[]).includes(mode)) throw xmlErr(`unknown bonding mode ${mode}`);
    data.mode = mode as BondData['mode'];
  }
  for (const i of childrenNamed(b, 'interface')) data.itfs.push(parseInterface(i, 'bond'));
  const mii = child(b, 'miimon');
  const arp = child(b, 'arpmon');
  if (mii) {
    const freq = xpathInt(mii, 'freq');
    if (freq === undefined || freq === null) throw xmlErr('bond interface miimon freq missing or invalid');
    const down = xpathInt(mii, 'downdelay');
    if (down === null) throw xmlErr('bond interface miimon downdelay invalid');
    const up = xpathInt(mii, 'updelay');
    if (up === null) throw xmlErr('bond interface miimon updelay invalid');
    const carrier = mii.attrs['carrier'];
    if (carrier !== undefined && carrier !== 'ioctl' && carrier !== 'netif') throw xmlErr(`unknown mii bonding carrier ${carrier}`);
    data.miimon = { freq, downdelay: down ?? 0, updelay: up ?? 0, ...(carrier ? { carrier } : {}) };
  } else if (arp) {
    const interval = xpathInt(arp, 'interval');
    if (interval === undefined || interval === null) throw xmlErr('bond interface arpmon interval missing or invalid');
    const target = arp.attrs['target'];
    if (target === undefined) throw xmlErr('bond interface arpmon target missing');
    const validate = arp.attrs['validate'];
    if (validate !== undefined && validate !== 'active' && validate !== 'backup' && validate !== 'all') {
      throw xmlErr(`unknown arp bonding validate ${validate}`);
    }
    data.arpmon = { interval, target, ...(validate ? { validate } : {}) };
  }
  def.bond = data;
}

function parseBridge(def: InterfaceDef, b: XmlElement): void {
  const data: BridgeData = { itfs: [] };
  const stp = b.attrs['stp'];
  // libvirt reports a bad stp value but goes on with the definition (its parser returns
  // success there), so the attribute is simply dropped
  if (stp === 'on') data.stp = true;
  else if (stp === 'off') data.stp = false;
  const delay = b.attrs['delay'];
  if (delay !== undefined) data.delay = delay;
  for (const i of childrenNamed(b, 'interface')) data.itfs.push(parseInterface(i, 'bridge'));
  def.bridge = data;
}

/** Which types may sit inside which parent (libvirt: ethernet in bonds; ethernet/bond/vlan in bridges). */
function allowedIn(parent: InterfaceType | null, type: InterfaceType): boolean {
  if (parent === null) return true;
  if (parent === 'bond') return type === 'ethernet';
  if (parent === 'bridge') return type !== 'bridge';
  return false;
}

function parseInterface(el: XmlElement, parent: InterfaceType | null): InterfaceDef {
  const typeStr = el.attrs['type'];
  if (typeStr === undefined) throw xmlErr("Missing required attribute 'type' in element 'interface'", ErrorDomain.XML);
  if (!(TYPES as readonly string[]).includes(typeStr)) throw invalidAttr('type', 'interface', typeStr);
  const type = typeStr as InterfaceType;
  if (!allowedIn(parent, type)) throw xmlErr(`interface has unsupported type '${type}'`);
  const name = el.attrs['name'];
  if (name === undefined) throw xmlErr('interface has no name');
  const def: InterfaceDef = { type, name, protocols: [] };
  if (parent === null) {
    const startmode = parseStartMode(el);
    if (startmode) def.startmode = startmode;
    const mtu = parseMtu(el);
    if (mtu !== undefined) def.mtu = mtu;
    for (const p of childrenNamed(el, 'protocol')) def.protocols.push(parseProtocol(p));
  }
  if (type !== 'bridge') {
    const link = parseLink(el);
    if (link) def.link = link;
  }
  switch (type) {
    case 'ethernet': {
      const mac = child(el, 'mac')?.attrs['address'];
      if (mac !== undefined) def.mac = mac;
      break;
    }
    case 'bridge': {
      const b = child(el, 'bridge');
      if (!b) throw xmlErr('bridge interface misses the bridge element');
      parseBridge(def, b);
      break;
    }
    case 'bond': {
      const b = child(el, 'bond');
      if (!b) throw xmlErr('bond interface misses the bond element');
      parseBond(def, b);
      break;
    }
    case 'vlan': {
      const v = child(el, 'vlan');
      if (!v) throw xmlErr('vlan interface misses the vlan element');
      const tag = v.attrs['tag'];
      if (tag === undefined) throw xmlErr('vlan interface misses the tag attribute');
      const devName = child(v, 'interface')?.attrs['name'];
      if (devName === undefined) throw xmlErr('vlan interface misses name attribute');
      def.vlan = { tag, devName };
      break;
    }
  }
  return def;
}

/** virInterfaceDefParseNode: a parsed <interface> element. */
export function interfaceDefParseNode(root: XmlElement): InterfaceDef {
  if (root.name !== 'interface') {
    throw xmlErr(`unexpected root element <${root.name}>, expecting <interface>`);
  }
  return parseInterface(root, null);
}

/** virInterfaceDefParseString */
export function interfaceDefParseString(xml: string): InterfaceDef {
  const root = parseXml(xml, '(interface_definition)', ErrorDomain.INTERFACE);
  if (root.name !== 'interface') {
    throw xmlErr(`expecting root element of 'interface', not '${root.name}'`, ErrorDomain.XML);
  }
  return parseInterface(root, null);
}

// ---- formatting ----

/**
 * virInterfaceDefFormat. Written by hand rather than with XmlWriter: libvirt prints an
 * interface with no content as an open/close pair on two lines, never as `<interface/>`.
 */
export function interfaceDefFormat(def: InterfaceDef): string {
  const out: string[] = [];
  formatDev(out, def, null, '');
  return out.join('');
}

function formatDev(out: string[], def: InterfaceDef, parent: InterfaceType | null, pad: string): void {
  const p = pad + '  ';
  out.push(`${pad}<interface type='${def.type}' name='${escapeXml(def.name)}'>\n`);
  if (parent === null) {
    // start mode, mtu and addressing belong to the top level only
    if (def.startmode) out.push(`${p}<start mode='${def.startmode}'/>\n`);
    if (def.mtu) out.push(`${p}<mtu size='${def.mtu}'/>\n`);
    for (const proto of def.protocols) formatProtocol(out, proto, p);
  }
  if (def.type !== 'bridge' && def.link) {
    let s = `${p}<link`;
    if (def.link.speed) s += ` speed='${def.link.speed}'`;
    if (def.link.state) s += ` state='${def.link.state}'`;
    out.push(s + '/>\n');
  }
  switch (def.type) {
    case 'ethernet':
      if (def.mac !== undefined) out.push(`${p}<mac address='${def.mac}'/>\n`);
      break;
    case 'bridge': {
      const b = def.bridge!;
      let s = `${p}<bridge`;
      if (b.stp !== undefined) s += ` stp='${b.stp ? 'on' : 'off'}'`;
      if (b.delay !== undefined) s += ` delay='${b.delay}'`;
      out.push(s + '>\n');
      for (const i of b.itfs) formatDev(out, i, 'bridge', p + '  ');
      out.push(`${p}</bridge>\n`);
      break;
    }
    case 'bond': {
      const b = def.bond!;
      out.push(`${p}<bond${b.mode ? ` mode='${b.mode}'` : ''}>\n`);
      const q = p + '  ';
      if (b.miimon) {
        const m = b.miimon;
        let s = `${q}<miimon freq='${m.freq}'`;
        if (m.downdelay > 0) s += ` downdelay='${m.downdelay}'`;
        if (m.updelay > 0) s += ` updelay='${m.updelay}'`;
        if (m.carrier) s += ` carrier='${m.carrier}'`;
        out.push(s + '/>\n');
      } else if (b.arpmon) {
        const a = b.arpmon;
        out.push(`${q}<arpmon interval='${a.interval}' target='${a.target}'${a.validate ? ` validate='${a.validate}'` : ''}/>\n`);
      }
      for (const i of b.itfs) formatDev(out, i, 'bond', q);
      out.push(`${p}</bond>\n`);
      break;
    }
    case 'vlan': {
      const v = def.vlan!;
      out.push(`${p}<vlan tag='${v.tag}'>\n${p}  <interface name='${v.devName}'/>\n${p}</vlan>\n`);
      break;
    }
  }
  out.push(`${pad}</interface>\n`);
}

function formatProtocol(out: string[], proto: InterfaceProtocolDef, pad: string): void {
  const p = pad + '  ';
  out.push(`${pad}<protocol family='${proto.family}'>\n`);
  if (proto.autoconf) out.push(`${p}<autoconf/>\n`);
  if (proto.dhcp) {
    out.push(proto.peerdns === undefined ? `${p}<dhcp/>\n` : `${p}<dhcp peerdns='${proto.peerdns ? 'yes' : 'no'}'/>\n`);
  }
  for (const ip of proto.ips) out.push(`${p}<ip address='${ip.address}'${ip.prefix !== 0 ? ` prefix='${ip.prefix}'` : ''}/>\n`);
  if (proto.gateway !== undefined) out.push(`${p}<route gateway='${proto.gateway}'/>\n`);
  out.push(`${pad}</protocol>\n`);
}
