// attach-disk, detach-disk, attach-interface, detach-interface: device XML built from options
// (or picked out of the domain's XML), then the device attach/detach calls.
// libvirt counterpart: cmdAttachDisk, cmdDetachDisk, cmdAttachInterface, cmdDetachInterface in
// tools/virsh-domain.c. The builders are pure so their output is unit-tested against virsh's.
import { statSync } from 'node:fs';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { exclusive } from './format.js';
import { optDomain } from './lookup.js';
import type { Domain } from '../api/domain.js';

/** XML attribute value escaping (virBufferEscapeString) */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

export interface DiskOptions {
  source: string; target: string;
  targetbus?: string; driver?: string; subdriver?: string; iothread?: string; cache?: string; io?: string;
  type?: string; mode?: string; sourcetype?: string; serial?: string; wwn?: string; alias?: string;
  rawio?: boolean; address?: string;
  sourceProtocol?: string; sourceHostName?: string; sourceHostTransport?: string; sourceHostSocket?: string;
  /** whether `source` names a block device (virsh stats it when --sourcetype is absent) */
  isBlock?: (path: string) => boolean;
}

/** `--address`: pci:D.B.S.F, ccw:C.S.D, scsi/ide/sata:controller.bus.unit (virshAddressParse) */
function diskAddress(addr: string, target: string): string {
  const i = addr.indexOf(':');
  if (i < 0) throw new CliError('Invalid address.');
  const kind = addr.slice(0, i);
  const parts = addr.slice(i + 1).split('.');
  const num = (s: string | undefined, base: number) => {
    if (s === undefined || !/^[0-9a-fA-F]+$/.test(s)) throw new CliError('Invalid address.');
    return parseInt(s, base);
  };
  const hex = (n: number, w: number) => `0x${n.toString(16).padStart(w, '0')}`;
  let xml: string;
  let bus: 'pci' | 'ccw' | 'drive';
  if (kind === 'pci' && parts.length === 4) {
    const [d, b, s, f] = parts.map((p) => num(p, 16)) as [number, number, number, number];
    xml = `<address type='pci' domain='${hex(d, 4)}' bus='${hex(b, 2)}' slot='${hex(s, 2)}' function='${hex(f, 1)}'/>`;
    bus = 'pci';
  } else if (kind === 'ccw' && parts.length === 3) {
    const [c, s, d] = parts.map((p) => num(p, 16)) as [number, number, number];
    xml = `<address type='ccw' cssid='${hex(c, 2)}' ssid='${hex(s, 1)}' devno='${hex(d, 4)}'/>`;
    bus = 'ccw';
  } else if ((kind === 'scsi' || kind === 'ide' || kind === 'sata') && parts.length === 3) {
    const [c, b, u] = parts.map((p) => num(p, 10)) as [number, number, number];
    xml = `<address type='drive' controller='${c}' bus='${b}' unit='${u}'/>`;
    bus = 'drive';
  } else if (kind === 'usb' && parts.length === 2) {
    const [b, p] = parts.map((x) => num(x, 10)) as [number, number];
    xml = `<address type='usb' bus='${b}' port='${p}'/>`;
    return xml;
  } else {
    throw new CliError('Invalid address.');
  }
  // virsh checks the address kind against the target's prefix
  if (target.startsWith('vd') && bus === 'drive') throw new CliError('expecting a pci:0000.00.00.00 or ccw:00.0.0000 address.');
  if ((target.startsWith('sd') || target.startsWith('hd')) && bus !== 'drive') {
    throw new CliError(target.startsWith('sd') ? 'expecting a scsi:00.00.00 or usb:00.00 or sata:00.00.00 address.' : 'expecting an ide:00.00.00 address.');
  }
  return xml;
}

/** virValidateWWN: 16 hex digits, optionally 0x-prefixed */
function validWWN(w: string): boolean { return /^(0x)?[0-9a-fA-F]{16}$/.test(w); }

