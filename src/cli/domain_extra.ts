// More domain commands: domcontrol, domblkerror, domtime, inject-nmi, send-key, domif-getlink,
// domif-setlink, set-lifecycle-action, metadata, domfsinfo, domfsfreeze, domfsthaw, domfstrim, numatune,
// vcpupin, emulatorpin, iothreadinfo, perf, cpu-stats, setvcpu.
// libvirt counterpart: tools/virsh-domain-monitor.c (domcontrol, domblkerror) and
// tools/virsh-domain.c (domtime, inject-nmi, send-key).
import { macParse } from '../conf/mac.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { attrAt, child, childrenNamed, domainXml } from './domain_util.js';
import { affectFlags, exclusive, pad, typedParamValue } from './format.js';
import { type TypedParam, TypedParamType } from '../drivers/driver.js';
import { optDomain } from './lookup.js';
import { Table } from './table.js';
import { formatCpuset, parseCpuset } from '../conf/domain_util.js';
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';
import type { Domain } from '../api/domain.js';

const CONTROL_STATES = ['ok', 'background job', 'occupied', 'error'];
const CONTROL_ERROR_REASONS = ['none', 'unknown', 'monitor failure', 'internal (locking) error'];

async function domcontrol(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const i = await d.getControlInfo(0);
  const state = CONTROL_STATES[i.state] ?? 'unknown';
  if (i.state !== 0 && i.state !== 3) ctx.print(`${state} (${(i.stateTime / 1000).toFixed(3)}s)\n`);
  else if (i.state === 3 && i.details > 0) ctx.print(`${state}: ${CONTROL_ERROR_REASONS[i.details] ?? 'unknown'}\n`);
  else ctx.print(`${state}\n`);
  return true;
}

const DISK_ERRORS = ['no error', 'unspecified error', 'no space'];

async function domblkerror(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  // first the count, then that many entries (virsh's two calls)
  const count = (await d.getDiskErrors(0, 0)).nerrors;
  const errs = count ? (await d.getDiskErrors(count, 0)).errors : [];
  if (!errs.length) { ctx.print('No errors found\n'); return true; }
  ctx.print(errs.map((e) => `${e.disk}: ${DISK_ERRORS[e.error] ?? 'unknown'}\n`).join(''));
  return true;
}

