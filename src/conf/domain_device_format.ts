// Device formatting for <devices> (libvirt's virDomain*DefFormat), in libvirt's element and
// attribute order so the output matches `virsh dumpxml` byte for byte.
import type { XmlWriter } from './xml.js';
import type {
  ChrDef, ChrSource, ControllerDef, DeviceInfo, DiskDef, DomainDef, GraphicsDef, HostdevDef,
  InputDef, InterfaceDef, MemballoonDef, PanicDef, RngDef, SoundDef, VideoDef, WatchdogDef,
} from './domain_def.js';
import { ADDRESS_ATTRS } from './domain_device.js';
import { consoleAliasOf } from './domain_postparse.js';
import { bandwidthFormat, iotuneFormat } from './domain_tune.js';

export interface FormatFlags { inactive: boolean; secure: boolean }

/** Would formatInfo write anything? (decides `<x/>` against `<x>...</x>`) */
function hasInfo(info: DeviceInfo, boot: boolean): boolean {
  return (boot && info.bootOrder !== undefined) || info.alias !== undefined || info.address !== undefined;
}

function formatInfo(w: XmlWriter, info: DeviceInfo, boot: boolean): void {
  if (boot && info.bootOrder !== undefined) w.empty1('boot', 'order', info.bootOrder);
  if (info.alias !== undefined) w.empty1('alias', 'name', info.alias);
  const a = info.address;
  if (a) {
    w.start('address').attr('type', a.type);
    const order = ADDRESS_ATTRS[a.type] ?? Object.keys(a.attrs);
    for (const k of order) w.attr(k, a.attrs[k]);
    w.end();
  }
}

export function formatDisk(w: XmlWriter, d: DiskDef): void {
  w.start('disk').attr('type', d.type).attr('device', d.device).attr('model', d.model).attr('snapshot', d.snapshot).endOpen();
  const drv = d.driver;
  if (drv && (drv.name !== undefined || drv.type !== undefined || drv.cache !== undefined ||
    drv.errorPolicy !== undefined || drv.rerrorPolicy !== undefined || drv.io !== undefined ||
    drv.copyOnRead !== undefined || drv.discard !== undefined || drv.iothread !== undefined ||
    drv.detectZeroes !== undefined || drv.queues !== undefined)) {
    w.start('driver').attr('name', drv.name).attr('type', drv.type).attr('cache', drv.cache)
      .attr('error_policy', drv.errorPolicy).attr('rerror_policy', drv.rerrorPolicy).attr('io', drv.io)
      .attr('copy_on_read', drv.copyOnRead).attr('discard', drv.discard).attr('iothread', drv.iothread)
      .attr('detect_zeroes', drv.detectZeroes).attr('queues', drv.queues).end();
  }
  const s = d.source;
  if (s) {
    if (d.type === 'network') {
      const attrs = { protocol: s.protocol, name: s.name };
      if (s.hosts?.length) {
        w.open('source', attrs);
        for (const h of s.hosts) w.empty('host', { name: h.name, port: h.port, transport: h.transport, socket: h.socket });
        w.close();
      } else {
        w.empty('source', attrs);
      }
    } else if (d.type === 'volume') {
      w.empty('source', { pool: s.pool, volume: s.volume, mode: s.mode, startupPolicy: s.startupPolicy });
    } else {
      w.start('source').attr('file', s.file).attr('dev', s.dev).attr('dir', s.dir).attr('startupPolicy', s.startupPolicy).end();
    }
  }
  const tg = d.target;
  w.start('target').attr('dev', tg.dev).attr('bus', tg.bus).attr('tray', tg.tray).attr('removable', tg.removable).end();
  iotuneFormat(w, d.iotune);
  if (d.readonly) w.empty('readonly');
  if (d.shareable) w.empty('shareable');
  if (d.transient) w.empty('transient');
  w.text('serial', d.serial);
  w.text('wwn', d.wwn);
  w.text('vendor', d.vendor);
  w.text('product', d.product);
  formatInfo(w, d, true);
  w.close();
}

