// Virtual network XML: parse, validate, format, and the ip-dhcp-host/range update sections.
// libvirt counterpart: src/conf/network_conf.c (virNetworkDefParseXML / virNetworkDefFormatBuf /
// virNetworkDefUpdateSection). Output matches libvirt 9.0's test driver byte for byte.
import { ErrorDomain, ErrorNumber, VirError, virError } from '../util/error.js';
import { uuidGenerate, uuidParse } from '../util/uuid.js';
import { XmlElement, XmlWriter, child, childrenNamed, parseXml, textOf } from './xml.js';
import { formatIp, ipEqual, ipFamily, ipRangeCheck, macGenerate, macIsMulticast, macParse, parseIp, parseIpOrThrow } from './net_addr.js';

export type TriState = 'yes' | 'no';

export interface NetworkForwardDef {
  /** none is represented by an absent `forward` */
  mode: 'nat' | 'route' | 'open' | 'bridge' | 'private' | 'vepa' | 'passthrough' | 'hostdev';
  /** <forward dev=...>; libvirt keeps it as the first of `interfaces` */
  dev?: string;
  managed?: boolean;
  driver?: string;
  nat?: { ipv6?: TriState; addressStart?: string; addressEnd?: string; portStart?: number; portEnd?: number };
  interfaces: { dev: string }[];
  pfs: { dev: string }[];
  /** hostdev pools of PCI functions */
  addresses: { domain: number; bus: number; slot: number; function: number }[];
}

export interface DhcpLease { expiry: number; unit?: 'seconds' | 'minutes' | 'hours' }
export interface DhcpRange { start: string; end: string; lease?: DhcpLease }
export interface DhcpHost { mac?: string; id?: string; name?: string; ip?: string; lease?: DhcpLease }

export interface NetworkIpDef {
  family?: string;
  address?: string;
  netmask?: string;
  prefix?: number;
  localPtr?: TriState;
  tftpRoot?: string;
  dhcp?: { ranges: DhcpRange[]; hosts: DhcpHost[]; bootp?: { file: string; server?: string } };
}

export interface DnsDef {
  enable?: TriState;
  forwardPlainNames?: TriState;
  forwarders: { domain?: string; addr?: string; port?: number }[];
  txts: { name: string; value: string }[];
  srvs: { service: string; protocol: string; domain?: string; target?: string; port?: number; priority?: number; weight?: number }[];
  hosts: { ip: string; hostnames: string[] }[];
}

export interface NetworkDef {
  name: string;
  uuid: string;
  /** uuid came from the XML (libvirt's uuid_specified) */
  uuidSpecified?: boolean;
  ipv6?: boolean;
  trustGuestRxFilters?: TriState;
  /** live-only attribute (omitted with inactive) */
  connections?: number;
  metadata?: XmlElement;
  forward?: NetworkForwardDef;
  bridge?: { name?: string; zone?: string; stp?: boolean; delay?: number; macTableManager?: 'kernel' | 'libvirt' };
  mtu?: number;
  mac?: string;
  domain?: { name: string; localOnly?: TriState };
  dns?: DnsDef;
  ips: NetworkIpDef[];
  /** kept verbatim and re-emitted in libvirt's order; not interpreted */
  bandwidth?: XmlElement;
  vlan?: XmlElement;
  portOptions?: XmlElement;
  routes: XmlElement[];
  virtualport?: XmlElement;
  portgroups: XmlElement[];
}

export const NETWORK_FORWARD_MODES = ['nat', 'route', 'open', 'bridge', 'private', 'vepa', 'passthrough', 'hostdev'] as const;

const D = ErrorDomain.NETWORK;
const xmlErr = (msg: string, dom: number = D) => virError(dom, ErrorNumber.XML_ERROR, msg);
const unsupported = (msg: string) => virError(D, ErrorNumber.CONFIG_UNSUPPORTED, msg);

/** virXMLPropTristateBool: yes/no or absent; anything else is an XML-domain error. */
function triState(el: XmlElement | undefined, attr: string): TriState | undefined {
  if (!el) return undefined;
  const v = el.attrs[attr];
  if (v === undefined) return undefined;
  if (v === 'yes' || v === 'no') return v;
  throw xmlErr(`Invalid value for attribute '${attr}' in element '${el.name}': '${v}'.`, ErrorDomain.XML);
}

/** virXMLPropUInt-style: optional non-negative integer attribute. */
function uintAttr(el: XmlElement, attr: string): number | undefined {
  const v = el.attrs[attr];
  if (v === undefined) return undefined;
  if (!/^\s*\+?\d+\s*$/.test(v) || Number(v) > 0xffffffff) {
    throw xmlErr(`Invalid value for attribute '${attr}' in element '${el.name}': '${v}'. Expected non-negative integer value`, ErrorDomain.XML);
  }
  return Number(v);
}

/** virXPathUInt: -1 when absent, -2 when not a number */
function xpathUInt(v: string | undefined): number | undefined | null {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) return null;
  return Number(v);
}

// ---------------------------------------------------------------- parse

export function parseNetworkXml(xml: string, opts: { errDomain?: number } = {}): NetworkDef {
  const root = parseXml(xml, '(network_definition)', opts.errDomain ?? D);
  if (root.name !== 'network') {
    throw virError(ErrorDomain.XML, ErrorNumber.XML_ERROR, `expecting root element of 'network', not '${root.name}'`);
  }
  return networkDefParseNode(root);
}

