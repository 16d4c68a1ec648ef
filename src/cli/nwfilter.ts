// Network filter commands: nwfilter-list, nwfilter-define, nwfilter-dumpxml, nwfilter-undefine,
// nwfilter-edit and the binding commands (nwfilter-binding-list/-create/-delete/-dumpxml).
// libvirt counterpart: tools/virsh-nwfilter.c.
import type { NWFilter, NWFilterBinding } from '../api/nwfilter.js';
import type { Connection } from '../api/connection.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CmdError, type CmdOpts } from './opts.js';
import { printXml } from './format.js';
import { readXmlFile } from './domain_lifecycle.js';
import { editXml } from './editor.js';
import { Table } from './table.js';
import { ErrorNumber, VirError } from '../util/error.js';

const UUID_LEN = 36;
/** VIR_NWFILTER_DEFINE_VALIDATE / VIR_NWFILTER_BINDING_CREATE_VALIDATE */
const VALIDATE = 1;

/** virshCommandOptNWFilterBy: by UUID when it has a UUID's length, then by name; the last error follows virsh's line */
async function optNWFilter(ctx: Ctx, o: CmdOpts): Promise<NWFilter> {
  const n = o.string('nwfilter')!;
  const conn = await ctx.conn();
  let err: unknown;
  if (n.length === UUID_LEN) {
    try { return await conn.lookupNWFilterByUUID(n); } catch (e) { err = e; }
  }
  try { return await conn.lookupNWFilterByName(n); } catch (e) { err = e; }
  throw new CmdError(`failed to get nwfilter '${n}'`, err);
}

async function optBinding(ctx: Ctx, o: CmdOpts): Promise<NWFilterBinding> {
  const n = o.string('binding')!;
  const conn = await ctx.conn();
  try { return await conn.lookupNWFilterBindingByPortDev(n); } catch (e) { throw new CmdError(`failed to get nwfilter binding '${n}'`, e); }
}

const noSupport = (e: unknown) => e instanceof VirError && e.code === ErrorNumber.NO_SUPPORT;

/** virshNWFilterListCollect: the ListAll call, or the old count-and-names calls where it is missing */
async function collectFilters(conn: Connection): Promise<NWFilter[]> {
  try {
    return await conn.listAllNWFilters(0);
  } catch (e) {
    if (!noSupport(e)) throw new CmdError('Failed to list network filters', e);
  }
  let n: number;
  try { n = await conn.numOfNWFilters(); } catch (e) { throw new CmdError('Failed to count network filters', e); }
  if (n === 0) return [];
  let names: string[];
  try { names = await conn.listNWFilters(n); } catch (e) { throw new CmdError('Failed to list network filters', e); }
  const out: NWFilter[] = [];
  // a filter that vanished in between is skipped
  for (const name of names) { try { out.push(await conn.lookupNWFilterByName(name)); } catch { /* gone */ } }
  return out;
}

async function nwfilterList(ctx: Ctx): Promise<boolean> {
  const list = (await collectFilters(await ctx.conn())).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const t = new Table(['UUID', 'Name']);
  for (const f of list) t.add(f.uuid, f.name);
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function nwfilterDefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const file = o.string('file')!;
  const xml = readXmlFile(file);
  const conn = await ctx.conn();
  let f: NWFilter;
  // virsh keeps the old call unless --validate asks for the flags one
  try { f = await conn.defineNWFilterXML(xml, o.bool('validate') ? VALIDATE : undefined); } catch (e) {
    throw new CmdError(`Failed to define network filter from ${file}`, e);
  }
  ctx.printExtra(`Network filter ${f.name} defined from ${file}\n`);
  return true;
}

async function nwfilterDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const f = await optNWFilter(ctx, o);
  return printXml(ctx, o, await f.getXMLDesc(0));
}

async function nwfilterUndefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const f = await optNWFilter(ctx, o);
  const name = o.string('nwfilter')!;
  try { await f.undefine(); } catch (e) { throw new CmdError(`Failed to undefine network filter ${name}`, e); }
  ctx.printExtra(`Network filter ${name} undefined\n`);
  return true;
}

async function nwfilterEdit(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const f = await optNWFilter(ctx, o);
  const conn = await ctx.conn();
  const r = await editXml(ctx, { getXml: () => f.getXMLDesc(0), define: (doc) => conn.defineNWFilterXML(doc) });
  if (r.kind === 'abandoned') return false;
  if (r.kind === 'unchanged') ctx.printExtra(`Network filter ${f.name} XML configuration not changed.\n`);
  else ctx.printExtra(`Network filter ${r.value.name} XML configuration edited.\n`);
  return true;
}

async function bindingList(ctx: Ctx): Promise<boolean> {
  const conn = await ctx.conn();
  let list: NWFilterBinding[];
  try { list = await conn.listAllNWFilterBindings(0); } catch (e) { throw new CmdError('Failed to list network filter bindings', e); }
  list.sort((a, b) => (a.portDev < b.portDev ? -1 : a.portDev > b.portDev ? 1 : 0));
  const t = new Table(['Port Dev', 'Filter']);
  for (const b of list) t.add(b.portDev, b.filterName);
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function bindingCreate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const file = o.string('file')!;
  const xml = readXmlFile(file);
  const conn = await ctx.conn();
  let b: NWFilterBinding;
  try { b = await conn.createNWFilterBindingXML(xml, o.bool('validate') ? VALIDATE : 0); } catch (e) {
    throw new CmdError(`Failed to create network filter from ${file}`, e);
  }
  ctx.printExtra(`Network filter binding on ${b.portDev} created from ${file}\n`);
  return true;
}

async function bindingDelete(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const b = await optBinding(ctx, o);
  const name = o.string('binding')!;
  try { await b.delete(); } catch (e) { throw new CmdError(`Failed to delete network filter binding ${name}`, e); }
  ctx.printExtra(`Network filter binding on ${name} deleted\n`);
  return true;
}

async function bindingDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const b = await optBinding(ctx, o);
  return printXml(ctx, o, await b.getXMLDesc(0));
}

export const handlers: HandlerTable = {
  'nwfilter-list': nwfilterList, 'nwfilter-define': nwfilterDefine, 'nwfilter-dumpxml': nwfilterDumpxml,
  'nwfilter-undefine': nwfilterUndefine, 'nwfilter-edit': nwfilterEdit, 'nwfilter-binding-list': bindingList,
  'nwfilter-binding-create': bindingCreate, 'nwfilter-binding-delete': bindingDelete, 'nwfilter-binding-dumpxml': bindingDumpxml,
};
