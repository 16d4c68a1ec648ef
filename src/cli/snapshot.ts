// Snapshot commands: snapshot-create, snapshot-create-as, snapshot-list (table, --tree,
// --parent, --roots, --leaves, --from/--current, --name), snapshot-info, snapshot-dumpxml,
// snapshot-current, snapshot-parent, snapshot-revert, snapshot-delete.
// libvirt counterpart: tools/virsh-snapshot.c.
import type { Domain } from '../api/domain.js';
import type { DomainSnapshot } from '../api/snapshot.js';
import { DomainSnapshotListFlags as L } from '../api/constants.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { exclusive, infoLine, json, printXml } from './format.js';
import { optDomain } from './lookup.js';
import { Table } from './table.js';
import { readXmlFile } from './domain_lifecycle.js';
import { splitCommas, xmlEscape } from './generic.js';
import { child, childrenNamed, textOf } from './domain_util.js';
import { parseXml } from '../conf/xml.js';

const CREATE_FLAGS: [string, number][] = [
  ['redefine', 1], ['current', 2], ['no-metadata', 4], ['halt', 8], ['disk-only', 16], ['reuse-external', 32],
  ['quiesce', 64], ['atomic', 128], ['live', 256], ['validate', 512],
];

async function createFromXml(ctx: Ctx, d: Domain, xml: string, flags: number, from?: string): Promise<boolean> {
  const s = await d.snapshotCreateXML(xml, flags);
  ctx.printExtra(from ? `Domain snapshot ${s.name} created from '${from}'` : `Domain snapshot ${s.name} created`);
  return true;
}

async function snapshotCreate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let flags = 0;
  for (const [n, f] of CREATE_FLAGS) if (o.bool(n)) flags |= f;
  const d = await optDomain(ctx, o);
  const file = o.string('xmlfile');
  const xml = file === undefined ? '<domainsnapshot/>' : readXmlFile(file);
  return createFromXml(ctx, d, xml, flags, file);
}

/** --diskspec disk[,snapshot=type][,driver=type][,stype=type][,file=name] */
function diskspecXml(spec: string): string {
  const parts = splitCommas(spec);
  const name = parts.shift()!;
  const kv: Record<string, string> = {};
  for (const p of parts) {
    const i = p.indexOf('=');
    const k = i < 0 ? p : p.slice(0, i);
    if (!['snapshot', 'driver', 'stype', 'file'].includes(k) || i < 0) throw new CliError(`unable to parse diskspec: ${spec}`);
    kv[k] = p.slice(i + 1);
  }
  let s = `    <disk name='${xmlEscape(name)}'`;
  if (kv['snapshot']) s += ` snapshot='${xmlEscape(kv['snapshot'])}'`;
  if (kv['stype']) s += ` type='${xmlEscape(kv['stype'])}'`;
  if (!kv['driver'] && !kv['file']) return s + '/>\n';
  s += '>\n';
  if (kv['driver']) s += `      <driver type='${xmlEscape(kv['driver'])}'/>\n`;
  if (kv['file']) s += `      <source ${kv['stype'] === 'block' ? 'dev' : 'file'}='${xmlEscape(kv['file'])}'/>\n`;
  return s + '    </disk>\n';
}

/** --memspec [file=]name[,snapshot=type] */
function memspecXml(spec: string): string {
  let file: string | undefined;
  let snapshot: string | undefined;
  for (const p of splitCommas(spec)) {
    if (p.startsWith('snapshot=')) snapshot = p.slice(9);
    else if (p.startsWith('file=')) file = p.slice(5);
    else if (file === undefined && !p.includes('=')) file = p;
    else throw new CliError(`unable to parse memspec: ${spec}`);
  }
  let s = '  <memory';
  if (snapshot) s += ` snapshot='${xmlEscape(snapshot)}'`;
  if (file) s += ` file='${xmlEscape(file)}'`;
  return s + '/>\n';
}

async function snapshotCreateAs(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let flags = 0;
  for (const [n, f] of CREATE_FLAGS) if (n !== 'redefine' && n !== 'current' && o.bool(n)) flags |= f;
  const d = await optDomain(ctx, o);
  const name = o.string('name');
  const desc = o.string('description');
  const mem = o.string('memspec');
  const disks = o.argv('diskspec');
  let xml = '<domainsnapshot>\n';
  if (name !== undefined) xml += `  <name>${xmlEscape(name)}</name>\n`;
  if (desc !== undefined) xml += `  <description>${xmlEscape(desc)}</description>\n`;
  if (mem !== undefined) xml += memspecXml(mem);
  if (disks.length) xml += '  <disks>\n' + disks.map(diskspecXml).join('') + '  </disks>\n';
  xml += '</domainsnapshot>\n';
  if (o.bool('print-xml')) { ctx.print(`${xml}\n`); return true; }
  return createFromXml(ctx, d, xml, flags);
}