export function networkDefParseNode(root: XmlElement): NetworkDef {
  const nameEl = child(root, 'name');
  const name = nameEl ? textOf(nameEl)! : undefined;
  if (name === undefined || name === '') throw virError(D, ErrorNumber.NO_NAME);
  if (name.includes('/')) {
    throw new VirError({ code: ErrorNumber.XML_DETAIL, domain: ErrorDomain.XML, message: 'invalid char in name: /', str1: '%s' });
  }

  const def: NetworkDef = { name, uuid: '', ips: [], routes: [], portgroups: [] };
  const uuidEl = child(root, 'uuid');
  const uuidText = uuidEl ? textOf(uuidEl)! : '';
  if (!uuidEl || uuidText === '') {
    def.uuid = uuidGenerate();
  } else {
    const u = uuidParse(uuidText);
    if (!u) throw virError(D, ErrorNumber.INTERNAL_ERROR, 'malformed uuid element');
    def.uuid = u;
    def.uuidSpecified = true;
  }

  const ipv6 = root.attrs['ipv6'];
  if (ipv6 !== undefined) {
    if (ipv6 !== 'yes' && ipv6 !== 'no') throw xmlErr(`Invalid ipv6 setting '${ipv6}' in network '${name}'`);
    if (ipv6 === 'yes') def.ipv6 = true;
  }
  def.trustGuestRxFilters = triState(root, 'trustGuestRxFilters');

  const domEl = child(root, 'domain');
  if (domEl) {
    const localOnly = triState(domEl, 'localOnly');
    if (domEl.attrs['name'] !== undefined) def.domain = { name: domEl.attrs['name'], localOnly };
  }
  def.bandwidth = child(root, 'bandwidth');
  def.vlan = child(root, 'vlan');
  const port = child(root, 'port');
  if (port) { triState(port, 'isolated'); if (port.attrs['isolated']) def.portOptions = port; }

  const br = child(root, 'bridge');
  let stpGiven = false;
  if (br) {
    def.bridge = {};
    if (br.attrs['name'] !== undefined) def.bridge.name = br.attrs['name'];
    if (br.attrs['zone'] !== undefined) def.bridge.zone = br.attrs['zone'];
    stpGiven = br.attrs['stp'] !== undefined;
    def.bridge.stp = br.attrs['stp'] !== 'off';
    const delay = br.attrs['delay'];
    if (delay !== undefined) {
      if (!/^\s*\+?\d+$/.test(delay)) throw xmlErr(`Invalid delay value in network '${name}'`);
      def.bridge.delay = Number(delay);
    }
    const mtm = br.attrs['macTableManager'];
    if (mtm !== undefined) {
      if (mtm !== 'kernel' && mtm !== 'libvirt') throw xmlErr(`Invalid macTableManager setting '${mtm}' in network '${name}'`);
      def.bridge.macTableManager = mtm;
    }
  }

  const macEl = child(root, 'mac');
  const macAttr = macEl?.attrs['address'];
  if (macAttr !== undefined) {
    const mac = macParse(macAttr);
    if (!mac) throw xmlErr(`Invalid bridge mac address '${macAttr}' in network '${name}'`);
    if (macIsMulticast(mac)) throw xmlErr(`Invalid multicast bridge mac address '${macAttr}' in network '${name}'`);
    def.mac = mac;
  }

  const mtuEl = child(root, 'mtu');
  const mtu = mtuEl?.attrs['size'];
  if (mtu !== undefined) {
    if (!/^\s*\d+$/.test(mtu) || Number(mtu) > 0xffffffff) throw xmlErr(`Invalid mtu size '${mtu}' in network '${name}'`);
    def.mtu = Number(mtu);
  }

  const dnsEl = child(root, 'dns');
  if (dnsEl) def.dns = parseDns(name, dnsEl);
  def.virtualport = child(root, 'virtualport');
  def.portgroups = childrenNamed(root, 'portgroup');
  for (const pg of def.portgroups) {
    if (pg.attrs['name'] === undefined) throw xmlErr('Missing required name attribute in portgroup');
  }
  for (const ipEl of childrenNamed(root, 'ip')) def.ips.push(parseIpDef(name, ipEl));
  def.routes = childrenNamed(root, 'route');

  const fwdEl = child(root, 'forward');
  if (fwdEl) {
    const fwd = parseForward(name, fwdEl);
    if (fwd) def.forward = fwd;
  }
  validateForward(def, stpGiven);

  const meta = child(root, 'metadata');
  if (meta && meta.children.some((c) => typeof c !== 'string')) def.metadata = meta;
  return def;
}

function parseDns(net: string, el: XmlElement): DnsDef {
  const dns: DnsDef = { forwarders: [], txts: [], srvs: [], hosts: [] };
  dns.enable = triState(el, 'enable');
  dns.forwardPlainNames = triState(el, 'forwardPlainNames');
  for (const f of childrenNamed(el, 'forwarder')) {
    const fw: DnsDef['forwarders'][number] = {};
    const addr = f.attrs['addr'];
    if (addr !== undefined) {
      const a = parseIp(addr);
      if (!a) throw xmlErr(`Invalid forwarder IP address '${addr}' in network '${net}'`);
      fw.addr = formatIp(a);
      const p = f.attrs['port'];
      if (p !== undefined) {
        if (!/^\d+$/.test(p) || Number(p) === 0) {
          throw xmlErr(`Invalid value for attribute 'port' in element 'forwarder': '${p}'. Expected non-negative value`, ErrorDomain.XML);
        }
        if (Number(p) > 65535) throw virError(D, ErrorNumber.INVALID_ARG, `port '${p}' out of range`);
        fw.port = Number(p);
      }
    }
    if (f.attrs['domain'] !== undefined) fw.domain = f.attrs['domain'];
    if (!addr && fw.domain === undefined) throw xmlErr('Invalid forwarder element, must contain at least one of addr or domain');
    dns.forwarders.push(fw);
  }
  for (const h of childrenNamed(el, 'host')) dns.hosts.push(parseDnsHost(net, h, false) as DnsDef['hosts'][number]);
  for (const s of childrenNamed(el, 'srv')) dns.srvs.push(parseDnsSrv(net, s));
  for (const t of childrenNamed(el, 'txt')) {
    const tname = t.attrs['name'];
    if (tname === undefined) throw detail(`missing required name attribute in DNS TXT record of network ${net}`);
    if (/[ ,]/.test(tname)) throw detail(`prohibited character in DNS TXT record name '${tname}' of network ${net}`);
    const value = t.attrs['value'];
    if (value === undefined) throw detail(`missing required value attribute in DNS TXT record named '${tname}' of network ${net}`);
    if (/[\r\n]/.test(value)) throw detail('invalid line break in DNS TXT record value attribute');
    dns.txts.push({ name: tname, value });
  }
  if (dns.enable === 'no' && (dns.forwarders.length || dns.hosts.length || dns.srvs.length || dns.txts.length)) {
    throw xmlErr(`Extra data in disabled network '${net}'`);
  }
  return dns;
}