/** virTimeStringThen: UTC, "%Y-%m-%d %H:%M:%S" */
function timeString(seconds: number): string {
  const t = new Date(seconds * 1000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p2(t.getUTCMonth() + 1)}-${p2(t.getUTCDate())} ${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}`;
}

async function domtime(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'time', 'now');
  exclusive(o, 'time', 'sync');
  exclusive(o, 'now', 'sync');
  const d = await optDomain(ctx, o);
  const set = o.ll('time');
  const now = o.bool('now');
  const sync = o.bool('sync');
  if (set !== undefined || now || sync) {
    // the guest's nanoseconds are set to zero: virsh has no better value
    await d.setTime(now ? Math.floor(Date.now() / 1000) : set ?? 0, 0, sync ? 1 : 0);
    return true;
  }
  const t = await d.getTime(0);
  // no newline: virsh's line is ended by the blank line printed after every command
  ctx.print(o.bool('pretty') ? `Time: ${timeString(t.seconds)}` : `Time: ${t.seconds}`);
  return true;
}

async function injectNmi(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  await d.injectNMI(0);
  return true;
}

/** virKeycodeSet names, in enum order (VIR_KEYCODE_SET_*); "rfb" is the old name of qnum. */
const CODESETS = ['linux', 'xt', 'atset1', 'atset2', 'atset3', 'os_x', 'xt_kbd', 'usb', 'win32', 'qnum'];
const SEND_KEY_MAX = 16;
/** The codesets with key names in libvirt (linux, os_x, win32) and the shape of those names. */
const NAMED: Record<number, RegExp> = { 0: /^(KEY|BTN)_\w+$/, 5: /^[A-Z][A-Za-z]+$/, 8: /^VK_\w+$/ };

/** virStrToLong_i with base 0, then virsh's 0..0xffff range; null when not a number. */
function numericKeycode(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(s);
  if (!m) return null;
  const body = m[2]!;
  const v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  const n = m[1] === '-' ? -v : v;
  return n < 0 || n > 0xffff ? null : n;
}

async function sendKey(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const csName = o.string('codeset') ?? 'linux';
  const codeset = csName === 'rfb' ? 9 : CODESETS.indexOf(csName);
  if (codeset < 0) throw new CliError(`unknown codeset: '${csName}'`);
  const holdtime = o.uint('holdtime') ?? 0;
  const keycodes: number[] = [];
  for (const k of o.argv('keycode')) {
    if (keycodes.length === SEND_KEY_MAX) throw new CliError('too many keycodes');
    const n = numericKeycode(k);
    if (n === null) {
      // virsh also takes key names (KEY_A, ...) from libvirt's keymap tables, which tsvirsh lacks
      if (NAMED[codeset]?.test(k)) {
        throw new CliError(`keycode names are not supported by tsvirsh yet: '${k}'`);
      }
      throw new CliError(`invalid keycode: '${k}'`);
    }
    keycodes.push(n);
  }
  await d.sendKey(codeset, holdtime, keycodes, 0);
  return true;
}

async function domifGetlink(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const iface = o.string('interface')!;
  const d = await optDomain(ctx, o);
  const x = await domainXml(d, o.bool('config') ? 2 : 0);
  // virsh's XPath: a MAC (normalised) or a target device name
  const mac = macParse(iface);
  const devs = child(x, 'devices');
  const hits = (devs ? childrenNamed(devs, 'interface') : [])
    .filter((i) => (mac !== null && attrAt(i, ['mac'], 'address') === mac) || attrAt(i, ['target'], 'dev') === iface);
  if (!hits.length) throw new CliError(mac !== null ? `Interface (mac: ${mac}) not found.` : `Interface (dev: ${iface}) not found.`);
  if (hits.length > 1) throw new CliError('multiple matching interfaces found');
  // no newline: the blank line after the command ends it, as in virsh
  ctx.print(`${iface} ${attrAt(hits[0]!, ['link'], 'state') ?? 'up'}`);
  return true;
}

/**
 * The raw text of each <interface> element of a domain XML as libvirt formats it, in document
 * order, re-serialised the way libxml2's node dump prints it (attributes in double quotes).
 */
function interfaceTexts(xml: string): string[] {
  const out: string[] = [];
  const devs = /<devices>[^]*<\/devices>/.exec(xml)?.[0] ?? '';
  for (const m of devs.matchAll(/<interface[\s>][^]*?<\/interface>/g)) out.push(m[0]);
  return out;
}
const dumpQuotes = (s: string) => s.replace(/(\s[\w:-]+)='([^']*)'/g, (_m, n: string, v: string) => `${n}="${v.replace(/"/g, '&quot;')}"`);

async function domifSetlink(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const iface = o.string('interface')!;
  const state = o.string('state')!;
  const config = o.bool('config');
  const d = await optDomain(ctx, o);
  if (state !== 'up' && state !== 'down') throw new CliError(`invalid link state '${state}'`);
  const xml = await d.getXMLDesc(config ? 2 : 0);
  const x = await domainXml(d, config ? 2 : 0);
  const devs = child(x, 'devices');
  const els = devs ? childrenNamed(devs, 'interface') : [];
  const mac = macParse(iface);
  // virsh walks each interface's children: a matching <mac> (compared as MACs) or <target dev>
  const idx = els.findIndex((i) => i.children.some((c) => typeof c !== 'string' && (
    (c.name === 'mac' && mac !== null && macParse(String(c.attrs['address'] ?? '')) === mac)
    || (c.name === 'target' && c.attrs['dev'] === iface))));
  if (idx < 0) throw new CliError(`interface '${iface}' not found`);
  let text = dumpQuotes(interfaceTexts(xml)[idx]!.replace(/^<interface/, '<interface'));
  const link = /<link\s[^>]*\/>/.exec(text);
  if (link) {
    const updated = /\sstate="[^"]*"/.test(link[0]) ? link[0].replace(/\sstate="[^"]*"/, ` state="${state}"`) : link[0].replace(/\/>$/, ` state="${state}"/>`);
    text = text.replace(link[0], updated);
  } else {
    text = text.replace(/<\/interface>$/, `<link state="${state}"/></interface>`);
  }
  if (o.bool('print-xml')) { ctx.print(text); return true; }
  try {
    await d.updateDevice(text, config ? 2 : 1);
  } catch (e) { throw new CmdError('Failed to update interface link state', e); }
  ctx.printExtra('Device updated successfully\n');
  return true;
}