export function formatController(w: XmlWriter, c: ControllerDef): void {
  w.start('controller').attr('type', c.type).attr('index', c.index).attr('model', c.model).attr('ports', c.ports)
    .attr('vectors', c.vectors);
  if (!c.driver && !c.target && !hasInfo(c, false)) { w.end(); return; }
  w.endOpen();
  if (c.driver) w.empty('driver', c.driver);
  if (c.target) w.empty('target', c.target);
  formatInfo(w, c, false);
  w.close();
}

const GENERATED_IFNAME = /^(vnet|macvtap|macvlan)/;

export function formatInterface(w: XmlWriter, n: InterfaceDef, f: FormatFlags): void {
  w.open1('interface', 'type', n.type);
  w.empty1('mac', 'address', n.mac);
  const s = n.source;
  if (s) {
    if (n.type === 'network') w.empty2('source', 'network', s.network, 'portgroup', s.portgroup);
    else if (n.type === 'bridge') w.empty1('source', 'bridge', s.bridge);
    else if (n.type === 'direct') w.empty('source', { dev: s.dev, mode: s.mode });
  }
  bandwidthFormat(w, n.bandwidth);
  const t = n.target;
  if (t?.dev && !(f.inactive && GENERATED_IFNAME.test(t.dev) && !(n.type === 'ethernet' && t.managed === 'no'))) {
    w.start('target').attr('dev', t.dev).attr('managed', t.managed).end();
  }
  if (n.model !== undefined) w.empty1('model', 'type', n.model);
  if (n.driver) w.empty('driver', n.driver);
  if (n.linkState !== undefined) w.empty1('link', 'state', n.linkState);
  if (n.mtu !== undefined) w.empty1('mtu', 'size', n.mtu);
  formatInfo(w, n, true);
  w.close();
}

function formatChrSource(w: XmlWriter, type: string, s: ChrSource, protocol: string | undefined, f: FormatFlags): void {
  switch (type) {
    case 'pty':
      if (s.path !== undefined && !f.inactive) w.empty1('source', 'path', s.path);
      break;
    case 'file': case 'dev': case 'pipe': case 'nmdm':
      if (s.path !== undefined || s.append !== undefined) w.empty('source', { path: s.path, append: s.append });
      break;
    case 'unix':
      w.empty('source', { mode: s.mode, path: s.path });
      break;
    case 'tcp':
      w.empty('source', { mode: s.mode, host: s.host, service: s.service, tls: s.tls });
      w.empty('protocol', { type: protocol ?? 'raw' });
      break;
    case 'udp':
      if (s.bindHost !== undefined || s.bindService !== undefined) {
        w.empty('source', { mode: 'bind', host: s.bindHost, service: s.bindService });
      }
      if (s.host !== undefined || s.service !== undefined) {
        w.empty('source', { mode: 'connect', host: s.host, service: s.service });
      }
      break;
    default:
      break;
  }
}

export function formatChr(w: XmlWriter, c: ChrDef, f: FormatFlags): void {
  // the live pty of console 0 is repeated as tty='' (old clients, `virsh ttyconsole`, read it there)
  const tty = c.deviceType === 'console' && (c.target.port ?? 0) === 0 && c.type === 'pty' && !f.inactive ? c.source.path : undefined;
  if (tty !== undefined) w.start(c.deviceType).attr('type', c.type).attr('tty', tty).endOpen();
  else w.open1(c.deviceType, 'type', c.type);
  formatChrSource(w, c.type, c.source, c.protocol, f);
  const t = c.target;
  if (c.deviceType === 'channel') {
    if (t.type === 'guestfwd') w.empty('target', { type: t.type, address: t.address, port: t.guestPort });
    else w.empty('target', { type: t.type, name: t.name });
  } else if (t.model !== undefined) {
    w.start('target').attr('type', t.type).attr('port', t.port).endOpen();
    w.empty1('model', 'name', t.model);
    w.close();
  } else {
    w.start('target').attr('type', t.type).attr('port', t.port).end();
  }
  formatInfo(w, c, false);
  w.close();
}