/** VIR_ERR_XML_DETAIL raised with a plain message (no "XML error:" prefix). */
function detail(msg: string): VirError {
  return new VirError({ code: ErrorNumber.XML_DETAIL, domain: D, message: msg, str1: '%s', str2: msg });
}

function parseDnsHost(net: string, el: XmlElement, partial: boolean): { ip?: string; hostnames: string[] } {
  const names = childrenNamed(el, 'hostname').map((n) => textOf(n)!);
  if (names.some((n) => n === '') || (names.length === 0 && !partial)) {
    throw detail(`Missing hostname in network '${net}' DNS HOST record`);
  }
  const ipA = el.attrs['ip'];
  let ip: string | undefined;
  if (ipA !== undefined) {
    const a = parseIp(ipA);
    if (!a) throw detail(`Invalid IP address in network '${net}' DNS HOST record`);
    ip = formatIp(a);
  } else {
    if (!partial) throw detail(`Missing IP address in network '${net}' DNS HOST record`);
    if (names.length === 0) throw detail(`Missing ip and hostname in network '${net}' DNS HOST record`);
  }
  return { ip, hostnames: names };
}

function parseDnsSrv(net: string, el: XmlElement): DnsDef['srvs'][number] {
  const service = el.attrs['service'];
  if (service === undefined) throw detail(`missing required service attribute in DNS SRV record of network '${net}'`);
  if (service.length > 15) throw detail(`service attribute '${service}' in network '${net}' is too long, limit is 15 bytes`);
  if (!/^[A-Za-z0-9_\-+/*]*$/.test(service)) throw detail(`invalid character in service attribute '${service}' in DNS SRV record of network '${net}'`);
  const protocol = el.attrs['protocol'];
  if (protocol === undefined) throw detail(`missing required protocol attribute in DNS SRV record '${service}' of network '${net}'`);
  if (!/^[A-Za-z0-9\-+/]*$/.test(protocol)) throw detail(`invalid character in protocol attribute '${protocol}' in DNS SRV record of network '${net}'`);
  const srv: DnsDef['srvs'][number] = { service, protocol };
  if (el.attrs['domain'] !== undefined) srv.domain = el.attrs['domain'];
  if (el.attrs['target'] !== undefined) srv.target = el.attrs['target'];
  const num = (attr: 'port' | 'priority' | 'weight', label: string, min: number) => {
    const v = xpathUInt(el.attrs[attr]);
    if (v !== undefined && srv.target === undefined) {
      throw detail(`DNS SRV ${attr} attribute not permitted without target for service '${service}' in network '${net}'`);
    }
    if (v === null || (v !== undefined && (v < min || v > 65535))) {
      throw detail(`${label} DNS SRV ${attr} attribute for service '${service}' in network '${net}'`);
    }
    if (v) srv[attr] = v;
  };
  num('port', 'invalid', 1);
  num('priority', 'Invalid', 0);
  num('weight', 'invalid', 0);
  return srv;
}

function parseLease(el: XmlElement | undefined): DhcpLease | undefined {
  if (!el) return undefined;
  const e = el.attrs['expiry'];
  if (e === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(e)) {
    throw xmlErr(`Invalid value for attribute 'expiry' in element 'lease': '${e}'. Expected integer value`, ErrorDomain.XML);
  }
  const expiry = Number(e);
  const u = el.attrs['unit'] ?? 'minutes';
  if (u !== 'seconds' && u !== 'minutes' && u !== 'hours') {
    throw xmlErr(`Invalid value for attribute 'unit' in element 'lease': '${u}'.`, ErrorDomain.XML);
  }
  if (expiry > 0 && ((u === 'seconds' && expiry < 120) || (u === 'minutes' && expiry < 2))) {
    throw unsupported('The minimum lease time should be greater than 2 minutes');
  }
  return expiry === 0 ? { expiry: 0 } : { expiry, unit: u };
}

/** The prefix libvirt uses for range checks (virSocketAddrGetIPPrefix). */
export function networkIpPrefix(ip: NetworkIpDef): number {
  if (ip.prefix && ip.prefix > 0) return ip.prefix;
  if (ip.netmask) {
    const m = parseIp(ip.netmask)!;
    let bits = 0; let seenZero = false;
    for (const b of m.bytes) for (let i = 7; i >= 0; i--) {
      if (b & (1 << i)) { if (seenZero) return -1; bits++; } else seenZero = true;
    }
    return bits;
  }
  const a = ip.address ? parseIp(ip.address) : null;
  if (!a) return -1;
  if (a.family === 6) return 64;
  const o = a.bytes[0]!;
  if ((o & 0x80) === 0) return 8;
  if ((o & 0xc0) === 0x80) return 16;
  if ((o & 0xe0) === 0xc0) return 24;
  return -1;
}

function parseRange(net: string, ip: NetworkIpDef, el: XmlElement): DhcpRange {
  const s = el.attrs['start'];
  if (s === undefined) throw xmlErr(`Missing 'start' attribute in dhcp range for network '${net}'`);
  const start = parseIpOrThrow(s);
  const e = el.attrs['end'];
  if (e === undefined) throw xmlErr(`Missing 'end' attribute in dhcp range for network '${net}'`);
  const end = parseIpOrThrow(e);
  ipRangeCheck(start, end, parseIp(ip.address!)!, networkIpPrefix(ip));
  const r: DhcpRange = { start: formatIp(start), end: formatIp(end) };
  const lease = parseLease(child(el, 'lease'));
  if (lease) r.lease = lease;
  return r;
}

function parseDhcpHost(net: string, ip: NetworkIpDef, el: XmlElement, partial: boolean): DhcpHost {
  const host: DhcpHost = {};
  const v6 = ip.address !== undefined && ipFamily(ip.address) === 6;
  const mac = el.attrs['mac'];
  if (mac !== undefined) {
    if (v6) throw xmlErr(`Invalid to specify MAC address '${mac}' in network '${net}' IPv6 static host definition`);
    const m = macParse(mac);
    if (!m) throw xmlErr(`Cannot parse MAC address '${mac}' in network '${net}'`);
    if (macIsMulticast(m)) throw xmlErr(`expected unicast mac address, found multicast '${mac}' in network '${net}'`);
    host.mac = mac; // libvirt keeps the user's spelling here
  }
  const id = el.attrs['id'];
  if (id !== undefined) {
    const bad = /[^0-9a-fA-F:]/.exec(id);
    if (bad) throw xmlErr(`Invalid character '${bad[0]}' in id '${id}' of network '${net}'`);
    host.id = id;
  }
  const name = el.attrs['name'];
  if (name !== undefined) {
    if (!/^[A-Za-z0-9]/.test(name)) throw xmlErr(`Cannot use host name '${name}' in network '${net}'`);
    host.name = name;
  }
  const ipA = el.attrs['ip'];
  if (ipA !== undefined) {
    const a = parseIp(ipA);
    if (!a) throw xmlErr(`Invalid IP address in static host definition for network '${net}'`);
    host.ip = formatIp(a);
  }
  if (partial) {
    if (mac === undefined && name === undefined && ipA === undefined) {
      throw xmlErr(`At least one of name, mac, or ip attribute must be specified for static host definition in network '${net}'`);
    }
  } else {
    if (v6) {
      if (id === undefined && name === undefined) throw xmlErr(`Static host definition in IPv6 network '${net}' must have id or name attribute`);
    } else if (mac === undefined && name === undefined) {
      throw xmlErr(`Static host definition in IPv4 network '${net}' must have mac or name attribute`);
    }
    if (ipA === undefined) throw xmlErr(`Missing IP address in static host definition for network '${net}'`);
  }
  const lease = parseLease(child(el, 'lease'));
  if (lease) host.lease = lease;
  return host;
}

function parseIpDef(net: string, el: XmlElement): NetworkIpDef {
  const ip: NetworkIpDef = {};
  const family = el.attrs['family'];
  if (family !== undefined) ip.family = family;
  const address = el.attrs['address'];
  if (address === undefined) throw xmlErr(`Missing required address attribute in network '${net}'`);
  const addr = parseIp(address);
  if (!addr) throw xmlErr(`Invalid address '${address}' in network '${net}'`);
  ip.address = formatIp(addr);
  const netmask = el.attrs['netmask'];
  let mask;
  if (netmask !== undefined) {
    mask = parseIp(netmask);
    if (!mask) throw xmlErr(`Invalid netmask '${netmask}' in network '${net}'`);
    ip.netmask = formatIp(mask);
  }
  const prefix = uintAttr(el, 'prefix');
  if (prefix !== undefined && prefix > 0) ip.prefix = prefix;
  ip.localPtr = triState(el, 'localPtr');

  if (family === undefined || family === 'ipv4') {
    if (addr.family !== 4) {
      throw unsupported(`${family === undefined ? 'no' : 'ipv4'} family specified for non-IPv4 address '${address}' in network '${net}'`);
    }
    if (mask) {
      if (mask.family !== 4) throw unsupported(`Invalid netmask '${netmask}' for address '${address}' in network '${net}' (both must be IPv4)`);
      if (prefix && prefix > 0) throw unsupported(`Network '${net}' IP address cannot have both a prefix and a netmask`);
    } else if (prefix !== undefined && prefix > 32) {
      throw unsupported(`Invalid IPv4 prefix '${prefix}' in network '${net}'`);
    }
  } else if (family === 'ipv6') {
    if (addr.family !== 6) throw unsupported(`Family 'ipv6' specified for non-IPv6 address '${address}' in network '${net}'`);
    if (netmask !== undefined) throw unsupported(`netmask not allowed for IPv6 address '${address}' in network '${net}'`);
    if (prefix !== undefined && prefix > 128) throw unsupported(`Invalid IPv6 prefix '${prefix}' in network '${net}'`);
  } else {
    throw xmlErr(`Unrecognized family '${family}' in network '${net}'`);
  }

  const dhcpEl = child(el, 'dhcp');
  if (dhcpEl) {
    const dhcp: NonNullable<NetworkIpDef['dhcp']> = { ranges: [], hosts: [] };
    for (const r of childrenNamed(dhcpEl, 'range')) dhcp.ranges.push(parseRange(net, ip, r));
    for (const h of childrenNamed(dhcpEl, 'host')) dhcp.hosts.push(parseDhcpHost(net, ip, h, false));
    const bootp = child(dhcpEl, 'bootp');
    // libvirt 9.0 silently ignores a <bootp> without file, and any <bootp> under IPv6
    if (bootp && addr.family === 4 && bootp.attrs['file'] !== undefined) {
      dhcp.bootp = { file: bootp.attrs['file'] };
      const server = bootp.attrs['server'];
      if (server !== undefined) dhcp.bootp.server = formatIp(parseIpOrThrow(server));
    }
    ip.dhcp = dhcp;
  }
  const tftp = child(el, 'tftp');
  if (tftp) {
    if (addr.family !== 4) throw unsupported(`Unsupported <tftp> element in an IPv6 element in network '${net}'`);
    if (tftp.attrs['root'] !== undefined) ip.tftpRoot = tftp.attrs['root'];
  }
  return ip;
}

function parsePciAttr(el: XmlElement, attr: string): number {
  const v = el.attrs[attr];
  if (v === undefined) return 0;
  const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN;
  if (Number.isNaN(n)) throw xmlErr(`Cannot parse <address> '${attr}' attribute`, ErrorDomain.DEVICE);
  return n;
}

function parseForward(net: string, el: XmlElement): NetworkForwardDef | undefined {
  const modeA = el.attrs['mode'];
  const mode = (modeA ?? 'nat') as NetworkForwardDef['mode'];
  if (modeA === 'none') return undefined;
  if (!(NETWORK_FORWARD_MODES as readonly string[]).includes(mode)) throw unsupported(`unknown forwarding type '${modeA}'`);
  const fwd: NetworkForwardDef = { mode, interfaces: [], pfs: [], addresses: [] };
  if (el.attrs['managed'] !== undefined && el.attrs['managed'].toLowerCase() === 'yes') fwd.managed = true;
  const drv = child(el, 'driver');
  if (drv?.attrs['name'] !== undefined) {
    if (!['kvm', 'vfio', 'xen'].includes(drv.attrs['name'])) {
      throw unsupported(`Unknown forward <driver name='${drv.attrs['name']}'/> in network ${net}`);
    }
    fwd.driver = drv.attrs['name'];
  }
  const ifs = childrenNamed(el, 'interface');
  const addrs = childrenNamed(el, 'address');
  const pfs = childrenNamed(el, 'pf');
  const nats = childrenNamed(el, 'nat');
  if (nats.length > 1) throw xmlErr(`Only one <nat> element is allowed in <forward> of network ${net}`);
  if (nats.length === 1) fwd.nat = parseNat(net, fwd, nats[0]!);

  const dev = el.attrs['dev'];
  if (dev !== undefined && (addrs.length > 0 || pfs.length > 0)) {
    throw xmlErr(`the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network ${net}`);
  }
  if (ifs.length > 0 || dev !== undefined) {
    if (dev !== undefined) fwd.interfaces.push({ dev });
    ifs.forEach((ifEl, i) => {
      const d = ifEl.attrs['dev'];
      if (d === undefined) throw xmlErr(`Missing required dev attribute in <forward> <interface> element of network ${net}`);
      if (i === 0 && dev !== undefined) {
        if (d !== dev) throw xmlErr(`<forward dev='${dev}'> must match first <interface dev='${d}'/> in network ${net}`);
        return;
      }
      if (fwd.interfaces.some((x) => x.dev === d)) throw xmlErr(`interface '${d}' can only be listed once in network ${net}`);
      fwd.interfaces.push({ dev: d });
    });
  } else if (addrs.length > 0) {
    for (const a of addrs) {
      const type = a.attrs['type'];
      if (type === undefined) throw xmlErr(`missing address type in network ${net}`);
      if (type !== 'pci') {
        if (type === 'netdev') throw xmlErr(`unsupported address type '${type}' in network ${net}`);
        throw unsupported(`unknown address type '${type}' in network ${net}`);
      }
      const pci = { domain: parsePciAttr(a, 'domain'), bus: parsePciAttr(a, 'bus'), slot: parsePciAttr(a, 'slot'), function: parsePciAttr(a, 'function') };
      if (fwd.addresses.some((p) => p.domain === pci.domain && p.bus === pci.bus && p.slot === pci.slot && p.function === pci.function)) {
        const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
        throw xmlErr(`PCI device '${h(pci.domain, 4)}:${h(pci.bus, 2)}:${h(pci.slot, 2)}.${pci.function.toString(16)}' can only be listed once in network ${net}`);
      }
      fwd.addresses.push(pci);
    }
  } else if (pfs.length > 1) {
    throw xmlErr(`Only one <pf> element is allowed in <forward> of network ${net}`);
  } else if (pfs.length === 1) {
    const d = pfs[0]!.attrs['dev'];
    if (d === undefined) throw xmlErr(`Missing required dev attribute in <pf> element of network '${net}'`);
    fwd.pfs.push({ dev: d });
  }
  if (fwd.interfaces.length) fwd.dev = fwd.interfaces[0]!.dev;
  return fwd;
}

function parseNat(net: string, fwd: NetworkForwardDef, el: XmlElement): NetworkForwardDef['nat'] {
  if (fwd.mode !== 'nat') throw xmlErr(`The <nat> element can only be used when <forward> 'mode' is 'nat' in network ${net}`);
  const nat: NonNullable<NetworkForwardDef['nat']> = {};
  const ipv6 = triState(el, 'ipv6');
  if (ipv6) nat.ipv6 = ipv6;
  const addrs = childrenNamed(el, 'address');
  if (addrs.length > 1) throw xmlErr(`Only one <address> element is allowed in <nat> in <forward> in network ${net}`);
  if (addrs.length === 1) {
    const s = addrs[0]!.attrs['start'];
    if (s === undefined) throw xmlErr(`missing 'start' attribute in <address> element in <nat> in <forward> in network ${net}`);
    const e = addrs[0]!.attrs['end'];
    if (e === undefined) throw xmlErr(`missing 'end' attribute in <address> element in <nat> in <forward> in network ${net}`);
    const sa = parseIp(s);
    if (!sa || sa.family !== 4) throw xmlErr(`Bad ipv4 start address '${s}' in <nat> in <forward> in network '${net}'`);
    const ea = parseIp(e);
    if (!ea || ea.family !== 4) throw xmlErr(`Bad ipv4 end address '${e}' in <nat> in <forward> in network '${net}'`);
    ipRangeCheck(sa, ea);
    nat.addressStart = formatIp(sa);
    nat.addressEnd = formatIp(ea);
  }
  const ports = childrenNamed(el, 'port');
  if (ports.length > 1) throw xmlErr(`Only one <port> element is allowed in <nat> in <forward> in network ${net}`);
  if (ports.length === 1) {
    const s = xpathUInt(ports[0]!.attrs['start']);
    if (s === undefined || s === null || s > 65535) {
      throw detail(`Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network ${net}`);
    }
    const e = xpathUInt(ports[0]!.attrs['end']);
    if (e === undefined || e === null || e > 65535 || e < s) {
      throw detail(`Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network ${net}`);
    }
    nat.portStart = s;
    nat.portEnd = e;
  }
  return nat;
}

function validateForward(def: NetworkDef, stpGiven: boolean): void {
  const mode = def.forward?.mode;
  const nifs = def.forward ? def.forward.interfaces.length + def.forward.addresses.length : 0;
  const npfs = def.forward?.pfs.length ?? 0;
  const br = def.bridge;
  switch (mode) {
    case undefined:
      break;
    case 'route':
    case 'nat':
      if (def.ips.length === 0) throw xmlErr(`${mode} forwarding requested, but no IP address provided for network '${def.name}'`);
      if (nifs > 1) throw xmlErr(`multiple forwarding interfaces specified for network '${def.name}', only one is supported`);
      break;
    case 'open':
      if (nifs) throw xmlErr(`forward dev not allowed for network '${def.name}' with forward mode='${mode}'`);
      break;
    default:
      if (mode !== 'bridge') {
        if (br?.name !== undefined) throw xmlErr(`bridge name not allowed in ${mode} mode (network '${def.name}')`);
        if (br?.zone !== undefined) throw xmlErr(`bridge zone not allowed in ${mode} mode (network '${def.name}')`);
        if (br?.macTableManager) throw xmlErr(`bridge macTableManager setting not allowed in ${mode} mode (network '${def.name}')`);
      }
      if (br?.delay || stpGiven || br?.zone !== undefined) {
        throw xmlErr(`bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in ${mode} (network '${def.name}')`);
      }
      if (br?.name !== undefined && (nifs || npfs)) {
        throw xmlErr(`A network with forward mode='${mode}' can specify a bridge name or a forward dev, but not both (network '${def.name}')`);
      }
  }
  if (def.mtu && mode !== undefined && !['nat', 'route', 'open'].includes(mode)) {
    throw xmlErr(`mtu size only allowed in open, route, nat, and isolated mode, not in ${mode} (network '${def.name}')`);
  }
}

// ---------------------------------------------------------------- format

/** libvirt formats <metadata> via libxml2's node dump: double-quoted attributes, verbatim. */
export function formatMetadataRaw(el: XmlElement, indent: string): string {
  const dump = (e: XmlElement): string => {
    const attrs = Object.entries(e.attrs).map(([k, v]) => ` ${k}="${v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')}"`).join('');
    if (e.children.length === 0) return `<${e.name}${attrs}/>`;
    const inner = e.children.map((c) => typeof c === 'string' ? c.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : dump(c)).join('');
    return `<${e.name}${attrs}>${inner}</${e.name}>`;
  };
  let out = `${indent}<metadata>\n`;
  for (const c of el.children) if (typeof c !== 'string') out += `${indent}  ${dump(c)}\n`;
  return out + `${indent}</metadata>\n`;
}

function leaseAttrs(l: DhcpLease) {
  return l.expiry === 0 ? { expiry: 0 } : { expiry: l.expiry, unit: l.unit ?? 'minutes' };
}

const hex = (n: number, w: number) => '0x' + n.toString(16).padStart(w, '0');

export function formatNetworkXml(def: NetworkDef, opts: { inactive?: boolean } = {}): string {
  const w = new XmlWriter();
  w.open('network', {
    connections: !opts.inactive && def.connections ? def.connections : undefined,
    ipv6: def.ipv6 ? 'yes' : undefined,
    trustGuestRxFilters: def.trustGuestRxFilters,
  });
  w.text('name', def.name);
  w.text('uuid', def.uuid);
  if (def.metadata) w.raw(formatMetadataRaw(def.metadata, ''));

  const fwd = def.forward;
  if (fwd) {
    const dev = fwd.pfs.length ? undefined : fwd.interfaces[0]?.dev;
    const attrs = { dev, mode: fwd.mode, managed: fwd.mode === 'hostdev' ? (fwd.managed ? 'yes' : 'no') : undefined };
    const nat = fwd.nat;
    const natHasBody = nat && (nat.addressStart || nat.addressEnd || nat.portStart || nat.portEnd);
    const short = !(fwd.interfaces.length || fwd.addresses.length || fwd.pfs.length || natHasBody || fwd.driver || nat?.ipv6);
    if (short) w.empty('forward', attrs);
    else {
      w.open('forward', attrs);
      if (fwd.driver) w.empty('driver', { name: fwd.driver });
      if (fwd.mode === 'nat' && nat && (natHasBody || nat.ipv6)) {
        if (!natHasBody) w.empty('nat', { ipv6: nat.ipv6 });
        else {
          w.open('nat', { ipv6: nat.ipv6 });
          if (nat.addressStart) w.empty('address', { start: nat.addressStart, end: nat.addressEnd });
          if (nat.portStart || nat.portEnd) w.empty('port', { start: nat.portStart ?? 0, end: nat.portEnd || undefined });
          w.close();
        }
      }
      if (fwd.pfs.length) w.empty('pf', { dev: fwd.pfs[0]!.dev });
      if (!fwd.pfs.length || !opts.inactive) {
        for (const i of fwd.interfaces) w.empty('interface', { dev: i.dev });
        for (const a of fwd.addresses) {
          w.empty('address', { type: 'pci', domain: hex(a.domain, 4), bus: hex(a.bus, 2), slot: hex(a.slot, 2), function: '0x' + a.function.toString(16) });
        }
      }
      w.close();
    }
  }

  const hasBridge = !fwd || ['nat', 'route', 'open'].includes(fwd.mode);
  const br = def.bridge ?? {};
  if (hasBridge || br.name !== undefined || br.macTableManager) {
    w.empty('bridge', {
      name: br.name, zone: br.zone,
      stp: hasBridge ? (br.stp === false ? 'off' : 'on') : undefined,
      delay: hasBridge ? (br.delay ?? 0) : undefined,
      macTableManager: br.macTableManager,
    });
  }
  if (def.mtu) w.empty('mtu', { size: def.mtu });
  if (def.mac) w.empty('mac', { address: def.mac });
  if (def.domain) w.empty('domain', { name: def.domain.name, localOnly: def.domain.localOnly });
  if (def.dns) formatDns(w, def.dns);
  if (def.vlan) w.element(def.vlan);
  if (def.bandwidth) w.element(def.bandwidth);
  if (def.portOptions) w.empty('port', { isolated: def.portOptions.attrs['isolated'] });
  for (const ip of def.ips) formatIpDef(w, ip);
  for (const r of def.routes) w.element(r);
  if (def.virtualport) w.element(def.virtualport);
  for (const pg of def.portgroups) w.element(pg);
  w.close();
  return w.toString();
}

function formatDns(w: XmlWriter, dns: DnsDef): void {
  const has = dns.forwarders.length || dns.hosts.length || dns.srvs.length || dns.txts.length;
  if (!(dns.enable || dns.forwardPlainNames || has)) return;
  const attrs = { enable: dns.enable, forwardPlainNames: dns.forwardPlainNames };
  if (!has) { w.empty('dns', attrs); return; }
  w.open('dns', attrs);
  for (const f of dns.forwarders) w.empty('forwarder', { domain: f.domain, addr: f.addr, port: f.addr ? f.port : undefined });
  for (const t of dns.txts) w.empty('txt', { name: t.name, value: t.value });
  for (const s of dns.srvs) {
    w.empty('srv', { service: s.service, protocol: s.protocol, domain: s.domain, target: s.target,
      port: s.port || undefined, priority: s.priority || undefined, weight: s.weight || undefined });
  }
  for (const h of dns.hosts) {
    w.open('host', { ip: h.ip });
    for (const n of h.hostnames) w.text('hostname', n);
    w.close();
  }
  w.close();
}

function formatIpDef(w: XmlWriter, ip: NetworkIpDef): void {
  // libvirt's <ip> is never self-closing: an empty one prints as "<ip ...>\n</ip>"
  w.open('ip', { family: ip.family, address: ip.address, netmask: ip.netmask, prefix: ip.prefix || undefined, localPtr: ip.localPtr });
  if (ip.tftpRoot !== undefined) w.empty('tftp', { root: ip.tftpRoot });
  const d = ip.dhcp;
  if (d && (d.ranges.length || d.hosts.length)) {
    w.open('dhcp');
    for (const r of d.ranges) {
      if (r.lease) { w.open('range', { start: r.start, end: r.end }); w.empty('lease', leaseAttrs(r.lease)); w.close(); }
      else w.empty('range', { start: r.start, end: r.end });
    }
    for (const h of d.hosts) {
      const attrs = { mac: h.mac, id: h.id, name: h.name, ip: h.ip };
      if (h.lease) { w.open('host', attrs); w.empty('lease', leaseAttrs(h.lease)); w.close(); }
      else w.empty('host', attrs);
    }
    if (d.bootp) w.empty('bootp', { file: d.bootp.file, server: d.bootp.server });
    w.close();
  }
  w.close();
}

// ---------------------------------------------------------------- update (virNetworkUpdate)

/** VIR_NETWORK_UPDATE_COMMAND_* */
export enum NetworkUpdateCommand { NONE = 0, MODIFY = 1, DELETE = 2, ADD_LAST = 3, ADD_FIRST = 4 }
/** VIR_NETWORK_SECTION_* */
export enum NetworkSection {
  NONE = 0, BRIDGE = 1, DOMAIN = 2, IP = 3, IP_DHCP_HOST = 4, IP_DHCP_RANGE = 5, FORWARD = 6,
  FORWARD_INTERFACE = 7, FORWARD_PF = 8, PORTGROUP = 9, DNS_HOST = 10, DNS_TXT = 11, DNS_SRV = 12,
}

const opInvalid = (msg: string) => virError(D, ErrorNumber.OPERATION_INVALID, msg);

function updateParse(def: NetworkDef, xml: string, section: string): XmlElement {
  const el = parseXml(xml, '(network_update_xml)', D);
  if (el.name !== section) {
    throw xmlErr(`unexpected element <${el.name}>, expecting <${section}>, while updating network '${def.name}'`);
  }
  return el;
}

function ipByIndex(def: NetworkDef, parentIndex: number): NetworkIpDef {
  if (parentIndex >= 0) {
    const ip = def.ips[parentIndex];
    if (!ip) throw opInvalid(`couldn't update dhcp host entry - no <ip> element found at index ${parentIndex} in network '${def.name}'`);
    return ip;
  }
  // -1: the one <ip> that already serves DHCP, else the first IPv4, else the first IPv6
  const ip = def.ips.find((i) => i.dhcp && (i.dhcp.ranges.length || i.dhcp.hosts.length))
    ?? def.ips.find((i) => ipFamily(i.address!) === 4) ?? def.ips.find((i) => ipFamily(i.address!) === 6);
  if (!ip) throw opInvalid(`couldn't update dhcp host entry - no <ip> element found in network '${def.name}'`);
  return ip;
}

function checkMultiDhcp(def: NetworkDef, ipdef: NetworkIpDef): void {
  const fam = ipFamily(ipdef.address!);
  for (const ip of def.ips) {
    if (ip !== ipdef && ipFamily(ip.address!) === fam && ip.dhcp && (ip.dhcp.ranges.length || ip.dhcp.hosts.length)) {
      throw opInvalid(`dhcp is supported only for a single ${fam === 4 ? 'IPv4' : 'IPv6'} address on each network`);
    }
  }
}

const macEq = (a: string, b: string) => macParse(a) === macParse(b);

/**
 * virNetworkDefUpdateSection for VIR_NETWORK_SECTION_IP_DHCP_HOST: add (first/last), delete
 * or modify one <host> of the chosen <ip>'s <dhcp>, raising libvirt's errors.
 */
export function networkUpdateDhcpHost(def: NetworkDef, command: number, parentIndex: number, xml: string): void {
  const el = updateParse(def, xml, 'host');
  const ipdef = ipByIndex(def, parentIndex);
  const partial = command === NetworkUpdateCommand.DELETE;
  const host = parseDhcpHost(def.name, ipdef, el, partial);
  if (!partial && ipFamily(ipdef.address!) !== (host.ip ? ipFamily(host.ip) : 0)) {
    throw opInvalid("the address family of a host entry IP must match the address family of the dhcp element's parent");
  }
  const dhcp = (ipdef.dhcp ??= { ranges: [], hosts: [] });
  const hosts = dhcp.hosts;
  const show = `"<host mac='${host.mac ?? 'unknown'}' name='${host.name ?? '(null)'}' ip='${host.ip ?? 'unknown'}'/>"`;
  if (command === NetworkUpdateCommand.MODIFY) {
    const i = hosts.findIndex((h) => (host.mac && h.mac && macEq(host.mac, h.mac))
      || (host.ip && h.ip && ipEqual(host.ip, h.ip)) || (host.name && host.name === h.name));
    if (i < 0) {
      throw opInvalid(`couldn't locate an existing dhcp host entry with "mac='${host.mac ?? 'unknown'}'" "name='${host.name ?? '(null)'}'" "ip='${host.ip ?? 'unknown'}'" in network '${def.name}'`);
    }
    hosts[i] = host;
  } else if (command === NetworkUpdateCommand.ADD_FIRST || command === NetworkUpdateCommand.ADD_LAST) {
    checkMultiDhcp(def, ipdef);
    if (hosts.some((h) => (host.mac && h.mac && macEq(host.mac, h.mac)) || (host.name && host.name === h.name)
      || (host.ip && h.ip && ipEqual(host.ip, h.ip)))) {
      throw opInvalid(`there is an existing dhcp host entry in network '${def.name}' that matches ${show}`);
    }
    if (command === NetworkUpdateCommand.ADD_FIRST) hosts.unshift(host); else hosts.push(host);
  } else if (command === NetworkUpdateCommand.DELETE) {
    const i = hosts.findIndex((h) => (!host.mac || !h.mac || macEq(host.mac, h.mac))
      && (!host.name || host.name === h.name) && (!host.ip || (h.ip !== undefined && ipEqual(host.ip, h.ip))));
    if (i < 0) throw opInvalid(`couldn't locate a matching dhcp host entry in network '${def.name}'`);
    hosts.splice(i, 1);
  } else {
    throw virError(D, ErrorNumber.OPERATION_UNSUPPORTED, `unrecognized network update command code ${command}`);
  }
}

/** virNetworkDefUpdateSection for VIR_NETWORK_SECTION_IP_DHCP_RANGE. */
export function networkUpdateDhcpRange(def: NetworkDef, command: number, parentIndex: number, xml: string): void {
  const el = updateParse(def, xml, 'range');
  const ipdef = ipByIndex(def, parentIndex);
  if (command === NetworkUpdateCommand.MODIFY) {
    throw virError(D, ErrorNumber.OPERATION_UNSUPPORTED, 'dhcp ranges cannot be modified, only added or deleted');
  }
  const range = parseRange(def.name, ipdef, el);
  if (ipFamily(ipdef.address!) !== ipFamily(range.start)) {
    throw opInvalid("the address family of a dhcp range must match the address family of the dhcp element's parent");
  }
  const dhcp = (ipdef.dhcp ??= { ranges: [], hosts: [] });
  const i = dhcp.ranges.findIndex((r) => ipEqual(r.start, range.start) && ipEqual(r.end, range.end));
  if (command === NetworkUpdateCommand.ADD_FIRST || command === NetworkUpdateCommand.ADD_LAST) {
    checkMultiDhcp(def, ipdef);
    if (i >= 0) {
      throw opInvalid(`there is an existing dhcp range entry in network '${def.name}' that matches "<range start='${range.start}' end='${range.end}'/>"`);
    }
    if (command === NetworkUpdateCommand.ADD_FIRST) dhcp.ranges.unshift(range); else dhcp.ranges.push(range);
  } else if (command === NetworkUpdateCommand.DELETE) {
    if (i < 0) throw opInvalid(`couldn't locate a matching dhcp range entry in network '${def.name}'`);
    dhcp.ranges.splice(i, 1);
  } else {
    throw virError(D, ErrorNumber.OPERATION_UNSUPPORTED, `unrecognized network update command code ${command}`);
  }
}

// ---------------------------------------------------------------- addresses (moved to net_addr.ts, re-exported)

export {
  type IpAddr, parseIp, parseIpOrThrow, formatIp, ipFamily, ipEqual, ipRangeCheck, macParse, macIsMulticast, macGenerate,
} from './net_addr.js';

/** virNetworkSetBridgeMacAddr: the real network driver gives a bridge without <mac> a random one. */
export function networkSetBridgeMacAddr(def: NetworkDef): void {
  if (!def.mac) def.mac = macGenerate();
}
