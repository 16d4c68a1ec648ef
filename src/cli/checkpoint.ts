// Checkpoint commands: checkpoint-create, checkpoint-create-as, checkpoint-list (table,
// --parent, --tree, --roots, --leaves/--no-leaves, --from/--descendants, --name, --topological),
// checkpoint-info, checkpoint-dumpxml, checkpoint-parent, checkpoint-delete, checkpoint-edit.
// libvirt counterpart: tools/virsh-checkpoint.c.
import type { Domain } from '../api/domain.js';
import {
  type DomainCheckpoint, DomainCheckpointCreateFlags as C, DomainCheckpointDeleteFlags as Del,
  DomainCheckpointListFlags as L, DomainCheckpointXMLFlags as X,
} from '../api/checkpoint.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { exclusive, infoLine, printXml } from './format.js';
import { optDomain } from './lookup.js';
import { Table } from './table.js';
import { readXmlFile } from './domain_lifecycle.js';
import { splitCommas, xmlEscape } from './generic.js';
import { localTime } from './snapshot.js';
import { child, textOf } from './domain_util.js';
import { parseXml } from '../conf/xml.js';
import { ErrorNumber, VirError } from '../util/error.js';
import { editXml } from './editor.js';

async function created(ctx: Ctx, d: Domain, xml: string, flags: number, from?: string): Promise<boolean> {
  const c = await d.checkpointCreateXML(xml, flags);
  ctx.printExtra(from !== undefined ? `Domain checkpoint ${c.name} created from '${from}'` : `Domain checkpoint ${c.name} created`);
  return true;
}

async function checkpointCreate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  if (o.bool('redefine-validate') && !o.bool('redefine')) {
    throw new CliError('Option --redefine is required by option --redefine-validate');
  }
  let flags = 0;
  if (o.bool('redefine')) flags |= C.REDEFINE;
  if (o.bool('redefine-validate')) flags |= C.REDEFINE_VALIDATE;
  if (o.bool('quiesce')) flags |= C.QUIESCE;
  const d = await optDomain(ctx, o);
  const file = o.string('xmlfile');
  const xml = file === undefined ? '<domaincheckpoint/>' : readXmlFile(file);
  return created(ctx, d, xml, flags, file);
}

/** --diskspec disk[,checkpoint=type][,bitmap=name]: the values go in as given, the name escaped (as virsh) */
function diskspecXml(spec: string): string {
  const [name, ...rest] = splitCommas(spec);
  let checkpoint: string | undefined;
  let bitmap: string | undefined;
  for (const p of rest) {
    if (checkpoint === undefined && p.startsWith('checkpoint=')) checkpoint = p.slice(11);
    else if (bitmap === undefined && p.startsWith('bitmap=')) bitmap = p.slice(7);
    else throw new CliError(`unable to parse diskspec: ${spec}`);
  }
  let s = `    <disk name='${xmlEscape(name!)}'`;
  if (checkpoint !== undefined) s += ` checkpoint='${checkpoint}'`;
  if (bitmap !== undefined) s += ` bitmap='${bitmap}'`;
  return s + '/>\n';
}

async function checkpointCreateAs(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = o.bool('quiesce') ? C.QUIESCE : 0;
  const d = await optDomain(ctx, o);
  const name = o.string('name');
  const desc = o.string('description');
  let xml = '<domaincheckpoint>\n';
  if (name !== undefined) xml += `  <name>${xmlEscape(name)}</name>\n`;
  if (desc !== undefined) xml += `  <description>${xmlEscape(desc)}</description>\n`;
  if (o.bool('diskspec')) xml += '  <disks>\n' + o.argv('diskspec').map(diskspecXml).join('') + '  </disks>\n';
  xml += '</domaincheckpoint>\n';
  if (o.bool('print-xml')) { ctx.print(`${xml}\n`); return true; }
  return created(ctx, d, xml, flags);
}

/** virshLookupCheckpoint: the checkpoint named by option `arg` (required). */
async function optCheckpoint(o: CmdOpts, d: Domain, arg = 'checkpointname'): Promise<DomainCheckpoint> {
  const name = o.string(arg);
  if (name === undefined) throw new CliError(`--${arg} is required`);
  return d.checkpointLookupByName(name, 0);
}

