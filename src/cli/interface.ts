// Host interface commands: iface-list, iface-name, iface-mac, iface-dumpxml, iface-define,
// iface-undefine, iface-start, iface-destroy, iface-begin, iface-commit, iface-rollback,
// iface-bridge, iface-unbridge, iface-edit.
// libvirt counterpart: tools/virsh-interface.c.
import type { Connection } from '../api/connection.js';
import type { Interface } from '../api/interface.js';
import { InterfaceXMLFlags, ListAllInterfacesFlags as F } from '../api/constants.js';
import { parseXml, XmlWriter, type XmlElement } from '../conf/xml.js';
import { ErrorNumber, VirError } from '../util/error.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { printXml } from './format.js';
import { Table } from './table.js';
import { readXmlFile } from './domain_lifecycle.js';
import { editXml } from './editor.js';

const BYNAME = 1;
const BYMAC = 2;

/** virMacAddrParse's acceptance: six groups of one or two hex digits, then the end or a blank. */
export function looksLikeMac(s: string): boolean {
  return /^([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}(?:[\0- ]|$)/.test(s);
}

/**
 * virshCommandOptInterfaceBy: a string that parses as a MAC is looked up by MAC only, anything
 * else by name only, each when the command allows it; virsh's line, then the library's error.
 */
async function optIface(ctx: Ctx, o: CmdOpts, optName = 'interface', by = BYNAME | BYMAC): Promise<{ iface: Interface; given: string }> {
  const n = o.string(optName)!;
  const conn = await ctx.conn();
  const isMac = looksLikeMac(n);
  let err: unknown;
  try {
    if (!isMac && by & BYNAME) return { iface: await conn.lookupInterfaceByName(n), given: n };
    if (isMac && by & BYMAC) return { iface: await conn.lookupInterfaceByMACString(n), given: n };
  } catch (e) { err = e; }
  throw new CmdError(`failed to get interface '${n}'`, err);
}

const byName = (a: Interface, b: Interface) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const isNoSupport = (e: unknown) => e instanceof VirError && e.code === ErrorNumber.NO_SUPPORT;

/**
 * virshInterfaceListCollect: the list-all call, or, where the driver lacks it, the old
 * count-and-names calls, each failure with virsh's own line first.
 */
async function collect(conn: Connection, flags: number): Promise<Interface[]> {
  try {
    return await conn.listAllInterfaces(flags);
  } catch (e) {
    if (!isNoSupport(e)) throw new CmdError('Failed to list interfaces', e);
  }
  const want = flags & (F.ACTIVE | F.INACTIVE);
  const active = want === 0 || (want & F.ACTIVE) !== 0;
  const inactive = want === 0 || (want & F.INACTIVE) !== 0;
  const step = async <T>(msg: string, p: () => Promise<T>): Promise<T> => {
    try { return await p(); } catch (e) { throw new CmdError(msg, e); }
  };
  let nActive = 0;
  let nInactive = 0;
  if (active) nActive = await step('Failed to list active interfaces', () => conn.numOfInterfaces());
  if (inactive) nInactive = await step('Failed to list inactive interfaces', () => conn.numOfDefinedInterfaces());
  const names: string[] = [];
  if (nActive) names.push(...await step('Failed to list active interfaces', () => conn.listInterfaces(nActive)));
  if (nInactive) names.push(...await step('Failed to list inactive interfaces', () => conn.listDefinedInterfaces(nInactive)));
  const out: Interface[] = [];
  // an interface that went away meanwhile is skipped, as virsh does
  for (const n of names) { try { out.push(await conn.lookupInterfaceByName(n)); } catch { /* gone */ } }
  return out;
}

async function ifaceList(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let flags: number = F.ACTIVE;
  if (o.bool('inactive')) flags = F.INACTIVE;
  if (o.bool('all')) flags = F.INACTIVE | F.ACTIVE;
  const list = (await collect(await ctx.conn(), flags)).sort(byName);
  const t = new Table(['Name', 'State', 'MAC Address']);
  for (const i of list) {
    // a failed check counts as active, as virsh's truth test of -1 does
    const active = await i.isActive().catch(() => true);
    t.add(i.name, active ? 'active' : 'inactive', i.mac);
  }
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function ifaceName(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const { iface } = await optIface(ctx, o, 'interface', BYMAC);
  ctx.print(`${iface.name}\n`);
  return true;
}

async function ifaceMac(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const { iface } = await optIface(ctx, o, 'interface', BYNAME);
  ctx.print(`${iface.mac}\n`);
  return true;
}

async function ifaceDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const { iface } = await optIface(ctx, o);
  const xml = await iface.getXMLDesc(o.bool('inactive') ? InterfaceXMLFlags.INACTIVE : 0);
  return printXml(ctx, o, xml);
}

async function ifaceDefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const file = o.string('file')!;
  const xml = readXmlFile(file);
  const conn = await ctx.conn();
  let iface: Interface;
  try { iface = await conn.defineInterfaceXML(xml, o.bool('validate') ? 1 : 0); } catch (e) {
    throw new CmdError(`Failed to define interface from ${file}`, e);
  }
  ctx.printExtra(`Interface ${iface.name} defined from ${file}\n`);
  return true;
}

