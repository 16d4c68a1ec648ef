// Device parsing for <devices> children (libvirt's virDomain*DefParseXML for disks, controllers,
// interfaces, character devices, inputs, graphics, video, sound, rng, memballoon, watchdog,
// hostdev and panic). Defaults that need the whole domain live in domain_postparse.ts.
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';
import { child, childrenNamed, textOf, type XmlElement } from './xml.js';
import {
  CHR_TYPES, CONTROLLER_TYPES, DISK_BUSES, DISK_CACHES, DISK_DEVICES, DISK_DISCARD, DISK_IO,
  DISK_PROTOCOLS, DISK_TYPES, GRAPHICS_TYPES, INPUT_BUSES, INPUT_TYPES, MEMBALLOON_MODELS,
  NET_TYPES, PANIC_MODELS, RNG_BACKENDS, RNG_MODELS, SOUND_MODELS, VIDEO_TYPES, WATCHDOG_ACTIONS,
  WATCHDOG_MODELS,
  type ChrDef, type ChrSource, type ControllerDef, type DeviceAddress, type DeviceInfo,
  type DiskDef, type DomainDeviceDef, type GraphicsDef, type GraphicsListen, type HostdevDef,
  type InputDef, type InterfaceDef, type MemballoonDef, type PanicDef, type RngDef,
  type SoundDef, type VideoDef, type WatchdogDef,
} from './domain_def.js';
import { enumAttr, invalidAttr, parseUInt, uintAttr, yesNoAttr, type Ctx } from './domain_util.js';
import { macParse } from './mac.js';
import { bandwidthParse, iotuneParse } from './domain_tune.js';

const ADDRESS_TYPES = ['none', 'pci', 'drive', 'virtio-serial', 'ccid', 'usb', 'spapr-vio',
  'virtio-s390', 'ccw', 'virtio-mmio', 'isa', 'dimm', 'unassigned'];

/** Attribute order libvirt writes for each address type (pci values are re-formatted as hex). */
export const ADDRESS_ATTRS: Record<string, string[]> = {
  pci: ['domain', 'bus', 'slot', 'function', 'multifunction'],
  drive: ['controller', 'bus', 'target', 'unit'],
  'virtio-serial': ['controller', 'bus', 'port'],
  ccid: ['controller', 'slot'],
  usb: ['bus', 'port'],
  'spapr-vio': ['reg'],
  ccw: ['cssid', 'ssid', 'devno'],
  isa: ['iobase', 'irq'],
  dimm: ['slot', 'base'],
};

export function parseAddress(el: XmlElement | undefined): DeviceAddress | undefined {
  if (!el) return undefined;
  const type = el.attrs['type'];
  if (type === undefined) return undefined;
  if (!ADDRESS_TYPES.includes(type)) {
    throw virError(ErrorDomain.DOMAIN, ErrorNumber.CONFIG_UNSUPPORTED, `unknown address type '${type}'`);
  }
  if (type === 'none') return undefined;
  const attrs: Record<string, string> = {};
  const known = ADDRESS_ATTRS[type] ?? [];
  for (const k of known) {
    const v = el.attrs[k];
    if (v === undefined) continue;
    if (k !== 'multifunction' && k !== 'reg' && k !== 'base' && parseUInt(v) === undefined) {
      throw virError(ErrorDomain.DOMAIN, ErrorNumber.INTERNAL_ERROR, `Cannot parse <address> '${k}' attribute`);
    }
    attrs[k] = v;
  }
  if (type === 'pci') {
    // libvirt stores numbers and writes them back as fixed-width hex
    const n = (k: string) => parseUInt(attrs[k] ?? '0') ?? 0;
    const out: Record<string, string> = {
      domain: '0x' + n('domain').toString(16).padStart(4, '0'),
      bus: '0x' + n('bus').toString(16).padStart(2, '0'),
      slot: '0x' + n('slot').toString(16).padStart(2, '0'),
      function: '0x' + n('function').toString(16),
    };
    if (attrs['multifunction']) out['multifunction'] = attrs['multifunction'];
    return { type, attrs: out };
  }
  if (type === 'drive') {
    const out: Record<string, string> = {};
    for (const k of ['controller', 'bus', 'target', 'unit']) out[k] = String(parseUInt(attrs[k] ?? '0') ?? 0);
    return { type, attrs: out };
  }
  return { type, attrs };
}