/**
 * virshGetCheckpointParent: the parent's name, null for a root. Any other failure is reported
 * at once, library error first, as virsh does.
 */
async function parentName(ctx: Ctx, c: DomainCheckpoint): Promise<string | null> {
  try {
    return (await c.getParent(0)).name;
  } catch (e) {
    if (e instanceof VirError && e.code === ErrorNumber.NO_DOMAIN_CHECKPOINT) return null;
    ctx.error(e instanceof Error ? e.message : String(e));
    throw new CliError('unable to determine if checkpoint has parent');
  }
}

/** vshTreePrint from entry `root`: the entry, then its children (entries naming it as parent). */
function treeText(names: readonly string[], parents: readonly (string | null)[], root: number): string {
  let out = '';
  const walk = (id: number, lastId: number, isRoot: boolean, indent: string) => {
    const name = names[id]!;
    out += `${indent}${isRoot ? '' : '+- '}${name}\n`;
    if (!isRoot) indent += (id === lastId ? ' ' : '|') + ' ';
    let lastChild = -1;
    parents.forEach((p, i) => { if (p === name) lastChild = i; });
    if (lastChild !== -1) out += `${indent}  |\n`;
    parents.forEach((p, i) => { if (p === name) walk(i, lastChild, false, indent + '  '); });
    if (lastChild === -1 && id === lastId) out += `${indent}\n`;
  };
  walk(root, root, true, '');
  return out;
}

/** strcasecmp on ASCII, as virsh's list sorter */
function caseCmp(a: string, b: string): number {
  const x = a.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const y = b.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return x < y ? -1 : x > y ? 1 : 0;
}

async function checkpointList(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const tree = o.bool('tree');
  const nameOnly = o.bool('name');
  const parent = o.bool('parent');
  const from = o.bool('from');
  exclusive(o, 'tree', 'name');
  exclusive(o, 'parent', 'roots');
  exclusive(o, 'parent', 'tree');
  exclusive(o, 'roots', 'tree');
  exclusive(o, 'roots', 'from');
  let flags = 0;
  for (const [opt, bit] of [['leaves', L.LEAVES], ['no-leaves', L.NO_LEAVES]] as const) {
    if (!o.bool(opt)) continue;
    if (tree) throw new CliError(`--${opt} and --tree are mutually exclusive`);
    flags |= bit;
  }
  const topological = o.bool('topological');
  if (topological) flags |= L.TOPOLOGICAL;
  if (o.bool('roots')) flags |= L.ROOTS;
  if (o.bool('descendants')) {
    if (!from) throw new CliError('--descendants requires --from');
    flags |= L.DESCENDANTS;
  }
  const d = await optDomain(ctx, o);
  const start = from ? await optCheckpoint(o, d, 'from') : null;
  let list: DomainCheckpoint[];
  try {
    list = start ? await start.listAllChildren(flags) : await d.listAllCheckpoints(flags);
  } catch (e) {
    throw new CmdError('unexpected problem querying checkpoints', e);
  }
  // with --tree: each entry's parent; --from's own entry goes in as a root
  let parents: (string | null)[] = [];
  if (tree) {
    parents = [];
    for (const c of list) parents.push(await parentName(ctx, c));
    if (start) { list.push(start); parents.push(null); }
  }
  let order = list.map((_, i) => i);
  if (!topological) order = order.sort((a, b) => caseCmp(list[a]!.name, list[b]!.name));
  list = order.map((i) => list[i]!);
  if (tree) {
    parents = order.map((i) => parents[i]!);
    const names = list.map((c) => c.name);
    ctx.print(names.map((_, i) => (parents[i] === null ? treeText(names, parents, i) : '')).join(''));
    return true;
  }
  if (nameOnly) {
    ctx.print(list.map((c) => `${c.name}\n`).join(''));
    return true;
  }
  const t = new Table(parent ? ['Name', 'Creation Time', 'Parent'] : ['Name', 'Creation Time']);
  for (const c of list) {
    // as virsh: a checkpoint whose XML cannot be had or read is left out of the table
    let x;
    try { x = parseXml(await c.getXMLDesc(0), '(domain_checkpoint)'); } catch { continue; }
    const ct = textOf(child(x, 'creationTime'));
    if (ct === undefined || !/^-?\d+$/.test(ct.trim())) continue;
    const when = localTime(Number(ct));
    if (parent) {
      const p = child(x, 'parent');
      t.add(c.name, when, (p && textOf(child(p, 'name'))) ?? '');
    } else t.add(c.name, when);
  }
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function checkpointInfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const c = await optCheckpoint(o, d);
  ctx.print(infoLine('Name:', c.name) + infoLine('Domain:', d.name));
  let parent: string | null;
  try {
    parent = await parentName(ctx, c);
  } catch (e) {
    if (e instanceof CliError) ctx.error(e.message);
    throw new CliError('unexpected problem querying checkpoint state');
  }
  ctx.print(infoLine('Parent:', parent ?? '-'));
  let children: DomainCheckpoint[];
  try {
    children = await c.listAllChildren(0);
  } catch (e) {
    // an older server without the call: the counts are left out
    if (e instanceof VirError && e.code === ErrorNumber.NO_SUPPORT) return true;
    throw e;
  }
  ctx.print(infoLine('Children:', children.length));
  ctx.print(infoLine('Descendants:', (await c.listAllChildren(L.DESCENDANTS)).length));
  return true;
}