const LIFECYCLE_TYPES = ['poweroff', 'reboot', 'crash'];
const LIFECYCLE_ACTIONS = ['destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart'];

async function setLifecycleAction(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const typeName = o.string('type')!;
  const actionName = o.string('action')!;
  const type = LIFECYCLE_TYPES.indexOf(typeName);
  if (type < 0) throw new CliError(`Invalid lifecycle type '${typeName}'.`);
  const action = LIFECYCLE_ACTIONS.indexOf(actionName);
  if (action < 0) throw new CliError(`Invalid lifecycle action '${actionName}'.`);
  const d = await optDomain(ctx, o);
  try { await d.setLifecycleAction(type, action, flags); } catch (e) { throw new CmdError('Unable to change lifecycle action.', e); }
  return true;
}

const METADATA_ELEMENT = 2;

async function metadata(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const set = o.string('set');
  const edit = o.bool('edit');
  const rem = o.bool('remove');
  if (edit && set !== undefined) throw new CliError('Options --edit and --set are mutually exclusive');
  if (rem && set !== undefined) throw new CliError('Options --remove and --set are mutually exclusive');
  exclusive(o, 'remove', 'edit');
  const d = await optDomain(ctx, o);
  const uri = o.string('uri')!;
  const key = o.string('key') ?? null;
  if ((set !== undefined || edit) && key === null) throw new CliError('namespace key is required when modifying metadata');
  if (set !== undefined || rem) {
    await d.setMetadata(METADATA_ELEMENT, set ?? null, key, uri, flags);
    ctx.printExtra(rem ? 'Metadata removed\n' : 'Metadata modified\n');
    return true;
  }
  if (edit) throw new CmdError('metadata --edit is not supported by tsvirsh: give the new element with --set');
  ctx.print(`${await d.getMetadata(METADATA_ELEMENT, uri, flags)}\n`);
  return true;
}

async function domfsinfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  let info;
  try { info = (await d.getFSInfo(0)).info; } catch (e) { throw new CmdError('Unable to get filesystem information', e); }
  if (!info.length) {
    // no newline: the blank line after every command ends it, as in virsh
    ctx.printExtra('No filesystems are mounted in the domain');
    return true;
  }
  const t = new Table(['Mountpoint', 'Name', 'Type', 'Target']);
  for (const f of info) t.add(f.mountpoint, f.name, f.fstype, f.devAliases.join(','));
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

/** domfsfreeze / domfsthaw: the same call shape, virsh's wording for each. */
function fsFreezeThaw(freeze: boolean) {
  return async (ctx: Ctx, o: CmdOpts): Promise<boolean> => {
    const d = await optDomain(ctx, o);
    let n;
    try {
      n = freeze ? await d.fsFreeze(o.argv('mountpoint'), 0) : await d.fsThaw(o.argv('mountpoint'), 0);
    } catch (e) { throw new CmdError(`Unable to ${freeze ? 'freeze' : 'thaw'} filesystems`, e); }
    ctx.printExtra(`${freeze ? 'Froze' : 'Thawed'} ${n} filesystem(s)\n`);
    return true;
  };
}
const domfsfreeze = fsFreezeThaw(true);
const domfsthaw = fsFreezeThaw(false);

async function domfstrim(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const minimum = o.ull('minimum') ?? 0;
  const mountPoint = o.string('mountpoint') ?? null;
  try { await d.fsTrim(mountPoint, minimum, 0); } catch (e) { throw new CmdError('Unable to invoke fstrim', e); }
  return true;
}

