// `list`: domains as a table, or their names/ids/UUIDs, with every virsh filter.
// libvirt counterpart: tools/virsh-domain-monitor.c cmdList.
import type { Domain } from '../api/domain.js';
import { ListAllDomainsFlags as F } from '../api/constants.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, type CmdOpts } from './opts.js';
import { domainStateName, exclusive, json } from './format.js';
import { Table } from './table.js';
import { domainTitle } from './domain_util.js';

const FILTERS: [string, number][] = [
  ['persistent', F.PERSISTENT], ['transient', F.TRANSIENT],
  ['with-managed-save', F.MANAGEDSAVE], ['without-managed-save', F.NO_MANAGEDSAVE],
  ['autostart', F.AUTOSTART], ['no-autostart', F.NO_AUTOSTART],
  ['with-snapshot', F.HAS_SNAPSHOT], ['without-snapshot', F.NO_SNAPSHOT],
  ['with-checkpoint', F.HAS_CHECKPOINT], ['without-checkpoint', F.NO_CHECKPOINT],
  ['state-running', F.RUNNING], ['state-paused', F.PAUSED], ['state-shutoff', F.SHUTOFF], ['state-other', F.OTHER],
];

/** virshDomainSorter: running domains by id, then inactive ones by name (case-insensitive). */
export function sortDomains(doms: Domain[]): Domain[] {
  return doms.sort((a, b) => {
    const ia = a.id >= 0 ? a.id : -1;
    const ib = b.id >= 0 ? b.id : -1;
    if (ia < 0 && ib < 0) return a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0;
    if (ia >= 0 && ib >= 0) return ia - ib;
    return ia >= 0 ? -1 : 1;
  });
}

async function list(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const managed = o.bool('managed-save');
  const optTitle = o.bool('title');
  let optTable = o.bool('table');
  const optUUID = o.bool('uuid');
  const optName = o.bool('name');
  const optID = o.bool('id');
  let flags: number = F.ACTIVE;
  if (o.bool('inactive') || o.bool('state-shutoff')) flags = F.INACTIVE;
  if (o.bool('all')) flags = F.INACTIVE | F.ACTIVE;
  for (const [n, f] of FILTERS) if (o.bool(n)) flags |= f;
  exclusive(o, 'table', 'name');
  exclusive(o, 'table', 'uuid');
  exclusive(o, 'table', 'id');
  if (!optUUID && !optName && !optID) optTable = true;

  const conn = await ctx.conn();
  let doms: Domain[];
  try {
    doms = sortDomains(await conn.listAllDomains(flags));
  } catch (e) {
    throw new CliError('Failed to list domains');
  }

  const rows: { id: string; name: string; uuid: string; state: string; title?: string }[] = [];
  for (const d of doms) {
    const id = d.id >= 0 ? String(d.id) : '-';
    if (optTable || o.bool('json')) {
      let st: string;
      try {
        const s = await d.state();
        st = domainStateName(s.state);
        if (managed && s.state === 5 && await d.hasManagedSaveImage().catch(() => false)) st = 'saved';
      } catch { continue; /* removed meanwhile */ }
      const row: (typeof rows)[number] = { id, name: d.name, uuid: d.uuid, state: st };
      if (optTitle) row.title = await domainTitle(d);
      rows.push(row);
    } else {
      rows.push({ id, name: d.name, uuid: d.uuid, state: '' });
    }
  }
  if (json(ctx, o, rows.map((r) => ({ id: r.id === '-' ? null : Number(r.id), name: r.name, uuid: r.uuid, state: r.state, ...(optTitle ? { title: r.title } : {}) })))) return true;

  if (optTable) {
    const t = new Table(optTitle ? ['Id', 'Name', 'State', 'Title'] : ['Id', 'Name', 'State']);
    for (const r of rows) {
      if (optTitle) t.add(r.id, r.name, r.state, r.title ?? ''); else t.add(r.id, r.name, r.state);
    }
    ctx.print(t.format(ctx.session.quiet));
    return true;
  }
  let s = '';
  for (const r of rows) {
    const parts: string[] = [];
    if (optUUID) parts.push(r.uuid);
    if (optID) {
      if (r.id === '-' && !optUUID && !optName) continue;
      parts.push(r.id);
    }
    if (optName) parts.push(r.name);
    s += parts.join(' ') + '\n';
  }
  ctx.print(s);
  return true;
}

export const handlers: HandlerTable = { list };