/**
 * iface-undefine/start/destroy: the name printed is the one the user gave (a name or a MAC).
 * virsh 9.0's iface-destroy exits with status 1 even when the interface went down: `ok` false.
 */
function simple(verb: string, done: string, run: (i: Interface) => Promise<void>, ok = true) {
  return async (ctx: Ctx, o: CmdOpts): Promise<boolean> => {
    const { iface, given } = await optIface(ctx, o);
    try { await run(iface); } catch (e) { throw new CmdError(`Failed to ${verb} interface ${given}`, e); }
    ctx.printExtra(`Interface ${given} ${done}\n`);
    return ok;
  };
}

function transaction(verb: string, done: string, run: (c: Connection) => Promise<void>) {
  return async (ctx: Ctx): Promise<boolean> => {
    const conn = await ctx.conn();
    try { await run(conn); } catch (e) { throw new CmdError(`Failed to ${verb} network config change transaction`, e); }
    ctx.printExtra(`Network config change transaction ${done}\n`);
    return true;
  };
}

// ---- iface-bridge / iface-unbridge: virsh rewrites the definition itself ----

const elementKids = (el: XmlElement) => el.children.filter((c): c is XmlElement => typeof c !== 'string');
/** the elements that belong to the enslaved device and move between the two levels */
const DEVICE_ELEMENTS = new Set(['mac', 'bond', 'vlan']);
const serialize = (el: XmlElement) => new XmlWriter().element(el).toString();

/**
 * cmdInterfaceBridge's rewrite: the top element becomes the bridge (type and name changed in
 * place), a <bridge stp delay> holds a new <interface> of the old type and name, and the
 * device's own <mac>, <bond> and <vlan> move down into it. Returns an error line or the XML.
 */
export function bridgeXml(xml: string, ifName: string, brName: string, stp: boolean, delay: number): { error: string } | { xml: string } {
  let top: XmlElement;
  try { top = parseXml(xml, '(interface definition)'); } catch { return { error: `Failed to parse configuration of ${ifName}` }; }
  const type = top.attrs['type'];
  if (type === undefined) return { error: `Existing device ${ifName} has no type` };
  if (type === 'bridge') return { error: `Existing device ${ifName} is already a bridge` };
  const name = top.attrs['name'];
  if (name !== ifName) return { error: `Interface name from config ${name ?? '(null)'} doesn't match given supplied name ${ifName}` };
  const inner: XmlElement = { name: 'interface', attrs: { type, name: ifName }, children: [] };
  const bridge: XmlElement = { name: 'bridge', attrs: stp ? { stp: 'on', delay: String(delay) } : { stp: 'off' }, children: [inner] };
  top.attrs['type'] = 'bridge';
  top.attrs['name'] = brName;
  const kept: XmlElement['children'] = [];
  for (const c of top.children) {
    if (typeof c !== 'string' && DEVICE_ELEMENTS.has(c.name)) inner.children.push(c); else kept.push(c);
  }
  top.children = [...kept, bridge];
  return { xml: serialize(top) };
}

/**
 * cmdInterfaceUnbridge's rewrite: the one interface attached to the bridge takes the top
 * element's type and name, <bridge> goes, and its <mac>, <bond> and <vlan> move up.
 */
export function unbridgeXml(xml: string, brName: string): { error: string } | { xml: string; ifName: string } {
  let top: XmlElement;
  try { top = parseXml(xml, '(bridge interface definition)'); } catch { return { error: `Failed to parse configuration of ${brName}` }; }
  const type = top.attrs['type'];
  if (type === undefined) return { error: `Existing device ${brName} has no type` };
  if (type !== 'bridge') return { error: `Device ${brName} is not a bridge` };
  const name = top.attrs['name'];
  if (name !== brName) return { error: `Interface name from config ${name ?? '(null)'} doesn't match given supplied name ${brName}` };
  const bridge = elementKids(top).find((c) => c.name === 'bridge');
  if (!bridge) return { error: 'No bridge node in xml document' };
  const attached = elementKids(bridge).filter((c) => c.name === 'interface');
  if (attached.length > 1) return { error: 'Multiple interfaces attached to bridge' };
  const inner = attached[0];
  if (!inner) return { error: 'No interface attached to bridge' };
  const ifName = inner.attrs['name'];
  if (ifName === undefined) return { error: `Device attached to bridge ${brName} has no name` };
  const ifType = inner.attrs['type'];
  if (ifType === undefined) return { error: `Attached device ${ifName} has no type` };
  top.attrs['type'] = ifType;
  top.attrs['name'] = ifName;
  top.children = top.children.filter((c) => c !== bridge);
  for (const c of elementKids(inner)) if (DEVICE_ELEMENTS.has(c.name)) top.children.push(c);
  return { xml: serialize(top), ifName };
}