const NUMA_MODES = ['strict', 'preferred', 'interleave', 'restrictive'];

async function numatune(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const modeName = o.string('mode');
  const nodeset = o.string('nodeset');
  const params: TypedParam[] = [];
  if (modeName !== undefined) {
    // a mode name, or its number
    let mode = NUMA_MODES.indexOf(modeName);
    if (mode < 0) {
      // any int (virStrToLong_i); the driver judges its range
      if (!/^[ \t\n\v\f\r]*[+-]?\d+$/.test(modeName)) throw new CliError(`Invalid mode: ${modeName}`);
      mode = Number(modeName.trim());
    }
    params.push({ field: 'numa_mode', type: TypedParamType.INT, value: mode });
  }
  if (nodeset !== undefined) params.push({ field: 'numa_nodeset', type: TypedParamType.STRING, value: nodeset });
  if (params.length) {
    try { await d.setNumaParameters(params, flags); } catch (e) { throw new CmdError('Unable to change numa parameters', e); }
    return true;
  }
  let r;
  try {
    r = await d.getNumaParameters(0, flags);
    if (r.nparams && !r.params.length) r = await d.getNumaParameters(r.nparams, flags | 4);
  } catch (e) { throw new CmdError('Unable to get numa parameters', e); }
  ctx.print(r.params.map((p) => `${pad(p.field, 15)}: ${p.field === 'numa_mode' ? NUMA_MODES[Number(p.value)] ?? String(p.value) : typedParamValue(p)}\n`).join(''));
  return true;
}

/** virBitmapDataFormat: the CPUs set in one map of a buffer, as a cpuset string */
function cpumapFormat(buf: Buffer, off: number, maplen: number): string {
  const cpus: number[] = [];
  for (let c = 0; c < maplen * 8; c++) if ((buf[off + (c >> 3)]! >> (c & 7)) & 1) cpus.push(c);
  return formatCpuset(cpus);
}

/** virshParseCPUList: 'r' for every host CPU, else a cpuset within the host's CPUs */
export function parseCpuList(cpulist: string, maxcpu: number): Buffer {
  const maplen = (maxcpu + 7) >> 3;
  const map = Buffer.alloc(maplen);
  let cpus: number[];
  if (cpulist.startsWith('r')) {
    cpus = Array.from({ length: maxcpu }, (_, i) => i);
  } else {
    // virBitmapParse with virsh's limit of 1024 CPUs
    const bits = parseCpuset(cpulist);
    if (!bits || bits.some((b) => b >= 1024)) {
      throw new CmdError(`Invalid cpulist '${cpulist}'`, virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `Failed to parse bitmap '${cpulist}'`));
    }
    if (!bits.length) throw new CliError(`Invalid cpulist '${cpulist}'`);
    const last = bits[bits.length - 1]!;
    if (last >= maxcpu) throw new CliError(`CPU ${last} in cpulist '${cpulist}' exceed the maxcpu ${maxcpu}`);
    cpus = bits;
  }
  for (const c of cpus) map[c >> 3]! |= 1 << (c & 7);
  return map;
}