export function formatInput(w: XmlWriter, i: InputDef): void {
  w.start('input').attr('type', i.type).attr('bus', i.bus).attr('model', i.model);
  if (!hasInfo(i, false)) { w.end(); return; }
  w.endOpen();
  formatInfo(w, i, false);
  w.close();
}

export function formatGraphics(w: XmlWriter, g: GraphicsDef, f: FormatFlags): void {
  const first = g.listens[0];
  const listenAttr = first && first.type === 'address' ? first.address : undefined;
  let attrs: Record<string, string | number | undefined>;
  // ports are written only for listeners that use them (address/network), as libvirt does
  const ported = !first || first.type === 'address' || first.type === 'network';
  switch (g.type) {
    case 'vnc':
      attrs = { type: 'vnc' };
      if (g.socket !== undefined) {
        attrs['socket'] = g.socket;
      } else if (ported) {
        if (g.port && (!g.autoport || !f.inactive)) attrs['port'] = g.port;
        else if (g.autoport) attrs['port'] = -1;
        attrs['autoport'] = g.autoport ? 'yes' : 'no';
        if (g.websocket !== undefined) attrs['websocket'] = g.websocket;
      }
      attrs['listen'] = listenAttr;
      attrs['sharePolicy'] = g.sharePolicy;
      attrs['keymap'] = g.keymap;
      break;
    case 'spice':
      attrs = { type: 'spice' };
      if (ported) {
        attrs['port'] = g.port;
        attrs['tlsPort'] = g.tlsPort;
        attrs['autoport'] = g.autoport ? 'yes' : 'no';
      }
      attrs['listen'] = listenAttr;
      attrs['keymap'] = g.keymap;
      attrs['defaultMode'] = g.defaultMode;
      break;
    case 'rdp':
      attrs = { type: 'rdp', port: g.autoport ? undefined : g.port, autoport: g.autoport ? 'yes' : undefined, listen: listenAttr };
      break;
    default:
      attrs = { type: g.type, ...g.extraAttrs };
  }
  if (g.passwd !== undefined && f.secure) attrs['passwd'] = g.passwd;
  if (g.passwdValidTo !== undefined) attrs['passwdValidTo'] = g.passwdValidTo;
  w.wrap('graphics', attrs, () => {
    for (const l of g.listens) {
      if (l.type === 'address') w.empty('listen', { type: 'address', address: l.address });
      else if (l.type === 'network') w.empty('listen', { type: 'network', network: l.network });
      else if (l.type === 'socket') w.empty('listen', { type: 'socket', socket: l.socket });
      else w.empty('listen', { type: l.type });
    }
  });
}

export function formatVideo(w: XmlWriter, v: VideoDef): void {
  w.open('video');
  const m = v.model;
  w.start('model').attr('type', m.type === 'default' ? undefined : m.type).attr('ram', m.ram).attr('vram', m.vram)
    .attr('vram64', m.vram64).attr('vgamem', m.vgamem).attr('heads', m.heads).attr('primary', m.primary ? 'yes' : undefined);
  if (v.extra?.length) {
    w.endOpen();
    for (const e of v.extra) w.element(e);
    w.close();
  } else {
    w.end();
  }
  formatInfo(w, v, false);
  w.close();
}

export function formatSound(w: XmlWriter, s: SoundDef): void {
  w.wrap('sound', { model: s.model }, () => {
    for (const c of s.codecs) w.empty('codec', { type: c });
    formatInfo(w, s, false);
  });
}