/** boot order, alias and address (virDomainDeviceInfoParseXML), in one pass over the children. */
function parseInfo(el: XmlElement, info: DeviceInfo, allowBoot: boolean): void {
  let aliasEl: XmlElement | undefined, addressEl: XmlElement | undefined, bootEl: XmlElement | undefined;
  for (const c of el.children) {
    if (typeof c === 'string') continue;
    const n = c.name;
    if (n === 'address') addressEl ??= c;
    else if (n === 'alias') aliasEl ??= c;
    else if (n === 'boot') bootEl ??= c;
  }
  applyInfo(info, aliasEl, addressEl, allowBoot ? bootEl : undefined);
}

/** parseInfo once the alias, address and boot children are found (first of each). */
function applyInfo(info: DeviceInfo, aliasEl: XmlElement | undefined, addressEl: XmlElement | undefined,
  boot: XmlElement | undefined): void {
  const alias = aliasEl?.attrs['name'];
  if (alias !== undefined && alias.startsWith('ua-')) info.alias = alias;
  info.address = parseAddress(addressEl);
  if (boot) {
    const order = boot.attrs['order'];
    const n = order === undefined ? undefined : parseUInt(order);
    if (n === undefined || n <= 0) {
      throw virError(ErrorDomain.DOMAIN, ErrorNumber.INTERNAL_ERROR, `incorrect boot order '${order ?? ''}', expecting positive integer`);
    }
    info.bootOrder = n;
  }
}

function text(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c ? textOf(c)!.trim() : undefined;
}

// ---- disk ----

const ERROR_POLICIES = ['default', 'stop', 'report', 'ignore', 'enospace'] as const;
const RERROR_POLICIES = ['default', 'stop', 'report', 'ignore'] as const;
const ON_OFF = ['on', 'off'] as const;
const DETECT_ZEROES = ['off', 'on', 'unmap'] as const;
const STARTUP_POLICIES = ['default', 'mandatory', 'requisite', 'optional'] as const;
const TRAY_STATES = ['closed', 'open'] as const;