/** Query mode of vcpupin: one row per vcpu up to the maximum, or the one asked for */
async function vcpupinQuery(ctx: Ctx, d: Domain, vcpu: number | undefined, maxcpu: number, flags: number): Promise<boolean> {
  // virshCPUCountCollect with the state check
  if (((flags & 1) && !(await d.isActive())) || ((flags & 2) && !(await d.isPersistent()))) {
    throw new CliError(flags & 1 ? 'cannot get vcpupin for offline domain' : 'cannot get vcpupin for transient domain');
  }
  const ncpus = await d.getVcpusFlags(flags | 4);
  if (vcpu !== undefined && vcpu >= ncpus) {
    const live = (flags & 1) || (!(flags & 2) && await d.isActive());
    throw new CliError(`vcpu ${vcpu} is out of range of ${live ? 'live' : 'persistent'} cpu count ${ncpus}`);
  }
  const maplen = (maxcpu + 7) >> 3;
  const r = await d.getVcpuPinInfo(ncpus, maplen, flags);
  const t = new Table(['VCPU', 'CPU Affinity']);
  for (let i = 0; i < r.num; i++) {
    if (vcpu !== undefined && i !== vcpu) continue;
    t.add(i, cpumapFormat(r.cpumaps, i * maplen, maplen));
  }
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function vcpupin(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'current', 'live');
  exclusive(o, 'current', 'config');
  const vcpu = o.uint('vcpu');
  const cpulist = o.string('cpulist', true);
  // query mode reads one definition: live and config together make no sense there
  if (cpulist === undefined) exclusive(o, 'live', 'config');
  const given = o.bool('current') || o.bool('live') || o.bool('config');
  const flags = affectFlags(o);
  if (cpulist !== undefined && vcpu === undefined) throw new CliError('vcpupin: Missing vCPU number in pin mode.');
  const d = await optDomain(ctx, o);
  const conn = await ctx.conn();
  // virshNodeGetCPUCount: the host's CPU map size
  const maxcpu = (await conn.nodeGetCPUMap(0)).ret;
  if (cpulist === undefined) return vcpupinQuery(ctx, d, vcpu, maxcpu, flags);
  const map = parseCpuList(cpulist, maxcpu);
  // no option at all: the old virDomainPinVcpu, as virsh
  if (given) await d.pinVcpuFlags(vcpu!, map, flags);
  else await d.pinVcpu(vcpu!, map);
  return true;
}

async function emulatorpin(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'current', 'live');
  exclusive(o, 'current', 'config');
  const given = o.bool('current') || o.bool('live') || o.bool('config');
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const cpulist = o.string('cpulist', true);
  const conn = await ctx.conn();
  const maxcpu = (await conn.nodeGetCPUMap(0)).ret;
  const maplen = (maxcpu + 7) >> 3;
  if (cpulist === undefined) {
    const r = await d.getEmulatorPinInfo(maplen, flags);
    // the header is virsh's vshPrintExtra: -q leaves the cpuset line alone
    ctx.printExtra('emulator: CPU Affinity\n----------------------------------\n       *: ');
    ctx.print(`${cpumapFormat(r.cpumaps, 0, maplen)}\n`);
    return true;
  }
  const map = parseCpuList(cpulist, maxcpu);
  // pinning with no option means the running guest (virsh's default)
  await d.pinEmulator(map, given ? flags : 1);
  return true;
}

async function iothreadinfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  let r;
  try { r = await d.getIothreadInfo(flags); } catch (e) { throw new CmdError('Unable to get domain IOThreads information', e); }
  if (!r.info.length) { ctx.printExtra('No IOThreads found for the domain'); return true; }
  const t = new Table(['IOThread ID', 'CPU Affinity']);
  for (const i of r.info) t.add(i.iothread_id, cpumapFormat(i.cpumap, 0, i.cpumap.length));
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

/** virshPrintPerfStatus: vshPrintExtra lines, so -q prints nothing */
function printPerf(ctx: Ctx, params: TypedParam[]): void {
  ctx.printExtra(params.map((p) => `${pad(p.field, 15)}: ${p.value ? 'enabled' : 'disabled'}\n`).join(''));
}

async function perf(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = affectFlags(o);
  const d = await optDomain(ctx, o);
  const params: TypedParam[] = [];
  // comma separated event names; empty items are skipped as virsh's virStringSplit leaves them
  for (const [name, on] of [['enable', 1], ['disable', 0]] as const) {
    const list = o.string(name);
    if (list === undefined) continue;
    for (const e of list.split(',')) if (e) params.push({ field: e, type: TypedParamType.BOOLEAN, value: on });
  }
  if (!params.length) {
    let r;
    try { r = await d.getPerfEvents(flags); } catch (e) { throw new CmdError('Unable to get perf events', e); }
    printPerf(ctx, r);
    return true;
  }
  try { await d.setPerfEvents(params, flags); } catch (e) { throw new CmdError('Unable to enable/disable perf events', e); }
  printPerf(ctx, params);
  return true;
}