async function checkpointDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let flags = 0;
  if (o.bool('security-info')) flags |= X.SECURE;
  if (o.bool('no-domain')) flags |= X.NO_DOMAIN;
  if (o.bool('size')) flags |= X.SIZE;
  const d = await optDomain(ctx, o);
  const c = await optCheckpoint(o, d);
  return printXml(ctx, o, await c.getXMLDesc(flags));
}

async function checkpointParent(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const c = await optCheckpoint(o, d);
  const parent = await parentName(ctx, c);
  if (parent === null) throw new CliError(`checkpoint '${c.name}' has no parent`);
  ctx.print(parent);
  return true;
}

async function checkpointDelete(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const c = await optCheckpoint(o, d);
  let flags = 0;
  if (o.bool('children')) flags |= Del.CHILDREN;
  if (o.bool('children-only')) flags |= Del.CHILDREN_ONLY;
  if (o.bool('metadata')) flags |= Del.METADATA_ONLY;
  try { await c.delete(flags); } catch (e) { throw new CmdError(`Failed to delete checkpoint ${c.name}`, e); }
  ctx.printExtra(flags & Del.CHILDREN_ONLY ? `Domain checkpoint ${c.name} children deleted\n` : `Domain checkpoint ${c.name} deleted\n`);
  return true;
}

/**
 * cmdCheckpointEdit: the secure XML through $EDITOR, redefined; a new name is undone (its
 * metadata deleted) and refused, and every failure after the lookup ends with virsh's
 * "Failed to update NAME".
 */
async function checkpointEdit(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const c = await optCheckpoint(o, d);
  let ok = false;
  try {
    const r = await editXml(ctx, {
      getXml: () => c.getXMLDesc(X.SECURE),
      define: (doc) => d.checkpointCreateXML(doc, C.REDEFINE),
    });
    if (r.kind === 'unchanged') {
      ctx.printExtra(`Checkpoint ${c.name} XML configuration not changed.\n`);
      ok = true;
    } else if (r.kind === 'defined' && r.value.name === c.name) {
      ctx.printExtra(`Checkpoint ${c.name} edited.\n`);
      ok = true;
    } else if (r.kind === 'defined') {
      try {
        await r.value.delete(Del.METADATA_ONLY);
        ctx.error(`Cannot rename checkpoint ${c.name} to ${r.value.name}`);
      } catch (e) {
        ctx.error(e instanceof Error ? e.message : String(e));
        ctx.error(`Failed to clean up ${r.value.name}`);
      }
    }
  } catch (e) {
    ctx.error(e instanceof Error ? e.message : String(e));
  }
  if (!ok) throw new CliError(`Failed to update ${c.name}`);
  return true;
}

export const handlers: HandlerTable = {
  'checkpoint-create': checkpointCreate, 'checkpoint-create-as': checkpointCreateAs, 'checkpoint-list': checkpointList,
  'checkpoint-info': checkpointInfo, 'checkpoint-dumpxml': checkpointDumpxml, 'checkpoint-parent': checkpointParent,
  'checkpoint-delete': checkpointDelete, 'checkpoint-edit': checkpointEdit,
};
