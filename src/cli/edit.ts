// The editor commands: edit, net-edit, pool-edit, snapshot-edit, save-image-edit. Each dumps the object's
// definition, runs $VISUAL/$EDITOR on it and defines the result (see editor.ts).
// libvirt counterpart: cmdEdit (tools/virsh-domain.c), cmdNetworkEdit, cmdPoolEdit,
// cmdSnapshotEdit, cmdSaveImageEdit.
import { DomainSnapshotCreateFlags as SC, DomainSnapshotDeleteFlags, DomainXMLFlags, NetworkXMLFlags, StorageXMLFlags } from '../api/constants.js';
import type { Domain } from '../api/domain.js';
import type { DomainSnapshot } from '../api/snapshot.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, type CmdOpts } from './opts.js';
import { exclusive } from './format.js';
import { editDefinition, editXml } from './editor.js';
import { ErrorNumber, VirError } from '../util/error.js';
import { optDomain, optNetwork, optPool } from './lookup.js';
import { optSnapshot } from './snapshot.js';
import { saveFlags } from './domain_lifecycle.js';

/** VIR_DOMAIN_DEFINE_VALIDATE */
const DEFINE_VALIDATE = 1;

async function edit(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const conn = await ctx.conn();
  const validate = !o.bool('skip-validate');
  return editDefinition(ctx, d.name, (n) => `Domain '${n}'`, {
    getXml: () => d.getXMLDesc(DomainXMLFlags.SECURE | DomainXMLFlags.INACTIVE),
    define: (doc, relaxed) => conn.defineDomainXML(doc, validate && !relaxed ? DEFINE_VALIDATE : 0),
    relax: true,
  });
}

/**
 * The persistent definition where the driver can tell it apart; a driver that refuses the
 * flag (libvirt's test driver does, INVALID_ARG) gives its one definition (virshNetworkGetXMLDesc).
 */
async function inactiveXml(get: (flags: number) => Promise<string>, inactive: number): Promise<string> {
  try {
    return await get(inactive);
  } catch (e) {
    if (e instanceof VirError && e.code === ErrorNumber.INVALID_ARG) return get(0);
    throw e;
  }
}

async function netEdit(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = await optNetwork(ctx, o);
  const conn = await ctx.conn();
  return editDefinition(ctx, n.name, (name) => `Network ${name}`, {
    getXml: () => inactiveXml((f) => n.getXMLDesc(f), NetworkXMLFlags.INACTIVE),
    define: (doc) => conn.defineNetworkXML(doc, 0),
  });
}

async function poolEdit(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const p = await optPool(ctx, o);
  const conn = await ctx.conn();
  return editDefinition(ctx, p.name, (name) => `Pool ${name}`, {
    getXml: () => inactiveXml((f) => p.getXMLDesc(f), StorageXMLFlags.INACTIVE),
    define: (doc) => conn.defineStoragePoolXML(doc, 0),
  });
}

async function snapshotEdit(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'rename', 'clone');
  let flags: number = SC.REDEFINE;
  // --current alone names the snapshot to edit; with a name it also makes that one current
  if (o.bool('current') && o.string('snapshotname') !== undefined) flags |= SC.CURRENT;
  const d = await optDomain(ctx, o);
  const snap = await optSnapshot(ctx, o, d);
  let ok: boolean;
  try {
    ok = await snapshotEditDefine(ctx, o, d, snap, flags);
  } catch (e) {
    ctx.error(e instanceof Error ? e.message : String(e));
    ok = false;
  }
  // virsh ends every failure after the lookup with this line
  if (!ok) throw new CliError(`Failed to update ${snap.name}`);
  return true;
}

async function snapshotEditDefine(ctx: Ctx, o: CmdOpts, d: Domain, snap: DomainSnapshot, flags: number): Promise<boolean> {
  const name = snap.name;
  let original = '';
  const r = await editXml(ctx, {
    getXml: async () => (original = await snap.getXMLDesc(DomainXMLFlags.SECURE)),
    define: (doc) => d.snapshotCreateXML(doc, flags | (original.includes('<state>disk-snapshot</state>') ? SC.DISK_ONLY : 0)),
    defineUnchanged: (flags & SC.CURRENT) !== 0,
  });
  if (r.kind === 'abandoned') return false;
  if (r.kind === 'unchanged') { ctx.printExtra(`Snapshot ${name} XML configuration not changed.\n`); return true; }
  const edited = r.value;
  if (edited.name === name) { ctx.printExtra(`Snapshot ${name} edited.\n`); return true; }
  if (o.bool('clone')) { ctx.printExtra(`Snapshot ${name} cloned to ${edited.name}.\n`); return true; }
  // a new name without --clone: drop the old one (--rename) or undo the new one
  const rename = o.bool('rename');
  try {
    await (rename ? snap : edited).delete(DomainSnapshotDeleteFlags.METADATA_ONLY);
  } catch (e) {
    ctx.error(e instanceof Error ? e.message : String(e));
    ctx.error(`Failed to clean up ${rename ? name : edited.name}`);
    return false;
  }
  if (rename) return true;
  ctx.error(`Must use --rename or --clone to change ${name} to ${edited.name}`);
  return false;
}

/** VIR_DOMAIN_SAVE_IMAGE_XML_SECURE */
const SAVE_IMAGE_XML_SECURE = 1;

async function saveImageEdit(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = saveFlags(o);
  const file = o.string('file')!;
  const conn = await ctx.conn();
  const r = await editXml(ctx, {
    getXml: () => conn.domainSaveImageGetXMLDesc(file, SAVE_IMAGE_XML_SECURE),
    define: (doc) => conn.domainSaveImageDefineXML(file, doc, flags),
  });
  if (r.kind === 'abandoned') return false;
  ctx.printExtra(r.kind === 'unchanged' ? `Saved image ${file} XML configuration not changed.\n` : `State file ${file} edited.\n`);
  return true;
}

export const handlers: HandlerTable = {
  edit, 'net-edit': netEdit, 'pool-edit': poolEdit, 'snapshot-edit': snapshotEdit, 'save-image-edit': saveImageEdit,
};