export function parseDisk(el: XmlElement, ctx: Ctx): DiskDef {
  const type = enumAttr(el, 'type', DISK_TYPES) ?? 'file';
  const device = enumAttr(el, 'device', DISK_DEVICES) ?? 'disk';
  const disk: DiskDef = {
    type, device, target: { dev: '', bus: '' }, readonly: false, shareable: false, transient: false,
  };
  if (el.attrs['model'] !== undefined) disk.model = el.attrs['model'];
  if (el.attrs['snapshot'] !== undefined) disk.snapshot = el.attrs['snapshot'];
  // one pass over the children, the first of each name (as child() would find), instead of a
  // scan of all of them per name looked for
  let drv: XmlElement | undefined, src: XmlElement | undefined, tgt: XmlElement | undefined;
  let serialEl: XmlElement | undefined, wwnEl: XmlElement | undefined, vendorEl: XmlElement | undefined;
  let productEl: XmlElement | undefined, aliasEl: XmlElement | undefined, addressEl: XmlElement | undefined;
  let bootEl: XmlElement | undefined;
  for (const c of el.children) {
    if (typeof c === 'string') continue;
    switch (c.name) {
      case 'target': tgt ??= c; break;
      case 'source': src ??= c; break;
      case 'driver': drv ??= c; break;
      case 'address': addressEl ??= c; break;
      case 'readonly': disk.readonly = true; break;
      case 'shareable': disk.shareable = true; break;
      case 'transient': disk.transient = true; break;
      case 'boot': bootEl ??= c; break;
      case 'alias': aliasEl ??= c; break;
      case 'serial': serialEl ??= c; break;
      case 'wwn': wwnEl ??= c; break;
      case 'vendor': vendorEl ??= c; break;
      case 'product': productEl ??= c; break;
    }
  }
  if (drv) {
    // only set what is present (and not 'default'): assigning undefined and deleting later
    // turned these objects into slow dictionaries, costly here and again when formatting
    const dd: NonNullable<DiskDef['driver']> = {};
    const a = drv.attrs;
    let v: string | undefined;
    if ((v = a['name']) !== undefined && v !== 'default') dd.name = v;
    if ((v = a['type']) !== undefined && v !== 'default') dd.type = v;
    if ((v = enumAttr(drv, 'cache', DISK_CACHES)) !== undefined && v !== 'default') dd.cache = v;
    if ((v = enumAttr(drv, 'error_policy', ERROR_POLICIES)) !== undefined && v !== 'default') dd.errorPolicy = v;
    if ((v = enumAttr(drv, 'rerror_policy', RERROR_POLICIES)) !== undefined && v !== 'default') dd.rerrorPolicy = v;
    if ((v = enumAttr(drv, 'io', DISK_IO)) !== undefined && v !== 'default') dd.io = v;
    if ((v = enumAttr(drv, 'copy_on_read', ON_OFF)) !== undefined) dd.copyOnRead = v;
    if ((v = enumAttr(drv, 'discard', DISK_DISCARD)) !== undefined && v !== 'default') dd.discard = v;
    if ((v = a['iothread']) !== undefined && v !== 'default') dd.iothread = v;
    if ((v = enumAttr(drv, 'detect_zeroes', DETECT_ZEROES)) !== undefined && v !== 'default') dd.detectZeroes = v;
    if ((v = a['queues']) !== undefined && v !== 'default') dd.queues = v;
    disk.driver = dd;
  }
  if (src) {
    const s: NonNullable<DiskDef['source']> = {};
    if (type === 'file' && src.attrs['file']) s.file = src.attrs['file'];
    else if (type === 'block' && src.attrs['dev']) s.dev = src.attrs['dev'];
    else if (type === 'dir' && src.attrs['dir']) s.dir = src.attrs['dir'];
    else if (type === 'network') {
      const proto = src.attrs['protocol'];
      if (proto === undefined) {
        throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'missing network source protocol type');
      }
      if (!(DISK_PROTOCOLS as readonly string[]).includes(proto)) throw invalidAttr(src, 'protocol', proto);
      s.protocol = proto;
      if (src.attrs['name'] !== undefined) s.name = src.attrs['name'];
      const hosts = childrenNamed(src, 'host').map((h) => {
        const o: { name?: string; port?: string; transport?: string; socket?: string } = {};
        if (h.attrs['name'] !== undefined) o.name = h.attrs['name'];
        if (h.attrs['port'] !== undefined) o.port = h.attrs['port'];
        if (h.attrs['transport'] !== undefined) o.transport = h.attrs['transport'];
        if (h.attrs['socket'] !== undefined) o.socket = h.attrs['socket'];
        return o;
      });
      if (hosts.length) s.hosts = hosts;
    } else if (type === 'volume') {
      if (src.attrs['pool'] !== undefined) s.pool = src.attrs['pool'];
      if (src.attrs['volume'] !== undefined) s.volume = src.attrs['volume'];
      if (src.attrs['mode'] !== undefined) s.mode = src.attrs['mode'];
    }
    const sp = enumAttr(src, 'startupPolicy', STARTUP_POLICIES);
    if (sp && sp !== 'default') s.startupPolicy = sp;
    if (Object.keys(s).length) disk.source = s;
  }
  const dev = tgt?.attrs['dev'];
  if (!dev) {
    const srcName = disk.source?.file ?? disk.source?.dev ?? disk.source?.dir ?? disk.source?.name ?? disk.source?.volume;
    throw virError(ctx.errDomain, ErrorNumber.NO_TARGET, srcName);
  }
  disk.target.dev = dev;
  disk.target.bus = enumAttr(tgt!, 'bus', DISK_BUSES) ?? '';
  const tray = enumAttr(tgt!, 'tray', TRAY_STATES);
  if (tray === 'open') disk.target.tray = tray;
  const rem = enumAttr(tgt!, 'removable', ON_OFF);
  if (rem) disk.target.removable = rem;
  if (serialEl) disk.serial = textOf(serialEl)!.trim();
  if (wwnEl) disk.wwn = textOf(wwnEl)!.trim();
  if (vendorEl) disk.vendor = textOf(vendorEl)!.trim();
  if (productEl) disk.product = textOf(productEl)!.trim();
  const iotune = iotuneParse(el, ctx.errDomain);
  if (iotune) disk.iotune = iotune;
  applyInfo(disk, aliasEl, addressEl, bootEl);
  if (disk.bootOrder !== undefined) disk.boot = disk.bootOrder;
  return disk;
}

// ---- controller ----

export function parseController(el: XmlElement, ctx: Ctx): ControllerDef {
  const type = enumAttr(el, 'type', CONTROLLER_TYPES) ?? 'ide';
  let index = -1;
  const idx = el.attrs['index'];
  if (idx !== undefined) {
    const n = parseUInt(idx);
    if (n === undefined || n > 0x7fffffff) {
      throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, `Cannot parse controller index ${idx}`);
    }
    index = n;
  }
  const c: ControllerDef = { type, index };
  if (el.attrs['model'] !== undefined) c.model = el.attrs['model'];
  const ports = uintAttr(el, 'ports');
  if (ports !== undefined) c.ports = ports;
  const vectors = uintAttr(el, 'vectors');
  if (vectors !== undefined) c.vectors = vectors;
  const drv = child(el, 'driver');
  if (drv && Object.keys(drv.attrs).length) c.driver = { ...drv.attrs };
  const tgt = child(el, 'target');
  if (tgt && Object.keys(tgt.attrs).length) c.target = { ...tgt.attrs };
  parseInfo(el, c, false);
  return c;
}