/** The <disk> element virsh's attach-disk builds, with a trailing newline as --print-xml shows it. */
export function buildDiskXml(o: DiskOptions): string {
  let kind: 'file' | 'block' | 'network';
  if (o.sourcetype === undefined) {
    if (o.driver === 'file' || o.driver === 'tap') kind = 'file';
    else kind = o.isBlock?.(o.source) ? 'block' : 'file';
  } else if (o.sourcetype === 'file' || o.sourcetype === 'block' || o.sourcetype === 'network') {
    kind = o.sourcetype;
  } else {
    throw new CliError(`Unknown source type: '${o.sourcetype}'`);
  }
  if (o.mode !== undefined && o.mode !== 'readonly' && o.mode !== 'shareable') {
    throw new CliError(`No support for ${o.mode} in command 'attach-disk'`);
  }
  if (o.wwn !== undefined && !validWWN(o.wwn)) throw new CliError(`internal error: Malformed wwn: ${o.wwn}`);
  const address = o.address === undefined ? undefined : diskAddress(o.address, o.target);
  const lines: string[] = [];
  let head = `<disk type='${kind}'`;
  if (o.type !== undefined) head += ` device='${esc(o.type)}'`;
  if (o.rawio) head += " rawio='yes'";
  lines.push(head + '>');
  if (o.driver || o.subdriver || o.iothread || o.cache || o.io) {
    let d = '  <driver';
    if (o.driver) d += ` name='${esc(o.driver)}'`;
    if (o.subdriver) d += ` type='${esc(o.subdriver)}'`;
    if (o.iothread) d += ` iothread='${esc(o.iothread)}'`;
    if (o.cache) d += ` cache='${esc(o.cache)}'`;
    if (o.io) d += ` io='${esc(o.io)}'`;
    lines.push(d + '/>');
  }
  if (kind === 'network') {
    const proto = o.sourceProtocol ? ` protocol='${esc(o.sourceProtocol)}'` : '';
    const host = o.sourceHostName ?? o.sourceHostSocket;
    if (host !== undefined || o.sourceHostTransport !== undefined) {
      lines.push(`  <source${proto} name='${esc(o.source)}'>`);
      let h = '    <host';
      if (o.sourceHostName !== undefined) {
        const c = o.sourceHostName.lastIndexOf(':');
        if (c >= 0) h += ` name='${esc(o.sourceHostName.slice(0, c))}' port='${esc(o.sourceHostName.slice(c + 1))}'`;
        else h += ` name='${esc(o.sourceHostName)}'`;
      }
      if (o.sourceHostTransport !== undefined) h += ` transport='${esc(o.sourceHostTransport)}'`;
      if (o.sourceHostSocket !== undefined) h += ` socket='${esc(o.sourceHostSocket)}'`;
      lines.push(h + '/>', '  </source>');
    } else {
      lines.push(`  <source${proto} name='${esc(o.source)}'/>`);
    }
  } else {
    lines.push(`  <source ${kind === 'file' ? 'file' : 'dev'}='${esc(o.source)}'/>`);
  }
  lines.push(`  <target dev='${esc(o.target)}'${o.targetbus ? ` bus='${esc(o.targetbus)}'` : ''}/>`);
  if (o.mode) lines.push(`  <${o.mode}/>`);
  if (o.serial) lines.push(`  <serial>${esc(o.serial)}</serial>`);
  if (o.alias) lines.push(`  <alias name='${esc(o.alias)}'/>`);
  if (o.wwn) lines.push(`  <wwn>${esc(o.wwn)}</wwn>`);
  if (address) lines.push(`  ${address}`);
  lines.push('</disk>');
  return lines.join('\n') + '\n';
}

export interface InterfaceOptions {
  type: string; source?: string; target?: string; mac?: string; script?: string; model?: string; alias?: string;
  inbound?: string; outbound?: string; managed?: boolean; sourceMode?: string;
}

/** --inbound/--outbound: average[,peak[,burst[,floor]]] (virshParseRateStr) */
function rate(dir: 'inbound' | 'outbound', s: string): string {
  const names = ['average', 'peak', 'burst', 'floor'];
  const parts = s.split(',');
  if (parts.length > (dir === 'inbound' ? 4 : 3)) throw new CliError(`too many values for ${dir}`);
  let out = `    <${dir}`;
  parts.forEach((p, i) => {
    if (p === '' && i > 0) return;
    if (!/^\d+$/.test(p)) throw new CliError(`field '${names[i]}' is malformed`);
    out += ` ${names[i]}='${Number(p)}'`;
  });
  return out + '/>';
}

