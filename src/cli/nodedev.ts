// Node device commands: nodedev-list (plain, --tree, --cap, --inactive, --all), nodedev-dumpxml,
// nodedev-info, nodedev-create, nodedev-destroy, nodedev-define, nodedev-undefine,
// nodedev-start, nodedev-autostart, nodedev-event, nodedev-detach, nodedev-reattach,
// nodedev-reset, with virsh 9.0's option checks, lines and exit statuses.
// libvirt counterpart: tools/virsh-nodedev.c.
import { splitCommas } from './generic.js';
import { eventOptions, followEvents } from './event.js';
import type { Connection } from '../api/connection.js';
import type { NodeDevice } from '../api/node_device.js';
import { ListAllNodeDevicesFlags as F, NodeDeviceCreateXMLFlags, NodeDeviceEventID } from '../api/constants.js';
import { CAP_TYPES } from '../conf/node_device.js';
import { ErrorNumber, VirError } from '../util/error.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { printXml } from './format.js';
import { readXmlFile } from './domain_lifecycle.js';

const isNoSupport = (e: unknown) => e instanceof VirError && e.code === ErrorNumber.NO_SUPPORT;

/** virValidateWWN: 16 hex digits, after an optional "0x". */
function validWWN(w: string): boolean {
  return /^(0x)?[0-9a-fA-F]{16}$/.test(w);
}

/**
 * vshFindNodeDevice: "wwnn,wwpn" is looked up as a SCSI host by its WWNs, anything else by
 * name; a failed lookup is virsh's line, then the library's error.
 */
async function findDevice(ctx: Ctx, value: string): Promise<NodeDevice> {
  const conn = await ctx.conn();
  let err: unknown;
  try {
    if (value.includes(',')) {
      const arr = splitCommas(value);
      if (arr.length !== 2) throw new CliError(`Malformed device value '${value}'`);
      for (const w of arr) if (!validWWN(w)) throw new CliError(`internal error: Malformed wwn: ${w}`);
      return await conn.lookupSCSIHostByWWN(arr[0]!, arr[1]!, 0);
    }
    return await conn.lookupNodeDeviceByName(value);
  } catch (e) {
    if (e instanceof CliError) throw e;
    err = e;
  }
  throw new CmdError(`Could not find matching device '${value}'`, err);
}

/** The commands that take a plain name (detach, reattach, reset, start, event). */
async function byName(ctx: Ctx, name: string): Promise<NodeDevice> {
  const conn = await ctx.conn();
  try { return await conn.lookupNodeDeviceByName(name); } catch (e) {
    throw new CmdError(`Could not find matching device '${name}'`, e);
  }
}