// ---- interface ----

export function parseInterface(el: XmlElement, ctx: Ctx): InterfaceDef {
  const type = enumAttr(el, 'type', NET_TYPES) ?? 'user';
  const net: InterfaceDef = { type, mac: '' };
  // one pass over the children (the first of each name), as in parseDisk
  let macEl: XmlElement | undefined, src: XmlElement | undefined, tgt: XmlElement | undefined;
  let modelEl: XmlElement | undefined, drv: XmlElement | undefined, link: XmlElement | undefined;
  let mtu: XmlElement | undefined, aliasEl: XmlElement | undefined, addressEl: XmlElement | undefined;
  let bootEl: XmlElement | undefined;
  for (const c of el.children) {
    if (typeof c === 'string') continue;
    switch (c.name) {
      case 'mac': macEl ??= c; break;
      case 'source': src ??= c; break;
      case 'model': modelEl ??= c; break;
      case 'target': tgt ??= c; break;
      case 'address': addressEl ??= c; break;
      case 'driver': drv ??= c; break;
      case 'boot': bootEl ??= c; break;
      case 'alias': aliasEl ??= c; break;
      case 'link': link ??= c; break;
      case 'mtu': mtu ??= c; break;
    }
  }
  if (macEl && macEl.attrs['address'] !== undefined) {
    const a = macEl.attrs['address'];
    const mac = macParse(a);
    if (!mac) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, `unable to parse mac address '${a}'`);
    // the group bit: lowest bit of the first octet, i.e. of its second (lowercase) hex digit
    const d = mac.charCodeAt(1);
    if (((d <= 57 ? d - 48 : d - 87) & 1) === 1) {
      throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, `expected unicast mac address, found multicast '${a}'`);
    }
    net.mac = mac;
  }
  if (type === 'network') {
    const n = src?.attrs['network'];
    if (!n) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, "interface type='network' requires a 'source' element");
    net.source = { network: n };
    if (src!.attrs['portgroup'] !== undefined) net.source.portgroup = src!.attrs['portgroup'];
  } else if (type === 'bridge') {
    const b = src?.attrs['bridge'];
    if (!b) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, "interface type='bridge' requires a 'source' element");
    net.source = { bridge: b };
  } else if (type === 'direct') {
    const d = src?.attrs['dev'];
    if (!d) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, "interface type='direct' requires a 'source' element");
    const mode = enumAttr(src!, 'mode', ['vepa', 'private', 'bridge', 'passthrough']) ?? 'vepa';
    net.source = { dev: d, mode };
  } else if (type === 'ethernet' && src?.attrs['dev'] !== undefined) {
    // ethernet has no host-side source device; libvirt ignores it
  }
  const ifname = tgt?.attrs['dev'];
  if (ifname) {
    const managed = enumAttr(tgt!, 'managed', ['yes', 'no']);
    // libvirt drops names it generates itself (vnetN, macvtapN, macvlanN) from inactive
    // definitions, except for unmanaged ethernet taps the user created
    const generated = /^(vnet|macvtap|macvlan)/.test(ifname);
    if (!generated || (type === 'ethernet' && managed === 'no')) {
      net.target = { dev: ifname };
      if (managed === 'no' && type === 'ethernet') net.target.managed = 'no';
    }
  }
  const model = modelEl?.attrs['type'];
  if (model !== undefined) {
    if (!/^[a-zA-Z0-9_-]+$/.test(model)) {
      throw virError(ctx.errDomain, ErrorNumber.INVALID_ARG, 'Model name contains invalid characters');
    }
    net.model = model;
  }
  if (drv && Object.keys(drv.attrs).length) net.driver = { ...drv.attrs };
  if (link) net.linkState = enumAttr(link, 'state', ['up', 'down']);
  if (mtu) net.mtu = uintAttr(mtu, 'size');
  const bwEl = child(el, 'bandwidth');
  const bw = bwEl ? bandwidthParse(bwEl, type === 'network') : undefined;
  if (bw) net.bandwidth = bw;
  applyInfo(net, aliasEl, addressEl, bootEl);
  if (net.bootOrder !== undefined) net.boot = net.bootOrder;
  return net;
}

// ---- character devices ----

