// Network commands: net-list, net-info, net-dumpxml, net-define, net-create, net-start,
// net-destroy, net-undefine, net-autostart, net-uuid, net-name, net-update, net-dhcp-leases.
// libvirt counterpart: tools/virsh-network.c.
import type { Network } from '../api/network.js';
import { ListAllNetworksFlags as F } from '../api/constants.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { exclusive, infoLine, json, printXml, setAutostartCmd } from './format.js';
import { Table } from './table.js';
import { objectFromFile, readXmlFile } from './domain_lifecycle.js';
import { BYNAME, BYUUID, optNetwork } from './lookup.js';

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

async function netList(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const optName = o.bool('name');
  const optUUID = o.bool('uuid');
  const optTable = o.bool('table');
  if (Number(optName) + Number(optUUID) + Number(optTable) > 1) throw new CliError('Only one argument from --table, --name and --uuid may be specified.');
  let flags: number = F.ACTIVE;
  if (o.bool('inactive')) flags = F.INACTIVE;
  if (o.bool('all')) flags = F.ACTIVE | F.INACTIVE;
  if (o.bool('persistent')) flags |= F.PERSISTENT;
  if (o.bool('transient')) flags |= F.TRANSIENT;
  if (o.bool('autostart')) flags |= F.AUTOSTART;
  if (o.bool('no-autostart')) flags |= F.NO_AUTOSTART;
  const conn = await ctx.conn();
  let nets: Network[];
  try { nets = (await conn.listAllNetworks(flags)).sort(byName); } catch (e) { throw new CmdError('Failed to list networks', e); }
  const rows = [];
  for (const n of nets) {
    rows.push({
      name: n.name, uuid: n.uuid, active: await n.isActive(),
      autostart: await n.getAutostart().then((a) => (a ? 'yes' : 'no'), () => 'no autostart'),
      persistent: await n.isPersistent(),
    });
  }
  if (json(ctx, o, rows)) return true;
  if (optTable || (!optName && !optUUID)) {
    const t = new Table(['Name', 'State', 'Autostart', 'Persistent']);
    for (const r of rows) t.add(r.name, r.active ? 'active' : 'inactive', r.autostart, r.persistent ? 'yes' : 'no');
    ctx.print(t.format(ctx.session.quiet));
    return true;
  }
  ctx.print(rows.map((r) => (optUUID ? `${r.uuid}\n` : `${r.name}\n`)).join(''));
  return true;
}

async function netInfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = await optNetwork(ctx, o);
  const active = await n.isActive().then((a) => (a ? 'yes' : 'no'), () => undefined);
  const persistent = await n.isPersistent().then((a) => (a ? 'yes' : 'no'), () => 'unknown');
  const autostart = await n.getAutostart().then((a) => (a ? 'yes' : 'no'), () => 'no autostart');
  const bridge = await n.getBridgeName().catch(() => undefined);
  if (json(ctx, o, { name: n.name, uuid: n.uuid, active: active === 'yes', persistent: persistent === 'yes', autostart: autostart === 'yes', bridge: bridge ?? null })) return true;
  let s = infoLine('Name:', n.name) + infoLine('UUID:', n.uuid);
  if (active !== undefined) s += infoLine('Active:', active);
  s += infoLine('Persistent:', persistent) + infoLine('Autostart:', autostart);
  if (bridge !== undefined) s += infoLine('Bridge:', bridge);
  ctx.print(s);
  return true;
}

async function netDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = await optNetwork(ctx, o);
  const xml = await n.getXMLDesc(o.bool('inactive') ? 1 : 0);
  return printXml(ctx, o, xml);
}

function netDefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  return objectFromFile(ctx, o, 'Network', 'define', (conn, xml) => conn.defineNetworkXML(xml, o.bool('validate') ? 1 : 0));
}

function netCreate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  return objectFromFile(ctx, o, 'Network', 'create', (conn, xml) => conn.createNetworkXML(xml, o.bool('validate') ? 1 : 0));
}

async function netStart(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = await optNetwork(ctx, o, BYNAME);
  try { await n.create(); } catch (e) { throw new CmdError(`Failed to start network ${n.name}`, e); }
  ctx.printExtra(`Network ${n.name} started\n`);
  return true;
}

