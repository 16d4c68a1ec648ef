// The remaining domain commands: managedsave-dumpxml, managedsave-define, managedsave-edit and
// the migration tuning commands (migrate-getspeed, migrate-setspeed, migrate-getmaxdowntime,
// migrate-setmaxdowntime, migrate-compcache, migrate-postcopy) and the guest-agent commands
// (qemu-agent-command, guest-agent-timeout, guestinfo, guestvcpus, get-user-sshkeys, set-user-sshkeys),
// backup-begin, backup-dumpxml, domdirtyrate-calc, domsetlaunchsecstate, domxml-from-native, qemu-attach,
// blockjob (cmdBlockjob).
// libvirt counterpart: tools/virsh-domain.c (cmdManagedSave*, cmdMigrate*, cmdQemuAgentCommand,
// cmdGuestAgentTimeout, cmdGuestInfo, cmdGuestvcpus, cmdGetUserSSHKeys, cmdSetUserSSHKeys).
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, scaleSuffix, type CmdOpts } from './opts.js';
import { exclusive, prettyCapacity, printXml, typedParamValue } from './format.js';
import { optDomain } from './lookup.js';
import { readXmlFile, saveFlags } from './domain_lifecycle.js';
import { editXml } from './editor.js';
import { type TypedParam, TypedParamType } from '../drivers/driver.js';
import { readFileSync } from 'node:fs';

/** VIR_DOMAIN_SAVE_IMAGE_XML_SECURE */
const XML_SECURE = 1;
/** VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY */
const MAX_SPEED_POSTCOPY = 1;
/** unsigned long on the 64-bit hosts virsh runs on */
const ULONG_MAX = (1n << 64n) - 1n;

/** a wire uhyper as a JS value: a number while exact */
const hyper = (v: bigint) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

async function managedsaveDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const xml = await d.managedSaveGetXMLDesc(o.bool('security-info') ? XML_SECURE : 0);
  return printXml(ctx, o, xml);
}

/** virsh reads the file before it looks the domain up */
async function managedsaveDefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = saveFlags(o);
  const xml = readXmlFile(o.string('xml')!);
  const d = await optDomain(ctx, o);
  try { await d.managedSaveDefineXML(xml, flags); } catch (e) { throw new CmdError(`Failed to update ${d.name} XML configuration`, e); }
  ctx.printExtra(`Managed save state file of domain '${d.name}' updated.\n`);
  return true;
}

async function managedsaveEdit(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = saveFlags(o);
  const d = await optDomain(ctx, o);
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

/** VIR_DOMAIN_QEMU_AGENT_COMMAND_* timeouts */
const AGENT_BLOCK = -2;
const AGENT_DEFAULT = -1;
const AGENT_NOWAIT = 0;
/** VIR_DOMAIN_GUEST_INFO_* bits, by option */
const GUEST_INFO_TYPES: [string, number][] = [['user', 1], ['os', 2], ['timezone', 4], ['hostname', 8], ['filesystem', 16],
  ['disk', 32], ['interface', 64]];
/** VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND / _REMOVE */
const SSH_KEYS_APPEND = 1;
const SSH_KEYS_REMOVE = 2;

/** the words of --cmd joined by blanks; one of --timeout (>= 1), --async, --block */
async function qemuAgentCommand(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const cmd = o.argv('cmd').join(' ');
  let timeout = AGENT_DEFAULT;
  let judge = 0;
  const t = o.int('timeout');
  if (t !== undefined) {
    if (t < 1) throw new CliError('timeout must be positive');
    timeout = t;
    judge++;
  }
  if (o.bool('async')) { timeout = AGENT_NOWAIT; judge++; }
  if (o.bool('block')) { timeout = AGENT_BLOCK; judge++; }
  if (judge > 1) throw new CliError('timeout, async and block options are exclusive');
  const result = await d.qemuAgentCommand(cmd, timeout, 0);
  if (result === null) return true;
  ctx.print(`${o.bool('pretty') ? JSON.stringify(JSON.parse(result), null, 2) : result}\n`);
  return true;
}

async function guestAgentTimeout(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const timeout = o.int('timeout') ?? AGENT_DEFAULT;
  await d.agentSetResponseTimeout(timeout, 0);
  return true;
}

const printParams = (ctx: Ctx, params: TypedParam[], width: number) => {
  for (const p of params) ctx.print(`${p.field.padEnd(width)}: ${typedParamValue(p)}\n`);
};

async function guestinfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let types = 0;
  for (const [opt, bit] of GUEST_INFO_TYPES) if (o.bool(opt)) types |= bit;
  const d = await optDomain(ctx, o);
  printParams(ctx, await d.getGuestInfo(types, 0), 20);
  return true;
}