function parseChrSource(type: string, el: XmlElement, ctx: Ctx): { source: ChrSource; protocol?: string } {
  const source: ChrSource = {};
  let protocol: string | undefined;
  const sources = childrenNamed(el, 'source');
  switch (type) {
    case 'file': case 'dev': case 'pipe': case 'nmdm': {
      const s = sources[0];
      if (s?.attrs['path'] !== undefined) source.path = s.attrs['path'];
      if (type === 'file' && s) {
        const a = enumAttr(s, 'append', ['on', 'off']);
        if (a) source.append = a;
      }
      if ((type === 'file' || type === 'dev' || type === 'pipe') && source.path === undefined) {
        throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, 'Missing source path attribute for char device');
      }
      break;
    }
    case 'pty': {
      const s = sources[0];
      if (s?.attrs['path'] !== undefined) source.path = s.attrs['path'];
      break;
    }
    case 'unix': {
      const s = sources[0];
      source.mode = s ? enumAttr(s, 'mode', ['bind', 'connect']) ?? 'connect' : 'connect';
      if (s?.attrs['path'] !== undefined) source.path = s.attrs['path'];
      break;
    }
    case 'tcp': {
      const s = sources[0];
      source.mode = s ? enumAttr(s, 'mode', ['bind', 'connect']) ?? 'connect' : 'connect';
      if (s?.attrs['host'] !== undefined) source.host = s.attrs['host'];
      if (s?.attrs['service'] !== undefined) source.service = s.attrs['service'];
      if (source.service === undefined) {
        throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, 'Missing source service attribute for char device');
      }
      const p = child(el, 'protocol');
      protocol = (p ? enumAttr(p, 'type', ['raw', 'telnet', 'telnets', 'tls']) : undefined) ?? 'raw';
      break;
    }
    case 'udp': {
      for (const s of sources) {
        const mode = s.attrs['mode'] ?? 'connect';
        if (mode === 'bind') {
          if (s.attrs['host'] !== undefined) source.bindHost = s.attrs['host'];
          if (s.attrs['service'] !== undefined) source.bindService = s.attrs['service'];
        } else {
          if (s.attrs['host'] !== undefined) source.host = s.attrs['host'];
          if (s.attrs['service'] !== undefined) source.service = s.attrs['service'];
        }
      }
      if (source.service === undefined) {
        throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, 'Missing source service attribute for char device');
      }
      break;
    }
    default:
      break;
  }
  return protocol === undefined ? { source } : { source, protocol };
}

const CHR_TARGET_TYPES: Record<string, string[]> = {
  serial: ['isa-serial', 'usb-serial', 'pci-serial', 'spapr-vio-serial', 'system-serial', 'sclp-serial', 'isa-debug'],
  console: ['none', 'serial', 'xen', 'uml', 'virtio', 'lxc', 'openvz', 'sclp', 'sclplm'],
  channel: ['none', 'guestfwd', 'virtio', 'xen'],
  parallel: [],
};

export function parseChr(el: XmlElement, deviceType: string, ctx: Ctx): ChrDef {
  const typeAttr = el.attrs['type'];
  let type = 'null';
  if (typeAttr !== undefined) {
    if (!(CHR_TYPES as readonly string[]).includes(typeAttr)) {
      throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED,
        `unknown type presented to host for character device: ${typeAttr}`);
    }
    type = typeAttr;
  }
  const { source, protocol } = parseChrSource(type, el, ctx);
  const chr: ChrDef = { deviceType, type, source, target: {} };
  if (protocol !== undefined) chr.protocol = protocol;
  const tgt = child(el, 'target');
  if (tgt) {
    const ttype = tgt.attrs['type'];
    if (ttype !== undefined) {
      const allowed = CHR_TARGET_TYPES[deviceType] ?? [];
      if (!allowed.includes(ttype)) {
        throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED,
          `unknown target type '${ttype}' specified for character device`);
      }
      chr.target.type = ttype;
    }
    if (deviceType === 'channel') {
      if (ttype === 'guestfwd') {
        const addr = tgt.attrs['address'], port = tgt.attrs['port'];
        if (addr === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'guestfwd channel does not define a target address');
        if (port === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'guestfwd channel does not define a target port');
        chr.target.address = addr;
        chr.target.guestPort = port;
      } else if (tgt.attrs['name'] !== undefined) {
        chr.target.name = tgt.attrs['name'];
      }
    } else {
      const port = tgt.attrs['port'];
      if (port !== undefined) {
        const n = parseUInt(port);
        if (n === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, `Invalid port number: ${port}`);
        chr.target.port = n;
      }
      const model = child(tgt, 'model')?.attrs['name'];
      if (model !== undefined) chr.target.model = model;
    }
  } else if (deviceType === 'channel') {
    throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'target type must be specified for channel device');
  }
  if (deviceType === 'channel' && chr.target.type === undefined) {
    throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'target type must be specified for channel device');
  }
  parseInfo(el, chr, false);
  return chr;
}

// ---- input, graphics, video, sound ----