/** vshStrcasecmp order */
const byNameCase = (a: NodeDevice, b: NodeDevice) => {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * virshNodeDeviceListCollect: the list-all call, or, where the driver lacks it, the count and
 * names calls with the capability filter applied here; each failure with virsh's own line.
 */
async function collect(conn: Connection, caps: string[] | null, flags: number): Promise<NodeDevice[]> {
  try {
    return (await conn.listAllDevices(flags)).sort(byNameCase);
  } catch (e) {
    if (!isNoSupport(e)) throw new CmdError('Failed to list node devices', e);
  }
  let n: number;
  try { n = await conn.numOfDevices(null, 0); } catch (e) { throw new CmdError('Failed to count node devices', e); }
  if (n === 0) return [];
  let names: string[];
  try { names = await conn.listDevices(null, n, 0); } catch (e) { throw new CmdError('Failed to list node devices', e); }
  let devs: NodeDevice[] = [];
  // a device that went away meanwhile is skipped, as virsh does
  for (const name of names) { try { devs.push(await conn.lookupNodeDeviceByName(name)); } catch { /* gone */ } }
  if (caps) {
    const kept: NodeDevice[] = [];
    for (const d of devs) {
      let own: string[];
      try { await d.numOfCaps(); } catch (e) { throw new CmdError('Failed to get capability numbers of the device', e); }
      try { own = await d.listCaps(); } catch (e) { throw new CmdError('Failed to get capability names of the device', e); }
      if (own.some((c) => caps.includes(c))) kept.push(d);
    }
    devs = kept;
  }
  return devs.sort(byNameCase);
}

/** vshTreePrint: each root, its children below it joined by '|' and '+- ' lines. */
export function formatTree(names: string[], parents: (string | null)[]): string {
  let out = '';
  const walk = (i: number, last: number, root: boolean, indent: string) => {
    const dev = names[i]!;
    out += `${indent}${root ? '' : '+- '}${dev}\n`;
    if (!root) indent += (i === last ? ' ' : '|') + ' ';
    let nextLast = -1;
    parents.forEach((p, k) => { if (p === dev) nextLast = k; });
    if (nextLast !== -1) out += `${indent}  |\n`;
    parents.forEach((p, k) => { if (p === dev) walk(k, nextLast, false, indent + '  '); });
    if (nextLast === -1 && i === last) out += `${indent}\n`;
  };
  names.forEach((_, i) => { if (parents[i] === null) walk(i, i, true, ''); });
  return out;
}

async function nodedevList(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const tree = o.bool('tree');
  const capStr = o.string('cap');
  const caps = capStr !== undefined ? splitCommas(capStr) : null;
  const inactive = o.bool('inactive');
  const all = o.bool('all');
  if (all && inactive) throw new CliError('Option --all is incompatible with --inactive');
  if (tree && (capStr !== undefined || inactive)) throw new CliError('Option --tree is incompatible with --cap and --inactive');
  let flags = 0;
  for (const c of caps ?? []) {
    const i = (CAP_TYPES as readonly string[]).indexOf(c);
    if (i < 0) throw new CliError('Invalid capability type');
    flags |= 1 << i;
  }
  if (inactive || all) flags |= F.INACTIVE;
  // the ACTIVE bit is bit 31: keep the flags an unsigned 32-bit number
  if (!inactive) flags = (flags | F.ACTIVE) >>> 0;
  flags >>>= 0;
  const conn = await ctx.conn();
  const devs = await collect(conn, caps, flags);
  if (tree) {
    const names = devs.map((d) => d.name);
    const parents: (string | null)[] = [];
    for (const d of devs) parents.push(d.name === 'computer' ? null : await d.getParent().catch(() => null));
    ctx.print(formatTree(names, parents));
  } else {
    ctx.print(devs.map((d) => `${d.name}\n`).join(''));
  }
  return true;
}

async function nodedevDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const dev = await findDevice(ctx, o.string('device')!);
  const xml = await dev.getXMLDesc(0);
  return printXml(ctx, o, xml);
}

async function nodedevInfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const dev = await findDevice(ctx, o.string('device')!);
  // virsh prints what it gets: a failed parent lookup is an empty field, a failed check
  // (-1) reads as "yes", a failed autostart query as "no autostart"
  const parent = await dev.getParent().catch(() => null);
  const active = await dev.isActive().catch(() => true);
  const persistent = await dev.isPersistent().catch(() => true);
  const autostart = await dev.getAutostart().then((a) => (a ? 'yes' : 'no'), () => 'no autostart');
  const line = (k: string, v: string) => `${k.padEnd(15)} ${v}\n`;
  ctx.print(line('Name:', dev.name) + line('Parent:', parent ?? '') + line('Active:', active ? 'yes' : 'no')
    + line('Persistent:', persistent ? 'yes' : 'no') + line('Autostart:', autostart));
  return true;
}

async function nodedevCreate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const file = o.string('file')!;
  const xml = readXmlFile(file);
  const conn = await ctx.conn();
  let dev: NodeDevice;
  try { dev = await conn.createNodeDeviceXML(xml, o.bool('validate') ? NodeDeviceCreateXMLFlags.VALIDATE : 0); } catch (e) {
    throw new CmdError(`Failed to create node device from ${file}`, e);
  }
  ctx.printExtra(`Node device ${dev.name} created from ${file}\n`);
  return true;
}