/** the option checks come before the domain; without --cpulist the guest's cpus are listed */
async function guestvcpus(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'enable', 'disable');
  for (const opt of ['enable', 'disable']) {
    if (o.bool(opt) && !o.bool('cpulist')) throw new CliError(`Option --cpulist is required by option --${opt}`);
  }
  const cpulist = o.string('cpulist');
  if (cpulist !== undefined && !o.bool('enable') && !o.bool('disable')) {
    throw new CliError('One of options --enable or --disable is required by option --cpulist');
  }
  const d = await optDomain(ctx, o);
  if (cpulist !== undefined) {
    await d.setGuestVcpus(cpulist, o.bool('enable'), 0);
    return true;
  }
  printParams(ctx, await d.getGuestVcpus(0), 15);
  return true;
}

async function getUserSshkeys(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const user = o.string('user')!;
  for (const k of await d.authorizedSSHKeysGet(user, 0)) ctx.print(`${k}\n`);
  return true;
}

/** keys are the file's lines; without --file only --reset (clear the keys) makes sense */
async function setUserSshkeys(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'reset', 'remove');
  if (o.bool('remove') && !o.bool('file')) throw new CliError('Option --file is required by option --remove');
  const d = await optDomain(ctx, o);
  const user = o.string('user')!;
  const file = o.string('file');
  let keys: string[] = [];
  if (file === undefined) {
    if (!o.bool('reset')) throw new CliError('Option --file is required');
  } else {
    const text = readXmlFile(file);
    keys = text === '' ? [] : text.split('\n');
    if (keys.length === 0) throw new CliError(`File ${file} contains no keys`);
  }
  const flags = o.bool('remove') ? SSH_KEYS_REMOVE : o.bool('reset') ? 0 : SSH_KEYS_APPEND;
  await d.authorizedSSHKeysSet(user, keys, flags);
  return true;
}

/** VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL */
const BACKUP_REUSE_EXTERNAL = 1;
/** virDomainDirtyRateCalcFlags by --mode */
const DIRTYRATE_MODES: Record<string, number> = { 'page-sampling': 0, 'dirty-bitmap': 1, 'dirty-ring': 2 };

/** the domain, then each XML file in turn; without --backupxml an empty push backup of every disk */
async function backupBegin(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const bfile = o.string('backupxml');
  const backupXml = bfile === undefined ? '<domainbackup/>' : readXmlFile(bfile);
  const cfile = o.string('checkpointxml');
  const checkpointXml = cfile === undefined ? null : readXmlFile(cfile);
  await d.backupBegin(backupXml, checkpointXml, o.bool('reuse-external') ? BACKUP_REUSE_EXTERNAL : 0);
  ctx.print('Backup started\n');
  return true;
}

async function backupDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  return printXml(ctx, o, await d.backupGetXMLDesc(0));
}

async function domdirtyrateCalc(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const seconds = o.int('seconds') ?? 1;
  const mode = o.string('mode');
  let flags = 0;
  if (mode !== undefined) {
    const m = DIRTYRATE_MODES[mode];
    if (m === undefined) throw new CliError(`Unknown calculation mode '${mode}'`);
    flags = m;
  }
  await d.startDirtyRateCalc(seconds, flags);
  ctx.printExtra("Start to calculate domain's memory dirty rate successfully.\n");
  return true;
}

/** a file's bytes (the secret may be binary), with readXmlFile's messages for a file that cannot be read */
function readBinary(path: string): Buffer {
  try { return readFileSync(path); } catch { readXmlFile(path); throw new CliError(`Failed to read file '${path}'`); }
}

/** both files are needed; they go base64-encoded, with the guest address when given */
async function domsetlaunchsecstate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const hdrFile = o.string('secrethdr');
  const secretFile = o.string('secret');
  if (hdrFile === undefined || secretFile === undefined) throw new CliError('Both secret and the secret header are required');
  const hdr = readBinary(hdrFile).toString('base64');
  const secret = readBinary(secretFile).toString('base64');
  const address = o.ull('set-address');
  const params: TypedParam[] = [
    { field: 'sev-secret-header', type: TypedParamType.STRING, value: hdr },
    { field: 'sev-secret', type: TypedParamType.STRING, value: secret },
  ];
  if (address !== undefined) params.push({ field: 'sev-secret-set-address', type: TypedParamType.ULLONG, value: address });
  try { await d.setLaunchSecurityState(params, 0); } catch (e) { throw new CmdError('Unable to set launch security state', e); }
  return true;
}

async function domxmlFromNative(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const format = o.string('format')!;
  const config = readXmlFile(o.string('config')!);
  const conn = await ctx.conn();
  ctx.print(await conn.domainXMLFromNative(format, config, 0));
  return true;
}

async function qemuAttach(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const pid = o.uint('pid')!;
  const conn = await ctx.conn();
  let name: string;
  try { name = (await conn.qemuAttach(pid, 0)).name; } catch (e) { throw new CmdError(`Failed to attach to pid ${pid}`, e); }
  ctx.printExtra(`Domain '${name}' attached to pid ${pid}\n`);
  return true;
}