interface SnapInfo { snap: DomainSnapshot; name: string; parent: string | null; created: number; state: string; xml: string }

async function snapInfo(s: DomainSnapshot): Promise<SnapInfo> {
  const xml = await s.getXMLDesc(0);
  const x = parseXml(xml, 'domainsnapshot');
  const parentEl = child(x, 'parent');
  return {
    snap: s, name: s.name, xml,
    parent: parentEl ? textOf(child(parentEl, 'name')) ?? null : null,
    created: Number(textOf(child(x, 'creationTime')) ?? 0),
    state: textOf(child(x, 'state')) ?? '',
  };
}

/** strftime("%Y-%m-%d %H:%M:%S %z") in local time, as virsh prints creation times */
export function localTime(epoch: number): string {
  const d = new Date(epoch * 1000);
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ` +
    `${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
}

async function currentSnapshot(d: Domain): Promise<DomainSnapshot> {
  return d.snapshotCurrent(0);
}

export async function optSnapshot(ctx: Ctx, o: CmdOpts, d: Domain, name = 'snapshotname'): Promise<DomainSnapshot> {
  const n = o.string(name);
  if (o.bool('current') && n === undefined) return currentSnapshot(d);
  if (n === undefined) throw new CliError('--snapshotname or --current is required');
  return d.snapshotLookupByName(n, 0);
}

async function snapshotList(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const tree = o.bool('tree');
  const nameOnly = o.bool('name');
  const parent = o.bool('parent');
  const roots = o.bool('roots');
  const from = o.string('from');
  const current = o.bool('current');
  exclusive(o, 'tree', 'name');
  exclusive(o, 'parent', 'roots');
  exclusive(o, 'parent', 'tree');
  exclusive(o, 'roots', 'tree');
  exclusive(o, 'roots', 'from');
  exclusive(o, 'roots', 'current');
  exclusive(o, 'from', 'current');
  let flags = 0;
  const map: [string, number][] = [['leaves', L.LEAVES], ['no-leaves', L.NO_LEAVES], ['metadata', L.METADATA],
    ['no-metadata', L.NO_METADATA], ['inactive', L.INACTIVE], ['active', L.ACTIVE], ['disk-only', L.DISK_ONLY],
    ['internal', L.INTERNAL], ['external', L.EXTERNAL], ['topological', L.TOPOLOGICAL]];
  for (const [n, f] of map) if (o.bool(n)) flags |= f;
  if (roots) flags |= L.ROOTS;
  const d = await optDomain(ctx, o);
  let snaps: DomainSnapshot[];
  if (from !== undefined || current) {
    const start = from !== undefined ? await d.snapshotLookupByName(from, 0) : await currentSnapshot(d);
    if (o.bool('descendants') || tree) flags |= L.DESCENDANTS;
    snaps = await start.listAllChildren(flags);
    if (tree) snaps.unshift(start);
  } else {
    snaps = await d.listAllSnapshots(flags);
  }
  const infos = await Promise.all(snaps.map(snapInfo));
  if (!o.bool('topological')) infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (json(ctx, o, infos.map((i) => ({ name: i.name, creationTime: i.created, state: i.state, parent: i.parent })))) return true;
  if (tree) {
    const names = new Set(infos.map((i) => i.name));
    let out = '';
    const kids = (n: string) => infos.filter((i) => i.parent === n);
    const walk = (n: string, root: boolean, last: boolean, indent: string) => {
      out += `${indent}${root ? '' : '+- '}${n}\n`;
      if (!root) indent += (last ? ' ' : '|') + ' ';
      const cs = kids(n);
      if (cs.length) out += `${indent}  |\n`;
      cs.forEach((c, k) => walk(c.name, false, k === cs.length - 1, indent + '  '));
      if (!cs.length && last) out += `${indent}\n`;
    };
    for (const i of infos) if (!i.parent || !names.has(i.parent)) walk(i.name, true, true, '');
    ctx.print(out);
    return true;
  }
  if (nameOnly) {
    ctx.print(infos.map((i) => `${i.name}\n`).join(''));
    return true;
  }
  const t = new Table(parent ? ['Name', 'Creation Time', 'State', 'Parent'] : ['Name', 'Creation Time', 'State']);
  for (const i of infos) {
    if (parent) t.add(i.name, localTime(i.created), i.state, i.parent ?? ''); else t.add(i.name, localTime(i.created), i.state);
  }
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function snapshotInfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const s = await optSnapshot(ctx, o, d, 'snapshotname');
  const info = await snapInfo(s);
  const x = parseXml(info.xml, 'domainsnapshot');
  let isCurrent = false;
  try { isCurrent = await s.isCurrent(0); } catch { /* no */ }
  const mem = child(x, 'memory');
  const disks = child(x, 'disks');
  const external = mem?.attrs['snapshot'] === 'external' || (disks ? childrenNamed(disks, 'disk').some((k) => k.attrs['snapshot'] === 'external') : false);
  const children = await s.numChildren(0);
  const descendants = await s.numChildren(L.DESCENDANTS);
  const meta = await s.hasMetadata(0).then((m) => (m ? 'yes' : 'no'), () => 'unknown');
  const v = { name: s.name, domain: d.name, current: isCurrent, state: info.state, location: external ? 'external' : 'internal', parent: info.parent, children, descendants, metadata: meta };
  if (json(ctx, o, v)) return true;
  ctx.print(infoLine('Name:', s.name) + infoLine('Domain:', d.name) + infoLine('Current:', isCurrent ? 'yes' : 'no') +
    infoLine('State:', info.state) + infoLine('Location:', v.location) + infoLine('Parent:', info.parent ?? '-') +
    infoLine('Children:', children) + infoLine('Descendants:', descendants) + infoLine('Metadata:', meta));
  return true;
}

async function snapshotDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const s = await d.snapshotLookupByName(o.string('snapshotname')!, 0);
  return printXml(ctx, o, await s.getXMLDesc(o.bool('security-info') ? 1 : 0));
}

