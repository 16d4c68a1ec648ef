// The remaining domain commands: managedsave-dumpxml, managedsave-define, managedsave-edit and
// the migration tuning commands (migrate-getspeed, migrate-setspeed, migrate-getmaxdowntime,
// migrate-setmaxdowntime, migrate-compcache, migrate-postcopy).
// libvirt counterpart: tools/virsh-domain.c (cmdManagedSave*, cmdMigrate*).
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { exclusive, prettyCapacity, printXml } from './format.js';
import { optDomain } from './lookup.js';
import { readXmlFile } from './domain_lifecycle.js';
import { editXml } from './editor.js';

/** VIR_DOMAIN_SAVE_RUNNING / VIR_DOMAIN_SAVE_PAUSED */
const SAVE_RUNNING = 2;
const SAVE_PAUSED = 4;
/** VIR_DOMAIN_SAVE_IMAGE_XML_SECURE */
const XML_SECURE = 1;
/** VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY */
const MAX_SPEED_POSTCOPY = 1;
/** unsigned long on the 64-bit hosts virsh runs on */
const ULONG_MAX = (1n << 64n) - 1n;

const saveFlags = (o: CmdOpts) => (o.bool('running') ? SAVE_RUNNING : 0) | (o.bool('paused') ? SAVE_PAUSED : 0);
/** a wire uhyper as a JS value: a number while exact */
const hyper = (v: bigint) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

async function managedsaveDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const xml = await d.managedSaveGetXMLDesc(o.bool('security-info') ? XML_SECURE : 0);
  return printXml(ctx, o, xml);
}

/** virsh reads the file before it looks the domain up */
async function managedsaveDefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'running', 'paused');
  const xml = readXmlFile(o.string('xml')!);
  const d = await optDomain(ctx, o);
  try { await d.managedSaveDefineXML(xml, saveFlags(o)); } catch (e) { throw new CmdError(`Failed to update ${d.name} XML configuration`, e); }
  ctx.printExtra(`Managed save state file of domain '${d.name}' updated.\n`);
  return true;
}

async function managedsaveEdit(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'running', 'paused');
  const d = await optDomain(ctx, o);
  const flags = saveFlags(o);
  const r = await editXml(ctx, {
    getXml: () => d.managedSaveGetXMLDesc(XML_SECURE),
    define: (doc) => d.managedSaveDefineXML(doc, flags),
  });
  if (r.kind === 'abandoned') return false;
  // virsh's two messages spell 'domain' differently
  ctx.printExtra(r.kind === 'unchanged' ? `Managed save image of domain '${d.name}' XML configuration not changed.\n`
    : `Managed save image of Domain '${d.name}' XML configuration edited.\n`);
  return true;
}

async function migrateGetspeed(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const bw = await d.migrateGetMaxSpeed(o.bool('postcopy') ? MAX_SPEED_POSTCOPY : 0);
  ctx.print(`${bw}\n`);
  return true;
}

/** the bandwidth is vshCommandOptULWrap: a negative number wraps around unsigned long */
async function migrateSetspeed(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const raw = o.raw('bandwidth') ?? '';
  const bad = () => new CliError(`Numeric value '${raw}' for <bandwidth> option is malformed or out of range`);
  if (!/^\s*[-+]?\d+$/.test(raw)) throw bad();
  let v = BigInt(raw.trim());
  if (v < 0n) {
    if (-v > ULONG_MAX) throw bad();
    v = ULONG_MAX + 1n + v;
  }
  if (v > ULONG_MAX) throw bad();
  await d.migrateSetMaxSpeed(hyper(v), o.bool('postcopy') ? MAX_SPEED_POSTCOPY : 0);
  return true;
}

async function migrateGetmaxdowntime(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  ctx.print(`${await d.migrateGetMaxDowntime(0)}\n`);
  return true;
}

async function migrateSetmaxdowntime(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const downtime = o.ull('downtime')!;
  if (downtime < 1) throw new CliError('migrate: Invalid downtime');
  await d.migrateSetMaxDowntime(downtime, 0);
  return true;
}

/** sets the size when --size is given, then prints the size in force (virsh adds no newline) */
async function migrateCompcache(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const size = o.ull('size');
  if (size !== undefined) await d.migrateSetCompressionCache(size, 0);
  const now = Number(await d.migrateGetCompressionCache(0));
  const [value, unit] = prettyCapacity(now);
  ctx.print(`Compression cache: ${value.toFixed(3)} ${unit}`);
  return true;
}

async function migratePostcopy(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  await d.migrateStartPostCopy(0);
  return true;
}

export const handlers: HandlerTable = {
  'managedsave-dumpxml': managedsaveDumpxml, 'managedsave-define': managedsaveDefine, 'managedsave-edit': managedsaveEdit,
  'migrate-getspeed': migrateGetspeed, 'migrate-setspeed': migrateSetspeed, 'migrate-getmaxdowntime': migrateGetmaxdowntime,
  'migrate-setmaxdowntime': migrateSetmaxdowntime, 'migrate-compcache': migrateCompcache, 'migrate-postcopy': migratePostcopy,
};