async function ifaceBridge(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const { iface, given: ifName } = await optIface(ctx, o, 'interface', BYNAME);
  const brName = o.string('bridge')!;
  const conn = await ctx.conn();
  // the failed lookup stays libvirt's last error: virsh prints it after a later failure of its own
  let lingering: unknown;
  let exists = false;
  try { await conn.lookupInterfaceByName(brName); exists = true; } catch (e) { lingering = e; }
  if (exists) throw new CliError(`Network device ${brName} already exists`);
  const stp = !o.bool('no-stp');
  let delay: number;
  try { delay = o.uint('delay') ?? 0; } catch (e) { throw new CmdError((e as Error).message, lingering); }
  const nostart = o.bool('no-start');
  const xml = await iface.getXMLDesc(InterfaceXMLFlags.INACTIVE);
  const r = bridgeXml(xml, ifName, brName, stp, delay);
  if ('error' in r) throw new CliError(r.error);
  let br: Interface;
  try { br = await conn.defineInterfaceXML(r.xml, 0); } catch (e) { throw new CmdError(`Failed to define new bridge interface ${brName}`, e); }
  ctx.printExtra(`Created bridge ${brName} with attached device ${ifName}\n`);
  if (!nostart) {
    try { await br.create(); } catch (e) { throw new CmdError(`Failed to start bridge interface ${brName}`, e); }
    ctx.printExtra(`Bridge interface ${brName} started\n`);
  }
  return true;
}

async function ifaceUnbridge(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const { iface: br, given: brName } = await optIface(ctx, o, 'bridge', BYNAME);
  const nostart = o.bool('no-start');
  const xml = await br.getXMLDesc(InterfaceXMLFlags.INACTIVE);
  const r = unbridgeXml(xml, brName);
  if ('error' in r) throw new CliError(r.error);
  try { await br.destroy(); } catch (e) { throw new CmdError(`Failed to destroy bridge interface ${brName}`, e); }
  try { await br.undefine(); } catch (e) { throw new CmdError(`Failed to undefine bridge interface ${brName}`, e); }
  const conn = await ctx.conn();
  let iface: Interface;
  try { iface = await conn.defineInterfaceXML(r.xml, 0); } catch (e) { throw new CmdError(`Failed to define new interface ${r.ifName}`, e); }
  ctx.printExtra(`Device ${r.ifName} un-attached from bridge ${brName}\n`);
  if (!nostart) {
    try { await iface.create(); } catch (e) { throw new CmdError(`Failed to start interface ${r.ifName}`, e); }
    ctx.printExtra(`Interface ${r.ifName} started\n`);
  }
  return true;
}

async function ifaceEdit(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const { iface } = await optIface(ctx, o);
  const conn = await ctx.conn();
  // virsh edits the inactive definition, with no fallback where the driver refuses the flag
  const r = await editXml(ctx, {
    getXml: () => iface.getXMLDesc(InterfaceXMLFlags.INACTIVE),
    define: (doc) => conn.defineInterfaceXML(doc, 0),
  });
  if (r.kind === 'abandoned') return false;
  if (r.kind === 'unchanged') ctx.printExtra(`Interface ${iface.name} XML configuration not changed.\n`);
  else ctx.printExtra(`Interface ${r.value.name} XML configuration edited.\n`);
  return true;
}

export const handlers: HandlerTable = {
  'iface-list': ifaceList, 'iface-name': ifaceName, 'iface-mac': ifaceMac, 'iface-dumpxml': ifaceDumpxml,
  'iface-define': ifaceDefine,
  'iface-undefine': simple('undefine', 'undefined', (i) => i.undefine()),
  'iface-start': simple('start', 'started', (i) => i.create()),
  'iface-destroy': simple('destroy', 'destroyed', (i) => i.destroy(), false),
  'iface-begin': transaction('begin', 'started', (c) => c.interfaceChangeBegin()),
  'iface-commit': transaction('commit', 'committed', (c) => c.interfaceChangeCommit()),
  'iface-rollback': transaction('rollback', 'rolled back', (c) => c.interfaceChangeRollback()),
  'iface-bridge': ifaceBridge, 'iface-unbridge': ifaceUnbridge, 'iface-edit': ifaceEdit,
};