async function snapshotCurrent(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const set = o.string('snapshotname');
  if (set !== undefined) {
    exclusive(o, 'name', 'snapshotname');
    const s = await d.snapshotLookupByName(set, 0);
    const xml = await s.getXMLDesc(1);
    await d.snapshotCreateXML(xml, 1 | 2);
    ctx.printExtra(`Snapshot ${set} set as current`);
    return true;
  }
  if (!(await d.hasCurrentSnapshot(0))) {
    if (o.bool('name')) throw new CliError('domain has no current snapshot');
    return true;
  }
  const s = await currentSnapshot(d);
  if (o.bool('name')) { ctx.print(s.name); return true; }
  ctx.print(await s.getXMLDesc(o.bool('security-info') ? 1 : 0));
  return true;
}

async function snapshotParent(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const s = await optSnapshot(ctx, o, d, 'snapshotname');
  const info = await snapInfo(s);
  if (!info.parent) throw new CliError(`snapshot '${s.name}' has no parent`);
  ctx.print(info.parent);
  return true;
}

async function snapshotRevert(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let flags = 0;
  if (o.bool('running')) flags |= 1;
  if (o.bool('paused')) flags |= 2;
  if (o.bool('force')) flags |= 4;
  if (o.bool('reset-nvram')) flags |= 8;
  const d = await optDomain(ctx, o);
  const s = await optSnapshot(ctx, o, d, 'snapshotname');
  await s.revert(flags);
  ctx.printExtra(`Domain snapshot ${s.name} reverted\n`);
  return true;
}

async function snapshotDelete(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let flags = 0;
  if (o.bool('children')) flags |= 1;
  if (o.bool('metadata')) flags |= 2;
  if (o.bool('children-only')) flags |= 4;
  const d = await optDomain(ctx, o);
  const s = await optSnapshot(ctx, o, d, 'snapshotname');
  try { await s.delete(flags); } catch (e) { throw new CmdError(`Failed to delete snapshot ${s.name}`, e); }
  ctx.printExtra(flags & 4 ? `Domain snapshot ${s.name} children deleted\n` : `Domain snapshot ${s.name} deleted\n`);
  return true;
}

export const handlers: HandlerTable = {
  'snapshot-create': snapshotCreate, 'snapshot-create-as': snapshotCreateAs, 'snapshot-list': snapshotList,
  'snapshot-info': snapshotInfo, 'snapshot-dumpxml': snapshotDumpxml, 'snapshot-current': snapshotCurrent,
  'snapshot-parent': snapshotParent, 'snapshot-revert': snapshotRevert, 'snapshot-delete': snapshotDelete,
};