export function parseInput(el: XmlElement, osType: string, ctx: Ctx): InputDef {
  const type = el.attrs['type'];
  if (type === undefined) throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'missing input device type');
  if (!(INPUT_TYPES as readonly string[]).includes(type)) {
    throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown input device type '${type}'`);
  }
  let bus = el.attrs['bus'];
  if (bus !== undefined) {
    if (!(INPUT_BUSES as readonly string[]).includes(bus)) {
      throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown input bus type '${bus}'`);
    }
  } else if (osType === 'hvm') {
    bus = type === 'mouse' || type === 'keyboard' ? 'ps2' : type === 'tablet' ? 'usb' : 'none';
  } else if (osType === 'xen' || osType === 'xenpvh') {
    bus = 'xen';
  } else {
    bus = 'none';
  }
  const input: InputDef = { type, bus };
  if (el.attrs['model'] !== undefined) input.model = el.attrs['model'];
  parseInfo(el, input, false);
  return input;
}

export function parseGraphics(el: XmlElement, ctx: Ctx): GraphicsDef {
  const type = el.attrs['type'];
  if (type === undefined) throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'missing graphics device type');
  if (!(GRAPHICS_TYPES as readonly string[]).includes(type)) throw invalidAttr(el, 'type', type);
  const g: GraphicsDef = { type, listens: [] };
  const intAttr = (name: string): number | undefined => {
    const v = el.attrs[name];
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v.trim())) {
      throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, `cannot parse ${type} ${name === 'tlsPort' ? 'tlsPort' : name} ${v}`);
    }
    return Number(v);
  };
  if (type === 'vnc' || type === 'spice' || type === 'rdp') {
    const port = intAttr('port');
    const autoport = yesNoAttr(el, 'autoport');
    if (type === 'spice') {
      const tls = intAttr('tlsPort');
      if (tls !== undefined) g.tlsPort = tls;
    }
    if (type === 'vnc') {
      const ws = intAttr('websocket');
      if (ws !== undefined) g.websocket = ws;
      const sp = enumAttr(el, 'sharePolicy', ['allow-exclusive', 'force-shared', 'ignore']);
      if (sp) g.sharePolicy = sp;
    }
    if (type === 'spice') {
      const dm = enumAttr(el, 'defaultMode', ['any', 'secure', 'insecure']);
      if (dm && dm !== 'any') g.defaultMode = dm;
    }
    // libvirt's legacy syntax: port -1 asks for an automatic port; vnc without a port too.
    // An explicit autoport='yes' clears the port in the persistent definition.
    g.port = 0;
    g.autoport = type === 'vnc' && port === undefined;
    if (port !== undefined) {
      if (port === -1) g.autoport = true; else g.port = port;
    }
    if (g.tlsPort === -1) { g.tlsPort = 0; g.autoport = true; }
    if (autoport !== undefined) g.autoport = autoport === 'yes';
    if (g.autoport) { g.port = 0; if (g.tlsPort !== undefined) g.tlsPort = 0; }
    if (g.port === 0) delete g.port;
    if (g.tlsPort === 0) delete g.tlsPort;
    if (type === 'vnc' && el.attrs['socket'] !== undefined) g.socket = el.attrs['socket'];
    if (el.attrs['keymap'] !== undefined) g.keymap = el.attrs['keymap'];
    if (el.attrs['passwd'] !== undefined) g.passwd = el.attrs['passwd'];
    if (el.attrs['passwdValidTo'] !== undefined) g.passwdValidTo = el.attrs['passwdValidTo'];
  } else {
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(el.attrs)) if (k !== 'type') extra[k] = v;
    if (Object.keys(extra).length) g.extraAttrs = extra;
  }
  if (type === 'vnc' || type === 'spice' || type === 'rdp') {
    for (const l of childrenNamed(el, 'listen')) {
      const lt = enumAttr(l, 'type', ['address', 'network', 'socket', 'none']);
      if (lt === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'graphics listen type must be specified');
      const listen: GraphicsListen = { type: lt };
      if (lt === 'address' && l.attrs['address'] !== undefined) listen.address = l.attrs['address'];
      if (lt === 'network') {
        if (l.attrs['network'] === undefined) {
          throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, "'network' attribute is required for listen type 'network'");
        }
        listen.network = l.attrs['network'];
      }
      if (lt === 'socket' && l.attrs['socket'] !== undefined) listen.socket = l.attrs['socket'];
      g.listens.push(listen);
    }
    const listenAttr = el.attrs['listen'];
    if (listenAttr !== undefined) {
      const first = g.listens[0];
      if (!first) {
        g.listens.push({ type: 'address', address: listenAttr });
      } else if (first.type === 'address' && first.address !== undefined && first.address !== listenAttr) {
        throw virError(ctx.errDomain, ErrorNumber.XML_ERROR,
          `graphics 'listen' attribute '${listenAttr}' must match 'address' attribute of first listen element (found '${first.address}')`);
      } else if (first.type === 'address' && first.address === undefined) {
        first.address = listenAttr;
      }
    }
    if (type === 'vnc' && g.socket !== undefined && g.listens.length === 0) {
      g.listens.push({ type: 'socket', socket: g.socket });
    }
    // spice with no port, no TLS port, no autoport and nowhere to listen listens nowhere
    if (type === 'spice' && g.listens.length === 0 && g.port === undefined && g.tlsPort === undefined && !g.autoport) {
      g.listens.push({ type: 'none' });
    }
  }
  return g;
}