export function formatHostdev(w: XmlWriter, h: HostdevDef): void {
  const managed = h.mode === 'subsystem' && (h.type === 'pci' || h.type === 'usb') ? h.managed ?? 'no' : h.managed;
  w.open('hostdev', { mode: h.mode, type: h.type, managed });
  w.wrap('source', undefined, () => {
    if (h.source.vendor !== undefined) w.empty('vendor', { id: h.source.vendor });
    if (h.source.product !== undefined) w.empty('product', { id: h.source.product });
    if (h.source.address) w.empty('address', h.source.address);
  });
  formatInfo(w, h, true);
  w.close();
}

export function formatWatchdog(w: XmlWriter, d: WatchdogDef): void {
  w.start('watchdog').attr('model', d.model).attr('action', d.action);
  if (!hasInfo(d, false)) { w.end(); return; }
  w.endOpen();
  formatInfo(w, d, false);
  w.close();
}

export function formatMemballoon(w: XmlWriter, m: MemballoonDef): void {
  w.start('memballoon').attr('model', m.model).attr('autodeflate', m.autodeflate).attr('freePageReporting', m.freePageReporting);
  if (!hasInfo(m, false) && m.statsPeriod === undefined) { w.end(); return; }
  w.endOpen();
  // virDomainMemballoonDefFormat: <stats> first, then alias and address
  if (m.statsPeriod !== undefined) w.empty1('stats', 'period', m.statsPeriod);
  formatInfo(w, m, false);
  w.close();
}

export function formatRng(w: XmlWriter, r: RngDef, f: FormatFlags): void {
  w.open1('rng', 'model', r.model);
  if (r.rate) w.empty2('rate', 'bytes', r.rate.bytes, 'period', r.rate.period);
  const b = r.backend;
  if (b.model === 'random') {
    w.start('backend').attr('model', 'random').endText(b.path ?? '/dev/random');
  } else if (b.model === 'egd') {
    w.open('backend', { model: 'egd', type: b.type });
    formatChrSource(w, b.type ?? 'null', b.source ?? {}, b.protocol, f);
    w.close();
  } else {
    w.empty('backend', { model: b.model });
  }
  formatInfo(w, r, false);
  w.close();
}

export function formatPanic(w: XmlWriter, p: PanicDef): void {
  // libvirt's virXMLFormatElement writes nothing for an element with no attributes and no
  // children, so a default-model panic without an address disappears from the output
  if (p.model === undefined && !p.address && p.alias === undefined) return;
  w.wrap('panic', { model: p.model }, () => formatInfo(w, p, false));
}

/** All of <devices>, in libvirt's device-class order. */
export function formatDevices(w: XmlWriter, def: DomainDef, f: FormatFlags): void {
  const d = def.devices;
  w.open('devices');
  w.text('emulator', d.emulator);
  for (const x of d.disks) formatDisk(w, x);
  for (const x of d.controllers) formatController(w, x);
  for (const x of d.interfaces) formatInterface(w, x, f);
  for (const x of d.serials) formatChr(w, x, f);
  for (const x of d.parallels) formatChr(w, x, f);
  for (let i = 0; i < d.consoles.length; i++) {
    const c = d.consoles[i]!;
    // on hvm guests a serial-type console is only an alias of the matching serial port
    const shown = def.os.type === 'hvm' && c.target.type === 'serial' && i < d.serials.length
      ? consoleAliasOf(d.serials[i]!) : c;
    formatChr(w, shown, f);
  }
  for (const x of d.channels) formatChr(w, x, f);
  for (const x of d.inputs) formatInput(w, x);
  for (const x of d.graphics) formatGraphics(w, x, f);
  for (const x of d.sounds) formatSound(w, x);
  for (const x of d.videos) formatVideo(w, x);
  for (const x of d.hostdevs) formatHostdev(w, x);
  for (const x of d.watchdogs) formatWatchdog(w, x);
  if (d.memballoon) formatMemballoon(w, d.memballoon);
  for (const x of d.rngs) formatRng(w, x, f);
  for (const x of d.panics) formatPanic(w, x);
  w.close();
}
