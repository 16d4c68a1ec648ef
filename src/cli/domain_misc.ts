// Domain commands: iothreadadd, iothreaddel, iothreadset, iothreadpin, set-user-password,
// send-process-signal, dump, save-image-dumpxml, save-image-define, screenshot, domlaunchsecinfo.
// libvirt counterpart: tools/virsh-domain.c (cmdIOThread*, cmdSetUserPassword,
// cmdSendProcessSignal, cmdDump, cmdSaveImage*, cmdScreenshot, cmdDomLaunchSecInfo).
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { affectFlags, printXml, typedParamValue } from './format.js';
import { optDomain } from './lookup.js';
import { readXmlFile } from './domain_lifecycle.js';
import { parseCpuList } from './domain_extra.js';
import { type TypedParam, TypedParamType } from '../drivers/driver.js';
import { constants as fsc } from 'node:fs';
import { open as fsOpen, unlink, type FileHandle } from 'node:fs/promises';

/** virshDomainProcessSignal names by number: nop, the classic signals, then rt0..rt32 */
const SIGNAL_NAMES = [
  'nop', 'hup', 'int', 'quit', 'ill', 'trap', 'abrt', 'bus', 'fpe', 'kill', 'usr1', 'segv', 'usr2', 'pipe', 'alrm', 'term',
  'stkflt', 'chld', 'cont', 'stop', 'tstp', 'ttin', 'ttou', 'urg', 'xcpu', 'xfsz', 'vtalrm', 'prof', 'winch', 'poll', 'pwr', 'sys',
  ...Array.from({ length: 33 }, (_, i) => `rt${i}`),
];

/** virshDomainCoreDumpFormat names, by virDomainCoreDumpFormat value */
const DUMP_FORMATS = ['elf', 'kdump-zlib', 'kdump-lzo', 'kdump-snappy', 'win-dmp'];

/** vshCommandOptInt for an IOThread id, then virsh's own positive check */
function iothreadId(o: CmdOpts): number {
  const id = o.int('id')!;
  if (id <= 0) throw new CliError(`Invalid IOThread id value: '${id}'`);
  return id;
}

async function iothreadadd(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  await d.addIOThread(iothreadId(o), flags);
  return true;
}

async function iothreaddel(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  await d.delIOThread(iothreadId(o), flags);
  return true;
}

async function iothreadpin(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const id = o.uint('iothread')!;
  const cpulist = o.string('cpulist')!;
  // virshNodeGetCPUCount: the host's CPU map size bounds the list
  const maxcpu = (await (await ctx.conn()).nodeGetCPUMap(0)).ret;
  await d.pinIOThread(id, parseCpuList(cpulist, maxcpu), flags);
  return true;
}

async function iothreadset(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const id = iothreadId(o);
  const params: TypedParam[] = [];
  const add = (field: string, type: TypedParamType, value: number | undefined) => {
    if (value !== undefined) params.push({ field, type, value });
  };
  add('poll_max_ns', TypedParamType.ULLONG, o.ull('poll-max-ns'));
  add('poll_grow', TypedParamType.UINT, o.uint('poll-grow'));
  add('poll_shrink', TypedParamType.UINT, o.uint('poll-shrink'));
  add('thread_pool_min', TypedParamType.INT, o.int('thread-pool-min'));
  add('thread_pool_max', TypedParamType.INT, o.int('thread-pool-max'));
  if (!params.length) throw new CliError('Not enough arguments passed, nothing to set');
  await d.setIOThreadParams(id, params, flags);
  return true;
}

async function setUserPassword(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const user = o.string('user')!;
  const password = o.string('password')!;
  await d.setUserPassword(user, password, o.bool('encrypted') ? 1 : 0);
  // no newline: the blank line after every command ends it, as in virsh
  ctx.printExtra(`Password set successfully for ${user} in ${d.name}`);
  return true;
}

/** virsh's getSignalNumber: a decimal number, else a name with or without "sig", any case */
function signalNumber(name: string): number {
  const s = name.toLowerCase();
  // virStrToLong_i: the whole string, leading blanks and a sign allowed, within int range
  if (/^[ \t\n\v\f\r]*[+-]?\d+$/.test(s)) {
    const n = Number(s.trim());
    return n >= -(2 ** 31) && n < 2 ** 31 ? n : -1;
  }
  return SIGNAL_NAMES.indexOf(s.startsWith('sig') ? s.slice(3) : s);
}

async function sendProcessSignal(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const pid = o.ll('pid')!;
  const signame = o.string('signame')!;
  const signum = signalNumber(signame);
  if (signum < 0) throw new CliError(`malformed signal name: ${signame}`);
  await d.sendProcessSignal(pid, signum, 0);
  return true;
}