export function parseVideo(el: XmlElement, ctx: Ctx): VideoDef {
  const m = child(el, 'model');
  const t = m?.attrs['type'];
  let type = 'default';
  if (t !== undefined) {
    if (!(VIDEO_TYPES as readonly string[]).includes(t)) {
      throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown video model '${t}'`);
    }
    type = t;
  }
  const num = (k: string): number | undefined => {
    const v = m?.attrs[k];
    if (v === undefined) return undefined;
    const n = parseUInt(v);
    if (n === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, `cannot parse video ${k} '${v}'`);
    return n;
  };
  const video: VideoDef = { model: { type } };
  const ram = num('ram'), vram = num('vram'), vram64 = num('vram64'), vgamem = num('vgamem'), heads = num('heads');
  if (ram !== undefined) video.model.ram = ram;
  if (vram !== undefined) video.model.vram = vram;
  if (vram64 !== undefined) video.model.vram64 = vram64;
  if (vgamem !== undefined) video.model.vgamem = vgamem;
  if (heads !== undefined) video.model.heads = heads;
  if (m && yesNoAttr(m, 'primary') === 'yes') video.model.primary = true;
  const extra = m ? m.children.filter((c): c is XmlElement => typeof c !== 'string') : [];
  if (extra.length) video.extra = extra;
  parseInfo(el, video, false);
  return video;
}

export function parseSound(el: XmlElement, ctx: Ctx): SoundDef {
  const model = el.attrs['model'];
  if (model === undefined) throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'missing sound model');
  if (!(SOUND_MODELS as readonly string[]).includes(model)) throw invalidAttr(el, 'model', model);
  const codecs = childrenNamed(el, 'codec').map((c) => enumAttr(c, 'type', ['duplex', 'micro', 'output']) ?? 'duplex');
  const s: SoundDef = { model, codecs };
  parseInfo(el, s, false);
  return s;
}

// ---- rng, memballoon, watchdog, hostdev, panic ----

export function parseRng(el: XmlElement, ctx: Ctx): RngDef {
  const model = el.attrs['model'];
  if (model === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'missing RNG device model');
  if (!(RNG_MODELS as readonly string[]).includes(model)) {
    throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown RNG model '${model}'`);
  }
  const be = child(el, 'backend');
  if (!be) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'missing RNG device backend');
  const bm = be.attrs['model'];
  if (bm === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'missing RNG device backend model');
  if (!(RNG_BACKENDS as readonly string[]).includes(bm)) {
    throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown RNG backend model '${bm}'`);
  }
  const rng: RngDef = { model, backend: { model: bm } };
  if (bm === 'random') {
    const p = textOf(be)!.trim();
    // an empty backend means libvirt's default source
    rng.backend.path = p === '' ? '/dev/random' : p;
  } else if (bm === 'egd') {
    const t = be.attrs['type'];
    if (t === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'missing EGD backend type');
    if (!(CHR_TYPES as readonly string[]).includes(t)) {
      throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown backend type '${t}' for egd`);
    }
    rng.backend.type = t;
    const { source, protocol } = parseChrSource(t, be, ctx);
    rng.backend.source = source;
    if (protocol !== undefined) rng.backend.protocol = protocol;
  }
  const rate = child(el, 'rate');
  if (rate) {
    const bytes = rate.attrs['bytes'];
    if (bytes === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, "missing 'bytes' attribute of RNG rate");
    rng.rate = { bytes };
    if (rate.attrs['period'] !== undefined) rng.rate.period = rate.attrs['period'];
  }
  parseInfo(el, rng, false);
  return rng;
}