/** The <interface> element virsh's attach-interface builds. */
export function buildInterfaceXml(o: InterfaceOptions): string {
  const known = ['network', 'bridge', 'direct', 'hostdev', 'vhostuser'];
  if (!known.includes(o.type)) throw new CliError(`No support for ${o.type} in command 'attach-interface'`);
  if (o.sourceMode !== undefined && o.sourceMode !== 'server' && o.sourceMode !== 'client') {
    throw new CliError(`Invalid source mode: ${o.sourceMode}`);
  }
  const src = o.source ?? '';
  const lines: string[] = [`<interface type='${o.type}'${o.managed ? " managed='yes'" : ''}>`];
  switch (o.type) {
    case 'network': lines.push(`  <source network='${esc(src)}'/>`); break;
    case 'bridge': lines.push(`  <source bridge='${esc(src)}'/>`); break;
    case 'direct': lines.push(`  <source dev='${esc(src)}'/>`); break;
    case 'hostdev': {
      const m = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(src);
      if (!m) throw new CliError(`cannot parse pci address '${src}' for network interface`);
      const h = (s: string | undefined, w: number) => `0x${(s ?? '0').toLowerCase().padStart(w, '0')}`;
      lines.push('  <source>', `    <address type='pci' domain='${h(m[1], 4)}' bus='${h(m[2], 2)}' slot='${h(m[3], 2)}' function='0x${m[4]}'/>`, '  </source>');
      break;
    }
    case 'vhostuser':
      if (o.sourceMode === undefined) throw new CliError('source-mode is mandatory');
      lines.push(`  <source type='unix' path='${esc(src)}' mode='${o.sourceMode}'/>`);
      break;
  }
  if (o.target !== undefined) lines.push(`  <target dev='${esc(o.target)}'/>`);
  if (o.mac !== undefined) lines.push(`  <mac address='${esc(o.mac)}'/>`);
  if (o.script !== undefined) lines.push(`  <script path='${esc(o.script)}'/>`);
  if (o.model !== undefined) lines.push(`  <model type='${esc(o.model)}'/>`);
  if (o.alias !== undefined) lines.push(`  <alias name='${esc(o.alias)}'/>`);
  if (o.inbound !== undefined || o.outbound !== undefined) {
    lines.push('  <bandwidth>');
    if (o.inbound !== undefined) lines.push(rate('inbound', o.inbound));
    if (o.outbound !== undefined) lines.push(rate('outbound', o.outbound));
    lines.push('  </bandwidth>');
  }
  lines.push('</interface>');
  return lines.join('\n') + '\n';
}

/**
 * The elements named `tag` under the domain's <devices>, as virsh re-serializes them with libxml2
 * before detaching: the text as dumped, attributes in double quotes.
 */
export function deviceElements(domainXml: string, tag: 'disk' | 'interface'): { text: string; attrs: Record<string, string>; body: string }[] {
  const out: { text: string; attrs: Record<string, string>; body: string }[] = [];
  const re = new RegExp(`<${tag}(\\s[^>]*?)?(/>|>([\\s\\S]*?)</${tag}>)`, 'g');
  for (const m of domainXml.matchAll(re)) {
    const attrs: Record<string, string> = {};
    for (const a of (m[1] ?? '').matchAll(/([\w:-]+)=(?:'([^']*)'|"([^"]*)")/g)) attrs[a[1]!] = a[2] ?? a[3]!;
    const text = m[0].replace(/([\w:-]+)='([^']*)'/g, (_s, n: string, v: string) => `${n}="${v.replace(/"/g, '&quot;')}"`);
    out.push({ text, attrs, body: m[3] ?? '' });
  }
  return out;
}

const attrIn = (body: string, el: string, attr: string): string | undefined =>
  new RegExp(`<${el}\\s[^>]*?\\b${attr}=(?:'([^']*)'|"([^"]*)")`).exec(body)?.slice(1).find((x) => x !== undefined);

/** virshFindDisk: by target dev or by source file/dev/dir/name. */
export function findDisk(domainXml: string, path: string): string {
  const disks = deviceElements(domainXml, 'disk');
  // virsh's XPath query for disks fails outright on a domain that has none
  if (disks.length === 0) throw new CliError('Failed to get disk information');
  for (const d of disks) {
    if (attrIn(d.body, 'target', 'dev') === path) return d.text;
    for (const a of ['file', 'dev', 'dir', 'name']) if (attrIn(d.body, 'source', a) === path) return d.text;
  }
  throw new CliError(`No disk found whose source path or target is ${path}`);
}

/** virshDomainDetachInterface's choice: by type, then by MAC when given. */
export function findInterface(domainXml: string, type: string, mac?: string): string {
  const byType = deviceElements(domainXml, 'interface').filter((i) => i.attrs['type'] === type);
  if (byType.length === 0) throw new CliError(`No interface found whose type is ${type}`);
  if (mac === undefined) {
    if (byType.length > 1) throw new CliError(`Domain has ${byType.length} interfaces. Please specify which one to detach using --mac`);
    return byType[0]!.text;
  }
  const hit = byType.filter((i) => attrIn(i.body, 'mac', 'address')?.toLowerCase() === mac.toLowerCase());
  if (hit.length === 0) throw new CliError(`No interface with MAC address ${mac} was found`);
  if (hit.length > 1) throw new CliError(`Domain has multiple interfaces matching MAC address ${mac}. You must use detach-device and specify the device pci address to remove it.`);
  return hit[0]!.text;
}

