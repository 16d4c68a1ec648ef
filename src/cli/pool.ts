// Storage pool commands: pool-list, pool-info, pool-dumpxml, pool-define(-as), pool-create(-as),
// pool-build, pool-start, pool-destroy, pool-delete, pool-undefine, pool-refresh,
// pool-autostart, pool-uuid, pool-name. libvirt counterpart: tools/virsh-pool.c.
import type { StoragePool } from '../api/storage.js';
import { ListAllStoragePoolsFlags as F } from '../api/constants.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { capacityString, exclusive, infoLine, json, pad, printXml, setAutostartCmd } from './format.js';
import { Table } from './table.js';
import { objectFromFile } from './domain_lifecycle.js';
import { xmlEscape } from './generic.js';
import { optPool } from './lookup.js';

const STATES = ['inactive', 'building', 'running', 'degraded', 'inaccessible'];
const TYPE_FLAGS: Record<string, number> = {
  dir: F.DIR, fs: F.FS, netfs: F.NETFS, logical: F.LOGICAL, disk: F.DISK, iscsi: F.ISCSI, scsi: F.SCSI, mpath: F.MPATH,
  rbd: F.RBD, sheepdog: F.SHEEPDOG, gluster: F.GLUSTER, zfs: F.ZFS, vstorage: F.VSTORAGE, 'iscsi-direct': F.ISCSI_DIRECT,
};

async function poolList(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const details = o.bool('details');
  const optName = o.bool('name');
  const optUUID = o.bool('uuid');
  exclusive(o, 'details', 'uuid');
  exclusive(o, 'details', 'name');
  let flags: number = F.ACTIVE;
  if (o.bool('inactive')) flags = F.INACTIVE;
  if (o.bool('all')) flags = F.ACTIVE | F.INACTIVE;
  if (o.bool('persistent')) flags |= F.PERSISTENT;
  if (o.bool('transient')) flags |= F.TRANSIENT;
  if (o.bool('autostart')) flags |= F.AUTOSTART;
  if (o.bool('no-autostart')) flags |= F.NO_AUTOSTART;
  const types = o.string('type');
  if (types !== undefined) {
    for (const t of types.split(',')) {
      const f = TYPE_FLAGS[t];
      if (f === undefined) throw new CliError(`Invalid pool type '${t}'`);
      flags |= f;
    }
  }
  const conn = await ctx.conn();
  let pools: StoragePool[];
  try { pools = await conn.listAllStoragePools(flags); } catch (e) { throw new CmdError('Failed to list pools', e); }
  pools.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rows = [];
  for (const p of pools) {
    const info = await p.info().catch(() => null);
    rows.push({
      name: p.name, uuid: p.uuid, info,
      autostart: await p.getAutostart().then((a) => (a ? 'yes' : 'no'), () => 'no autostart'),
      persistent: await p.isPersistent().then((a) => (a ? 'yes' : 'no'), () => 'unknown'),
    });
  }
  if (json(ctx, o, rows.map((r) => ({ name: r.name, uuid: r.uuid, state: r.info ? STATES[r.info.state] : null, autostart: r.autostart === 'yes', persistent: r.persistent === 'yes', capacity: r.info?.capacity, allocation: r.info?.allocation, available: r.info?.available })))) return true;
  if (optName || optUUID) {
    // virsh pads these columns even when printing one of them
    ctx.print(rows.map((r) => (optUUID && optName ? `${pad(r.uuid, 36)} ${pad(r.name, 20)}\n` : optUUID ? `${pad(r.uuid, 36)}\n` : `${pad(r.name, 20)}\n`)).join(''));
    return true;
  }
  if (details) {
    const t = new Table(['Name', 'State', 'Autostart', 'Persistent', 'Capacity', 'Allocation', 'Available']);
    for (const r of rows) {
      const running = r.info && r.info.state === 2;
      t.add(r.name, r.info ? STATES[r.info.state] ?? 'unknown' : 'unknown', r.autostart, r.persistent,
        running ? capacityString(r.info!.capacity) : '-', running ? capacityString(r.info!.allocation) : '-',
        running ? capacityString(r.info!.available) : '-');
    }
    ctx.print(t.format(ctx.session.quiet));
    return true;
  }
  const t = new Table(['Name', 'State', 'Autostart']);
  for (const r of rows) t.add(r.name, r.info && r.info.state === 2 ? 'active' : 'inactive', r.autostart);
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function poolInfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const p = await optPool(ctx, o);
  const bytes = o.bool('bytes');
  const info = await p.info();
  const persistent = await p.isPersistent().then((a) => (a ? 'yes' : 'no'), () => 'unknown');
  const autostart = await p.getAutostart().then((a) => (a ? 'yes' : 'no'), () => 'no autostart');
  if (json(ctx, o, { name: p.name, uuid: p.uuid, state: STATES[info.state], persistent: persistent === 'yes', autostart: autostart === 'yes', capacity: info.capacity, allocation: info.allocation, available: info.available })) return true;
  let s = infoLine('Name:', p.name) + infoLine('UUID:', p.uuid) + infoLine('State:', STATES[info.state] ?? 'unknown');
  s += infoLine('Persistent:', persistent) + infoLine('Autostart:', autostart);
  if (info.state === 2 || info.state === 3) {
    const f = (v: number) => (bytes ? `${v}` : capacityString(v));
    s += infoLine('Capacity:', f(info.capacity)) + infoLine('Allocation:', f(info.allocation)) + infoLine('Available:', f(info.available));
  }
  ctx.print(s);
  return true;
}

async function poolDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const p = await optPool(ctx, o);
  const xml = await p.getXMLDesc(o.bool('inactive') ? 1 : 0);
  return printXml(ctx, o, xml);
}

function poolDefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  return objectFromFile(ctx, o, 'Pool', 'define', (conn, xml) => conn.defineStoragePoolXML(xml, o.bool('validate') ? 1 : 0));
}

function buildFlags(o: CmdOpts): number {
  exclusive(o, 'overwrite', 'no-overwrite');
  let f = 0;
  if (o.bool('build')) f |= 1;
  if (o.bool('overwrite')) f |= 2;
  if (o.bool('no-overwrite')) f |= 4;
  return f;
}

function poolCreate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = buildFlags(o);
  return objectFromFile(ctx, o, 'Pool', 'create', (conn, xml) => conn.createStoragePoolXML(xml, flags));
}

/** virshBuildPoolXML: the XML pool-define-as / pool-create-as submit. */
function poolXmlFromArgs(o: CmdOpts): { name: string; xml: string } {
  const name = o.string('name')!;
  const type = o.string('type')!;
  const host = o.string('source-host');
  const port = o.string('source-port');
  const path = o.string('source-path');
  const dev = o.string('source-dev');
  const srcName = o.string('source-name');
  const target = o.string('target');
  const format = o.string('source-format');
  const adapterName = o.string('adapter-name');
  const authType = o.string('auth-type');
  const authUser = o.string('auth-username');
  const secretUsage = o.string('secret-usage');
  const secretUuid = o.string('secret-uuid');
  const protocolVer = o.string('source-protocol-ver');
  let x = `<pool type='${xmlEscape(type)}'>\n  <name>${xmlEscape(name)}</name>\n`;
  if (host || path || dev || format || srcName || adapterName || authType) {
    x += '  <source>\n';
    if (host) x += `    <host name='${xmlEscape(host)}'${port ? ` port='${xmlEscape(port)}'` : ''}/>\n`;
    if (path) x += `    <dir path='${xmlEscape(path)}'/>\n`;
    if (dev) x += `    <device path='${xmlEscape(dev)}'/>\n`;
    if (adapterName) x += `    <adapter name='${xmlEscape(adapterName)}'/>\n`;
    if (format) x += `    <format type='${xmlEscape(format)}'/>\n`;
    if (srcName) x += `    <name>${xmlEscape(srcName)}</name>\n`;
    if (authType && authUser && (secretUsage || secretUuid)) {
      x += `    <auth type='${xmlEscape(authType)}' username='${xmlEscape(authUser)}'>\n`;
      x += secretUsage ? `      <secret usage='${xmlEscape(secretUsage)}'/>\n` : `      <secret uuid='${xmlEscape(secretUuid!)}'/>\n`;
      x += '    </auth>\n';
    }
    if (protocolVer) x += `    <protocol ver='${xmlEscape(protocolVer)}'/>\n`;
    x += '  </source>\n';
  }
  if (target) x += `  <target>\n    <path>${xmlEscape(target)}</path>\n  </target>\n`;
  x += '</pool>\n';
  return { name, xml: x };
}

function poolAs(create: boolean) {
  return async (ctx: Ctx, o: CmdOpts): Promise<boolean> => {
    const flags = create ? buildFlags(o) : 0;
    const { name, xml } = poolXmlFromArgs(o);
    if (o.bool('print-xml')) { ctx.print(xml); return true; }
    const conn = await ctx.conn();
    try {
      if (create) await conn.createStoragePoolXML(xml, flags); else await conn.defineStoragePoolXML(xml, 0);
    } catch (e) { throw new CmdError(create ? `Failed to create pool ${name}` : `Failed to define pool ${name}`, e); }
    ctx.printExtra(create ? `Pool ${name} created\n` : `Pool ${name} defined\n`);
    return true;
  };
}

function simple(verb: string, past: string, act: (p: StoragePool, o: CmdOpts) => Promise<void>) {
  return async (ctx: Ctx, o: CmdOpts): Promise<boolean> => {
    const p = await optPool(ctx, o);
    try { await act(p, o); } catch (e) { throw new CmdError(`Failed to ${verb} pool ${p.name}`, e); }
    ctx.printExtra(`Pool ${p.name} ${past}\n`);
    return true;
  };
}

async function poolAutostart(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  return setAutostartCmd(ctx, o, await optPool(ctx, o), 'pool');
}

async function poolUuid(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const p = await optPool(ctx, o, 'pool', false, true);
  ctx.print(`${p.uuid}\n`);
  return true;
}

async function poolName(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const p = await optPool(ctx, o, 'pool', true, false);
  ctx.print(`${p.name}\n`);
  return true;
}

export const handlers: HandlerTable = {
  'pool-list': poolList, 'pool-info': poolInfo, 'pool-dumpxml': poolDumpxml, 'pool-define': poolDefine,
  'pool-create': poolCreate, 'pool-define-as': poolAs(false), 'pool-create-as': poolAs(true),
  'pool-build': simple('build', 'built', (p, o) => {
    exclusive(o, 'overwrite', 'no-overwrite');
    return p.build((o.bool('overwrite') ? 8 : 0) | (o.bool('no-overwrite') ? 4 : 0));
  }),
  'pool-start': simple('start', 'started', (p, o) => p.create(buildFlags(o))),
  'pool-destroy': simple('destroy', 'destroyed', (p) => p.destroy()),
  'pool-delete': simple('delete', 'deleted', (p) => p.delete(0)),
  'pool-undefine': simple('undefine', 'has been undefined', (p) => p.undefine()),
  'pool-refresh': simple('refresh', 'refreshed', (p) => p.refresh(0)),
  'pool-autostart': poolAutostart, 'pool-uuid': poolUuid, 'pool-name': poolName,
};