async function nodedevDefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const file = o.string('file')!;
  const xml = readXmlFile(file);
  const conn = await ctx.conn();
  let dev: NodeDevice;
  try { dev = await conn.defineNodeDeviceXML(xml, o.bool('validate') ? 1 : 0); } catch (e) {
    throw new CmdError(`Failed to define node device from '${file}'`, e);
  }
  ctx.printExtra(`Node device '${dev.name}' defined from '${file}'\n`);
  return true;
}

async function nodedevDestroy(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const value = o.string('device')!;
  const dev = await findDevice(ctx, value);
  try { await dev.destroy(); } catch (e) { throw new CmdError(`Failed to destroy node device '${value}'`, e); }
  ctx.printExtra(`Destroyed node device '${value}'\n`);
  return true;
}

async function nodedevUndefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const value = o.string('device')!;
  const dev = await findDevice(ctx, value);
  try { await dev.undefine(0); } catch (e) { throw new CmdError(`Failed to undefine node device '${value}'`, e); }
  ctx.printExtra(`Undefined node device '${value}'\n`);
  return true;
}

async function nodedevAutostart(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const name = o.string('device')!;
  const dev = await findDevice(ctx, name);
  const on = !o.bool('disable');
  try { await dev.setAutostart(on); } catch (e) {
    throw new CmdError(on ? `failed to mark device ${name} as autostarted` : `failed to unmark device ${name} as autostarted`, e);
  }
  ctx.printExtra(on ? `Device ${name} marked as autostarted\n` : `Device ${name} unmarked as autostarted\n`);
  return true;
}

/** nodedev-start/detach/reattach/reset: a plain name, one call, virsh's two lines. */
function simple(fail: string, done: string, run: (d: NodeDevice, o: CmdOpts) => Promise<void>) {
  return async (ctx: Ctx, o: CmdOpts): Promise<boolean> => {
    const name = o.string('device')!;
    const dev = await byName(ctx, name);
    try { await run(dev, o); } catch (e) { throw new CmdError(`${fail} ${name}`, e); }
    ctx.printExtra(`Device ${name} ${done}\n`);
    return true;
  };
}

const EVENT_NAMES = ['lifecycle', 'update'];
const LIFECYCLE_NAMES = ['Created', 'Deleted', 'Defined', 'Undefined'];

async function nodedevEvent(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const ev = eventOptions(ctx, o, EVENT_NAMES);
  if (!ev) return true;
  const { eventID, name } = ev;
  const devName = o.string('device');
  const dev = devName !== undefined ? await byName(ctx, devName) : null;
  const conn = await ctx.conn();
  return followEvents(ctx, ev,
    (emit) => conn.nodeDeviceEventRegisterAny(dev, eventID, (d, p) => emit(eventID === NodeDeviceEventID.LIFECYCLE
      ? `event 'lifecycle' for node device ${d.name}: ${LIFECYCLE_NAMES[p.event ?? -1] ?? 'unknown'}`
      : `event '${name}' for node device ${d.name}`)),
    (id) => conn.nodeDeviceEventDeregisterAny(id));
}

export const handlers: HandlerTable = {
  'nodedev-list': nodedevList, 'nodedev-dumpxml': nodedevDumpxml, 'nodedev-info': nodedevInfo,
  'nodedev-create': nodedevCreate, 'nodedev-destroy': nodedevDestroy, 'nodedev-define': nodedevDefine,
  'nodedev-undefine': nodedevUndefine, 'nodedev-autostart': nodedevAutostart, 'nodedev-event': nodedevEvent,
  'nodedev-start': simple('Failed to start device', 'started', (d) => d.create(0)),
  'nodedev-detach': simple('Failed to detach device', 'detached', (d, o) => d.detach(o.string('driver') ?? null)),
  'nodedev-reattach': simple('Failed to re-attach device', 're-attached', (d) => d.reAttach()),
  'nodedev-reset': simple('Failed to reset device', 'reset', (d) => d.reset()),
};