/** --config/--live/--current/--persistent → VIR_DOMAIN_AFFECT_* flags, virsh's checks included. */
function affect(o: CmdOpts): { flags: number; current: boolean; persistent: boolean } {
  exclusive(o, 'persistent', 'current');
  exclusive(o, 'current', 'live');
  exclusive(o, 'current', 'config');
  let flags = 0;
  if (o.bool('config')) flags |= 2;
  if (o.bool('live')) flags |= 1;
  const persistent = o.bool('persistent');
  if (persistent) flags |= 2;
  return { flags, current: o.bool('current'), persistent };
}

async function applyDevice(d: Domain, verb: 'attach' | 'detach', xml: string, a: { flags: number; current: boolean; persistent: boolean }): Promise<void> {
  let flags = a.flags;
  if (a.persistent && await d.isActive()) flags |= 1;
  const fn = verb === 'attach' ? d.attachDevice.bind(d) : d.detachDevice.bind(d);
  // virsh calls the *Flags variant whenever any of the four options was given; with --current
  // alone that is flags 0, which the public API maps to the flag-less call (same effect)
  await fn(xml, flags);
}

const isBlockDevice = (p: string): boolean => { try { return statSync(p).isBlockDevice(); } catch { return false; } };

async function attachDisk(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const a = affect(o);
  const xml = buildDiskXml({
    source: o.string('source')!, target: o.string('target')!, targetbus: o.string('targetbus'), driver: o.string('driver'),
    subdriver: o.string('subdriver'), iothread: o.string('iothread'), cache: o.string('cache'), io: o.string('io'),
    type: o.string('type'), mode: o.string('mode'), sourcetype: o.string('sourcetype'), serial: o.string('serial'),
    wwn: o.string('wwn'), alias: o.string('alias'), rawio: o.bool('rawio'), address: o.string('address'),
    sourceProtocol: o.string('source-protocol'), sourceHostName: o.string('source-host-name'),
    sourceHostTransport: o.string('source-host-transport'), sourceHostSocket: o.string('source-host-socket'),
    isBlock: isBlockDevice,
  });
  if (o.bool('print-xml')) { ctx.print(xml); return true; }
  const d = await optDomain(ctx, o);
  try { await applyDevice(d, 'attach', xml, a); } catch (e) { throw new CmdError('Failed to attach disk', e); }
  ctx.printExtra('Disk attached successfully\n');
  return true;
}

async function attachInterface(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const a = affect(o);
  const type = o.string('type')!;
  const source = o.string('source');
  if (source === undefined) throw new CliError("command 'attach-interface' requires <source> option");
  const xml = buildInterfaceXml({
    type, source, target: o.string('target'), mac: o.string('mac'), script: o.string('script'), model: o.string('model'),
    alias: o.string('alias'), inbound: o.string('inbound'), outbound: o.string('outbound'), managed: o.bool('managed'),
    sourceMode: o.string('source-mode'),
  });
  if (o.bool('print-xml')) { ctx.print(xml); return true; }
  const d = await optDomain(ctx, o);
  try { await applyDevice(d, 'attach', xml, a); } catch (e) { throw new CmdError('Failed to attach interface', e); }
  ctx.printExtra('Interface attached successfully\n');
  return true;
}

/** The XML detach-* pick from: the persistent definition when only --config was asked for. */
async function currentXml(d: Domain, flags: number): Promise<string> {
  return d.getXMLDesc(flags === 2 ? 2 : 0);
}

async function detachDisk(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const a = affect(o);
  const d = await optDomain(ctx, o);
  const xml = findDisk(await currentXml(d, a.flags), o.string('target')!);
  if (o.bool('print-xml')) { ctx.print(xml); return true; }
  try { await applyDevice(d, 'detach', xml, a); } catch (e) { throw new CmdError('Failed to detach disk', e); }
  ctx.printExtra('Disk detached successfully\n');
  return true;
}

async function detachInterface(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const a = affect(o);
  const d = await optDomain(ctx, o);
  const xml = findInterface(await currentXml(d, a.flags), o.string('type')!, o.string('mac'));
  if (o.bool('print-xml')) { ctx.print(xml); return true; }
  try { await applyDevice(d, 'detach', xml, a); } catch (e) { throw new CmdError('Failed to detach interface', e); }
  ctx.printExtra('Interface detached successfully\n');
  return true;
}

export const handlers: HandlerTable = {
  'attach-disk': attachDisk, 'detach-disk': detachDisk, 'attach-interface': attachInterface, 'detach-interface': detachInterface,
};