/** one cpu-stats line: times as seconds.nanoseconds, anything else as virsh's typed value */
function cpuStatLine(p: TypedParam, times: readonly string[]): string {
  if (times.includes(p.field) && p.type === TypedParamType.ULLONG) {
    const ns = BigInt(p.value as number);
    return `\t${pad(p.field, 12)} ${String(ns / 1000000000n).padStart(9)}.${String(ns % 1000000000n).padStart(9, '0')} seconds\n`;
  }
  return `\t${pad(p.field, 12)} ${typedParamValue(p)}\n`;
}

async function cpuStatsTotal(ctx: Ctx, d: Domain): Promise<boolean> {
  const n = (await d.getCpuStats(0, -1, 1, 0)).nparams;
  if (!n) { ctx.print('No total stats available'); return false; }
  const r = await d.getCpuStats(n, -1, 1, 0);
  ctx.print('Total:\n' + r.params.map((p) => cpuStatLine(p, ['cpu_time', 'user_time', 'system_time'])).join(''));
  return true;
}

async function cpuStats(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  let showTotal = o.bool('total');
  let showPerCpu = false;
  let cpu = o.int('start');
  if (cpu !== undefined) {
    if (cpu < 0) throw new CliError('Invalid value for start CPU');
    showPerCpu = true;
  }
  let count = o.int('count');
  if (count !== undefined) {
    if (count < 0) throw new CliError('Invalid value for number of CPUs to show');
    showPerCpu = true;
  }
  // neither asked for: both
  if (!showTotal && !showPerCpu) showTotal = showPerCpu = true;
  cpu ??= 0;
  const failed = (e: unknown) => new CmdError(`Failed to retrieve CPU statistics for domain '${d.name}'`, e);
  try {
    if (showPerCpu) {
      const maxId = (await d.getCpuStats(0, 0, 0, 0)).nparams;
      if (cpu >= maxId) throw new CliError(`Start CPU ${cpu} is out of range (min: 0, max: ${maxId - 1})`);
      if (count === undefined || count > maxId - cpu) {
        if (count !== undefined) ctx.print(`Only ${maxId - cpu} CPUs available to show\n`);
        count = maxId - cpu;
      }
      const n = (await d.getCpuStats(0, 0, 1, 0)).nparams;
      if (!n) {
        ctx.print('No per-CPU stats available');
        return showTotal ? await cpuStatsTotal(ctx, d) : false;
      }
      // virsh asks for at most 128 CPUs a call (REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX)
      while (count > 0) {
        const ncpus = Math.min(count, 128);
        const r = await d.getCpuStats(n, cpu, ncpus, 0);
        let out = '';
        for (let i = 0; i < ncpus; i++) {
          const mine = r.params.slice(i * n, (i + 1) * n);
          if (!mine.length) continue; // a CPU not in the map
          out += `CPU${cpu + i}:\n` + mine.map((p) => cpuStatLine(p, ['cpu_time', 'vcpu_time'])).join('');
        }
        ctx.print(out);
        cpu += ncpus;
        count -= ncpus;
      }
      if (!showTotal) return true;
    }
    return await cpuStatsTotal(ctx, d);
  } catch (e) {
    if (e instanceof CliError || e instanceof CmdError) throw e;
    throw failed(e);
  }
}

/** virsh's order: option conflicts, the state, the list, then the domain */
async function setvcpu(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const enable = o.bool('enable');
  exclusive(o, 'enable', 'disable');
  const flags = affectFlags(o);
  if (!enable && !o.bool('disable')) throw new CliError('one of --enable, --disable is required');
  const list = o.string('vcpulist')!;
  const d = await optDomain(ctx, o);
  await d.setVcpu(list, enable ? 1 : 0, flags);
  return true;
}

export const handlers: HandlerTable = {
  'cpu-stats': cpuStats, setvcpu,
  vcpupin, emulatorpin, iothreadinfo, perf,
  numatune,
  domfsinfo, domfsfreeze, domfsthaw, domfstrim,
  metadata,
  'set-lifecycle-action': setLifecycleAction,
  domcontrol, domblkerror, domtime, 'inject-nmi': injectNmi, 'send-key': sendKey,
  'domif-getlink': domifGetlink, 'domif-setlink': domifSetlink,
};