/** virDomainBlockJobType as virsh names it */
const BLOCK_JOB_TYPES = ['Unknown', 'Block Pull', 'Block Copy', 'Block Commit', 'Active Block Commit', 'Backup'];
const BLOCK_JOB_BYTES = 1;
const BLOCK_JOB_ABORT_ASYNC = 1;
const BLOCK_JOB_ABORT_PIVOT = 2;

/**
 * virsh's --bandwidth: a plain unsigned long (negative numbers wrap), else a number with a unit
 * (bytes unless told, at most ULONG_MAX); the unit's error follows virsh's own line.
 */
function blockJobBandwidth(raw: string, bytes: boolean): bigint {
  if (/^\s*[-+]?\d+$/.test(raw)) {
    let v = BigInt(raw.trim());
    if (v < 0n && -v <= ULONG_MAX) v = ULONG_MAX + 1n + v;
    if (v >= 0n && v <= ULONG_MAX) return v;
  }
  const bad = `Scaled numeric value '${raw}' for <--bandwidth> option is malformed or out of range`;
  const m = /^\s*\+?(\d+)(.*)$/s.exec(raw);
  if (!m || BigInt(m[1]!) > ULONG_MAX) throw new CliError(bad);
  const mult = scaleSuffix(m[2]!, 1);
  if (mult === null) throw new CmdError(bad, new CliError(`invalid argument: unknown suffix '${m[2]}'`));
  const v = BigInt(m[1]!) * mult;
  if (v > ULONG_MAX) throw new CmdError(bad, new CliError(`numerical overflow: value too large: ${m[1]}${m[2]}`));
  // a scaled value is in bytes; without --bytes the call takes MiB/s
  return bytes ? v : v >> 20n;
}

async function blockjob(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const bw = o.bool('bandwidth');
  for (const a of ['raw', 'info']) for (const b of ['abort', 'pivot', 'async', 'bandwidth']) exclusive(o, a, b);
  for (const b of ['abort', 'pivot', 'async']) exclusive(o, 'bytes', b);
  const d = await optDomain(ctx, o);
  const path = o.string('path')!;
  const bytes = o.bool('bytes');
  if (bw) {
    const v = blockJobBandwidth(o.raw('bandwidth') ?? '', bytes);
    await d.blockJobSetSpeed(path, hyper(v), bytes ? BLOCK_JOB_BYTES : 0);
    return true;
  }
  if (o.bool('abort') || o.bool('pivot') || o.bool('async')) {
    await d.blockJobAbort(path, (o.bool('async') ? BLOCK_JOB_ABORT_ASYNC : 0) | (o.bool('pivot') ? BLOCK_JOB_ABORT_PIVOT : 0));
    return true;
  }
  const info = await d.getBlockJobInfo(path, bytes ? BLOCK_JOB_BYTES : 0);
  const raw = o.bool('raw');
  if (!info.found) {
    if (!raw) ctx.printExtra(`No current block job for ${path}\n`);
    return true;
  }
  if (raw) {
    ctx.print(` type=${info.type}\n bandwidth=${info.bandwidth}\n cur=${info.cur}\n end=${info.end}\n`);
    return true;
  }
  const pct = info.end === 0 ? 100 : Math.floor((info.cur * 100) / info.end);
  process.stderr.write(`\r${BLOCK_JOB_TYPES[info.type] ?? BLOCK_JOB_TYPES[0]}: [${String(pct).padStart(3)} %]`);
  if (info.bandwidth) {
    const speed = bytes ? info.bandwidth : info.bandwidth * 1024 * 1024;
    const [value, unit] = prettyCapacity(speed);
    ctx.print(`    Bandwidth limit: ${speed} bytes/s (${value.toFixed(3)} ${unit}/s)`);
  }
  ctx.print('\n');
  return true;
}

export const handlers: HandlerTable = {
  blockjob,
  'backup-begin': backupBegin, 'backup-dumpxml': backupDumpxml, 'domdirtyrate-calc': domdirtyrateCalc,
  domsetlaunchsecstate, 'domxml-from-native': domxmlFromNative, 'qemu-attach': qemuAttach,
  'qemu-agent-command': qemuAgentCommand, 'guest-agent-timeout': guestAgentTimeout, guestinfo, guestvcpus,
  'get-user-sshkeys': getUserSshkeys, 'set-user-sshkeys': setUserSshkeys,
  'managedsave-dumpxml': managedsaveDumpxml, 'managedsave-define': managedsaveDefine, 'managedsave-edit': managedsaveEdit,
  'migrate-getspeed': migrateGetspeed, 'migrate-setspeed': migrateSetspeed, 'migrate-getmaxdowntime': migrateGetmaxdowntime,
  'migrate-setmaxdowntime': migrateSetmaxdowntime, 'migrate-compcache': migrateCompcache, 'migrate-postcopy': migratePostcopy,
};