async function netDestroy(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = await optNetwork(ctx, o);
  try { await n.destroy(); } catch (e) { throw new CmdError(`Failed to destroy network ${n.name}`, e); }
  ctx.printExtra(`Network ${n.name} destroyed\n`);
  return true;
}

async function netUndefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = await optNetwork(ctx, o);
  try { await n.undefine(); } catch (e) { throw new CmdError(`Failed to undefine network ${n.name}`, e); }
  ctx.printExtra(`Network ${n.name} has been undefined\n`);
  return true;
}

async function netAutostart(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  return setAutostartCmd(ctx, o, await optNetwork(ctx, o), 'network');
}

async function netUuid(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = await optNetwork(ctx, o, BYNAME);
  ctx.print(`${n.uuid}\n`);
  return true;
}

async function netName(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = await optNetwork(ctx, o, BYUUID, 'network');
  ctx.print(`${n.name}\n`);
  return true;
}

const UPDATE_COMMANDS: Record<string, number> = { none: 0, modify: 1, delete: 2, 'add-last': 3, 'add-first': 4, add: 3 };
const UPDATE_SECTIONS = ['none', 'bridge', 'domain', 'ip', 'ip-dhcp-host', 'ip-dhcp-range', 'forward', 'forward-interface',
  'forward-pf', 'portgroup', 'dns-host', 'dns-txt', 'dns-srv'];

async function netUpdate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'current', 'live');
  exclusive(o, 'current', 'config');
  const n = await optNetwork(ctx, o);
  const cmdName = o.string('command')!;
  const command = UPDATE_COMMANDS[cmdName];
  if (command === undefined || cmdName === 'none') throw new CliError(`unrecognized command name '${cmdName}'`);
  const secName = o.string('section')!;
  const section = UPDATE_SECTIONS.indexOf(secName);
  if (section <= 0) throw new CliError(`unrecognized section name '${secName}'`);
  const parentIndex = o.int('parent-index') ?? -1;
  const arg = o.string('xml')!;
  // the argument is XML text when it starts with '<', else a file holding it
  const xml = arg.startsWith('<') ? arg : readXmlFile(arg);
  const config = o.bool('config');
  const live = o.bool('live');
  let flags = 0;
  if (config) flags |= 2;
  if (live) flags |= 1;
  try { await n.update(command, section, parentIndex, xml, flags); } catch (e) {
    throw new CmdError(`Failed to update network ${n.name}`, e);
  }
  let msg: string;
  if (config) msg = live ? `Updated network ${n.name} persistent config and live state` : `Updated network ${n.name} persistent config`;
  else if (live || await n.isActive()) msg = `Updated network ${n.name} live state`;
  else msg = `Updated network ${n.name} persistent config`;
  ctx.printExtra(msg);
  return true;
}

function localDateTime(epoch: number): string {
  const d = new Date(epoch * 1000);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

async function netDhcpLeases(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = await optNetwork(ctx, o);
  const mac = o.string('mac') ?? null;
  let leases;
  try { leases = await n.getDHCPLeases(mac, 0); } catch (e) { throw new CmdError(`Failed to get leases info for ${n.name}`, e); }
  leases.sort((a, b) => ((a.mac ?? '') < (b.mac ?? '') ? -1 : (a.mac ?? '') > (b.mac ?? '') ? 1 : 0));
  if (json(ctx, o, leases)) return true;
  const t = new Table(['Expiry Time', 'MAC address', 'Protocol', 'IP address', 'Hostname', 'Client ID or DUID']);
  for (const l of leases) {
    t.add(localDateTime(l.expirytime), l.mac ?? '', l.type === 0 ? 'ipv4' : l.type === 1 ? 'ipv6' : 'unknown',
      `${l.ipaddr}/${l.prefix}`, l.hostname ?? '-', l.clientid ?? '-');
  }
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

export const handlers: HandlerTable = {
  'net-list': netList, 'net-info': netInfo, 'net-dumpxml': netDumpxml, 'net-define': netDefine, 'net-create': netCreate,
  'net-start': netStart, 'net-destroy': netDestroy, 'net-undefine': netUndefine, 'net-autostart': netAutostart,
  'net-uuid': netUuid, 'net-name': netName, 'net-update': netUpdate, 'net-dhcp-leases': netDhcpLeases,
};