async function dump(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const to = o.string('file')!;
  const name = o.string('domain')!;
  const d = await optDomain(ctx, o);
  // virDomainCoreDumpFlags
  const flags = (o.bool('crash') ? 1 : 0) | (o.bool('live') ? 2 : 0) | (o.bool('bypass-cache') ? 4 : 0)
    | (o.bool('reset') ? 8 : 0) | (o.bool('memory-only') ? 16 : 0);
  let dumpformat = 0;
  if (o.bool('format')) {
    if (!(flags & 16)) throw new CliError('--format only works with --memory-only');
    const format = o.string('format')!;
    dumpformat = DUMP_FORMATS.indexOf(format);
    if (dumpformat < 0) {
      throw new CliError(`format '${format}' is not supported, expecting 'kdump-zlib', 'kdump-lzo', 'kdump-snappy', 'win-dmp' or 'elf'`);
    }
  }
  // elf is the plain dump: virsh then uses the older call
  try { await d.coreDump(to, flags, dumpformat ? dumpformat : undefined); } catch (e) {
    throw new CmdError(`Failed to core dump domain '${name}' to ${to}`, e);
  }
  // virsh's job watcher ends its (empty) progress line first
  ctx.printExtra(`\nDomain '${name}' dumped to ${to}\n`);
  return true;
}

async function saveImageDumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const file = o.string('file')!;
  const conn = await ctx.conn();
  const xml = await conn.domainSaveImageGetXMLDesc(file, o.bool('security-info') ? 1 : 0);
  return printXml(ctx, o, xml);
}

async function saveImageDefine(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const file = o.string('file')!;
  const xml = readXmlFile(o.string('xml')!);
  const flags = (o.bool('running') ? 2 : 0) | (o.bool('paused') ? 4 : 0);
  const conn = await ctx.conn();
  try { await conn.domainSaveImageDefineXML(file, xml, flags); } catch (e) { throw new CmdError(`Failed to update ${file}`, e); }
  ctx.printExtra(`State file ${file} updated.\n`);
  return true;
}

/** virshGenFileName: DOMAIN-YYYY-MM-DD-HH:MM:SS.EXT in local time, the extension from the MIME type */
function screenshotFileName(domain: string, mime: string): string {
  const t = new Date();
  const p2 = (n: number) => String(n).padStart(2, '0');
  const now = `${t.getFullYear()}-${p2(t.getMonth() + 1)}-${p2(t.getDate())}-${p2(t.getHours())}:${p2(t.getMinutes())}:${p2(t.getSeconds())}`;
  const ext = mime === 'image/x-portable-pixmap' ? '.ppm' : mime === 'image/png' ? '.png' : '';
  return `${domain}-${now}${ext}`;
}

async function screenshot(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const name = o.string('domain')!;
  const d = await optDomain(ctx, o);
  let file = o.string('file');
  const screen = o.uint('screen') ?? 0;
  let shot;
  try { shot = await d.screenshot(screen, 0); } catch (e) { throw new CmdError(`could not take a screenshot of ${name}`, e); }
  const { stream, mime } = shot;
  if (mime === null) { stream.abort(); throw new CliError(`could not take a screenshot of ${name}`); }
  file ??= screenshotFileName(d.name, mime);
  // a new file, else an existing one truncated; only a file made here is removed on failure
  let out: FileHandle;
  let created = false;
  try {
    out = await fsOpen(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o666);
    created = true;
  } catch (e) {
    try {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      out = await fsOpen(file, fsc.O_WRONLY | fsc.O_TRUNC, 0o666);
    } catch {
      stream.abort();
      throw new CliError(`cannot create file ${file}`);
    }
  }
  try {
    for await (const chunk of stream) {
      if (Buffer.isBuffer(chunk)) await out.write(chunk);
    }
  } catch (e) {
    await out.close().catch(() => undefined);
    if (created) await unlink(file).catch(() => undefined);
    throw new CmdError(`could not receive data from domain ${name}`, e);
  }
  await out.close();
  await stream.finish();
  // no newline: the blank line after every command ends it, as in virsh
  ctx.printExtra(`Screenshot saved to ${file}, with type of ${mime}`);
  return true;
}

async function domlaunchsecinfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  let params: TypedParam[];
  try { params = await d.getLaunchSecurityInfo(0); } catch (e) { throw new CmdError('Unable to get launch security parameters', e); }
  ctx.print(params.map((p) => `${p.field.padEnd(15)}: ${typedParamValue(p)}\n`).join(''));
  return true;
}

export const handlers: HandlerTable = {
  iothreadadd, iothreaddel, iothreadpin, iothreadset,
  'set-user-password': setUserPassword, 'send-process-signal': sendProcessSignal,
  dump, 'save-image-dumpxml': saveImageDumpxml, 'save-image-define': saveImageDefine,
  domlaunchsecinfo, screenshot,
};