export function parseMemballoon(el: XmlElement, ctx: Ctx): MemballoonDef {
  const model = el.attrs['model'];
  if (model === undefined) throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'balloon memory model must be specified');
  if (!(MEMBALLOON_MODELS as readonly string[]).includes(model)) throw invalidAttr(el, 'model', model);
  const mb: MemballoonDef = { model };
  const ad = enumAttr(el, 'autodeflate', ['on', 'off']);
  if (ad) mb.autodeflate = ad;
  const fpr = enumAttr(el, 'freePageReporting', ['on', 'off']);
  if (fpr) mb.freePageReporting = fpr;
  const stats = child(el, 'stats');
  if (stats?.attrs['period'] !== undefined) {
    const p = stats.attrs['period'];
    if (!/^-?\d+$/.test(p)) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'invalid statistics collection period');
    mb.statsPeriod = Number(p);
  }
  parseInfo(el, mb, false);
  return mb;
}

export function parseWatchdog(el: XmlElement, ctx: Ctx): WatchdogDef {
  const model = el.attrs['model'];
  if (model === undefined) throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, 'watchdog must contain model name');
  if (!(WATCHDOG_MODELS as readonly string[]).includes(model)) {
    throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, `unknown watchdog model '${model}'`);
  }
  const action = el.attrs['action'] ?? 'reset';
  if (!(WATCHDOG_ACTIONS as readonly string[]).includes(action)) {
    throw virError(ctx.errDomain, ErrorNumber.INTERNAL_ERROR, `unknown watchdog action '${action}'`);
  }
  const w: WatchdogDef = { model, action };
  parseInfo(el, w, false);
  return w;
}

export function parseHostdev(el: XmlElement, ctx: Ctx): HostdevDef {
  const mode = enumAttr(el, 'mode', ['subsystem', 'capabilities']) ?? 'subsystem';
  const type = el.attrs['type'];
  if (type === undefined) throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'missing type in hostdev');
  const types = mode === 'subsystem' ? ['usb', 'pci', 'scsi', 'scsi_host', 'mdev'] : ['storage', 'misc', 'net'];
  if (!types.includes(type)) {
    throw virError(ctx.errDomain, ErrorNumber.CONFIG_UNSUPPORTED, `unknown host device source address type '${type}'`);
  }
  const h: HostdevDef = { mode, type, source: {} };
  const managed = yesNoAttr(el, 'managed');
  if (managed) h.managed = managed;
  const src = child(el, 'source');
  if (src) {
    const a = child(src, 'address');
    if (a) {
      if (type === 'pci') {
        const addr = parseAddress({ ...a, attrs: { ...a.attrs, type: 'pci' } });
        if (addr) { const { ...rest } = addr.attrs; h.source.address = rest; }
      } else {
        h.source.address = { ...a.attrs };
      }
    }
    const v = child(src, 'vendor')?.attrs['id'];
    if (v !== undefined) h.source.vendor = v;
    const p = child(src, 'product')?.attrs['id'];
    if (p !== undefined) h.source.product = p;
  }
  if (type === 'pci' && !h.source.address) {
    throw virError(ctx.errDomain, ErrorNumber.XML_ERROR, 'PCI host devices must use \'pci\' address type');
  }
  parseInfo(el, h, true);
  return h;
}

export function parsePanic(el: XmlElement): PanicDef {
  const p: PanicDef = {};
  const model = enumAttr(el, 'model', PANIC_MODELS);
  if (model) p.model = model;
  parseInfo(el, p, false);
  return p;
}

/** One device element to a DomainDeviceDef; undefined for element names libvirt ignores. */
export function parseDeviceElement(el: XmlElement, osType: string, ctx: Ctx): DomainDeviceDef | undefined {
  switch (el.name) {
    case 'disk': return { kind: 'disk', disk: parseDisk(el, ctx) };
    case 'controller': return { kind: 'controller', controller: parseController(el, ctx) };
    case 'interface': return { kind: 'interface', interface: parseInterface(el, ctx) };
    case 'serial': case 'parallel': case 'console': case 'channel':
      return { kind: el.name, chr: parseChr(el, el.name, ctx) };
    case 'input': return { kind: 'input', input: parseInput(el, osType, ctx) };
    case 'graphics': return { kind: 'graphics', graphics: parseGraphics(el, ctx) };
    case 'video': return { kind: 'video', video: parseVideo(el, ctx) };
    case 'sound': return { kind: 'sound', sound: parseSound(el, ctx) };
    case 'hostdev': return { kind: 'hostdev', hostdev: parseHostdev(el, ctx) };
    case 'watchdog': return { kind: 'watchdog', watchdog: parseWatchdog(el, ctx) };
    case 'memballoon': return { kind: 'memballoon', memballoon: parseMemballoon(el, ctx) };
    case 'rng': return { kind: 'rng', rng: parseRng(el, ctx) };
    case 'panic': return { kind: 'panic', panic: parsePanic(el) };
    default: return undefined;
  }
}
