// The "Host and Hypervisor" commands beyond host.ts: cpu-models, nodecpustats, freepages,
// allocpages, node-memory-tune, nodesuspend, nodesevinfo, cpu-compare, cpu-baseline,
// hypervisor-cpu-compare and hypervisor-cpu-baseline, as virsh 9.0's tools/virsh-host.c.
import type { Connection } from '../api/connection.js';
import type { TypedParam } from '../drivers/driver.js';
import { TypedParamType } from '../drivers/driver.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { exclusive, typedParamValue } from './format.js';
import { readXmlFile } from './domain_lifecycle.js';
import { type XmlElement, child, childrenNamed, elements, escapeXml, parseXml } from '../conf/xml.js';

const UINT_MAX = 4294967295n;
const pad = (s: string, n: number) => s.padEnd(n);

async function cpuModels(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const arch = o.string('arch')!;
  const conn = await ctx.conn();
  let models: string[];
  try { models = await conn.getCPUModelNames(arch, 0); } catch (e) { throw new CmdError('failed to get CPU model names', e); }
  if (models.length === 0) {
    ctx.printExtra('all CPU models are accepted\n');
    return true;
  }
  ctx.print(models.map((m) => `${m}\n`).join(''));
  return true;
}

/** printf("%5.1lf") as glibc writes it; 0/0 on x86 is a negative NaN. */
function pct(v: number): string {
  const s = Number.isNaN(v) ? '-nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v.toFixed(1);
  return s.padStart(5);
}

interface CpuSample { user: number; sys: number; idle: number; iowait: number; util: number }

/** cmdNodeCpuStats: counters in ns, or with --percent two samples a second apart. */
async function nodecpustats(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const cpu = o.int('cpu') ?? -1;
  const percent = o.bool('percent');
  const conn = await ctx.conn();
  let n: number;
  try { n = (await conn.nodeGetCPUStats(cpu, 0)).nparams; } catch (e) { throw new CmdError('Unable to get number of cpu stats', e); }
  if (n === 0) return true;
  const samples: CpuSample[] = [];
  let utilization = false;
  for (let i = 0; i < 2; i++) {
    let params: { field: string; value: number }[];
    try { params = (await conn.nodeGetCPUStats(cpu, n)).params; } catch (e) { throw new CmdError('Unable to get node cpu stats', e); }
    const s: CpuSample = { user: 0, sys: 0, idle: 0, iowait: 0, util: 0 };
    for (const p of params) {
      if (p.field === 'kernel') s.sys = p.value;
      else if (p.field === 'user') s.user = p.value;
      else if (p.field === 'idle') s.idle = p.value;
      else if (p.field === 'iowait') s.iowait = p.value;
      else if (p.field === 'utilization') { s.util = p.value; utilization = true; }
    }
    samples.push(s);
    if (utilization || !percent) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const [a, b] = samples as [CpuSample, CpuSample | undefined];
  if (!percent) {
    if (!utilization) {
      ctx.print(`${pad('user:', 15)} ${String(a.user).padStart(20)}\n${pad('system:', 15)} ${String(a.sys).padStart(20)}\n`
        + `${pad('idle:', 15)} ${String(a.idle).padStart(20)}\n${pad('iowait:', 15)} ${String(a.iowait).padStart(20)}\n`);
    }
    return true;
  }
  if (utilization) {
    ctx.print(`${pad('usage:', 15)} ${pct(a.util)}%\n${pad('idle:', 15)} ${pct(100 - a.util)}%\n`);
    return true;
  }
  const user = b!.user - a.user;
  const sys = b!.sys - a.sys;
  const idle = b!.idle - a.idle;
  const iowait = b!.iowait - a.iowait;
  const total = user + sys + idle + iowait;
  const share = (x: number) => (total === 0 ? (x === 0 ? NaN : x / 0) : (x / total) * 100);
  ctx.print(`${pad('usage:', 15)} ${pct(share(user + sys))}%\n${pad('user:', 15)} ${pct(share(user))}%\n`
    + `${pad('system:', 15)} ${pct(share(sys))}%\n${pad('idle:', 15)} ${pct(share(idle))}%\n${pad('iowait:', 15)} ${pct(share(iowait))}%\n`);
  return true;
}

/**
 * vshCommandOptScaledInt with a ceiling: past it virsh prints its line and then libvirt's
 * virScaleInteger overflow error ("value too large: 4G").
 */
function scaledKiB(o: CmdOpts, name: string, max: bigint): number | undefined {
  const v = o.scaled(name, 1024);
  if (v === undefined) return undefined;
  if (v > max) {
    const raw = o.raw(name) ?? '';
    const m = /^\s*\+?0*(\d+)(.*)$/.exec(raw);
    const shown = m ? `${m[1] === '' ? '0' : m[1]}${m[2]}` : raw;
    throw new CmdError(`Scaled numeric value '${raw}' for <${name}> option is malformed or out of range`,
      new CliError(`numerical overflow: value too large: ${shown}`));
  }
  return Number((v + 1023n) / 1024n);
}

/** The host's page sizes (KiB) and NUMA cell ids from its capabilities, as virsh reads them. */
async function hostPagesAndCells(ctx: Ctx, conn: Connection): Promise<{ sizes: number[]; cells: number[]; xml: XmlElement }> {
  let caps: string;
  try { caps = await conn.getCapabilities(); } catch (e) { throw new CmdError('unable to get node capabilities', e); }
  const xml = parseXml(caps, '(capabilities)');
  const host = child(xml, 'host');
  const cellEls = (() => {
    const top = host && child(host, 'topology');
    const cells = top && child(top, 'cells');
    return cells ? childrenNamed(cells, 'cell') : [];
  })();
  let pageEls = host ? childrenNamed(child(host, 'cpu') ?? { name: '', attrs: {}, children: [] }, 'pages') : [];
  if (pageEls.length === 0) pageEls = cellEls.flatMap((c) => childrenNamed(c, 'pages'));
  const sizes: number[] = [];
  for (const p of pageEls) {
    const v = p.attrs['size'] ?? '';
    if (!/^\d+$/.test(v)) throw new CliError(`unable to parse page size: ${v}`);
    sizes.push(Number(v));
  }
  const uniq = [...new Set(sizes)].sort((a, b) => a - b);
  const cells = cellEls.map((c) => {
    const id = c.attrs['id'] ?? '';
    if (!/^\d+$/.test(id)) throw new CliError(`unable to convert '${id}' to number`);
    return Number(id);
  });
  return { sizes: uniq, cells, xml };
}

async function freepages(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const all = o.bool('all');
  const hasCell = o.bool('cellno');
  const hasSize = o.bool('pagesize');
  exclusive(o, 'all', 'cellno');
  const kib = scaledKiB(o, 'pagesize', UINT_MAX) ?? 0;
  const conn = await ctx.conn();
  if (all) {
    const h = await hostPagesAndCells(ctx, conn);
    const sizes = hasSize ? [kib] : h.sizes;
    if (!hasSize && sizes.length === 0) throw new CliError('could not get information about supported page sizes');
    for (const cell of h.cells) {
      const counts = await conn.nodeGetFreePages(sizes, cell, 1, 0);
      ctx.print(`Node ${cell}:\n${sizes.map((s, j) => `${s}KiB: ${counts[j]}\n`).join('')}\n`);
    }
    return true;
  }
  if (!hasCell) throw new CliError('missing cellno argument');
  const cell = o.int('cellno')!;
  if (cell < -1) throw new CliError('cell number must be non-negative integer or -1');
  if (!hasSize) throw new CliError('missing pagesize argument');
  const counts = await conn.nodeGetFreePages([kib], cell, 1, 0);
  ctx.print(`${kib}KiB: ${counts[0]}\n`);
  return true;
}

/** VIR_NODE_ALLOC_PAGES_ADD (0) / _SET (1) */
async function allocpages(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const all = o.bool('all');
  exclusive(o, 'all', 'cellno');
  const startCell = o.bool('cellno') ? o.int('cellno')! : -1;
  const kib = scaledKiB(o, 'pagesize', UINT_MAX * 1024n)!;
  const count = o.ull('pagecount')!;
  const flags = o.bool('add') ? 0 : 1;
  const conn = await ctx.conn();
  if (all) {
    const h = await hostPagesAndCells(ctx, conn);
    for (const cell of h.cells) await conn.nodeAllocPages([kib], [count], cell, 1, flags);
  } else {
    await conn.nodeAllocPages([kib], [count], startCell, 1, flags);
  }
  return true;
}

const MEMORY_TUNABLES: [string, string][] = [
  ['shm-pages-to-scan', 'shm_pages_to_scan'], ['shm-sleep-millisecs', 'shm_sleep_millisecs'], ['shm-merge-across-nodes', 'shm_merge_across_nodes'],
];

async function nodeMemoryTune(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const params: TypedParam[] = [];
  for (const [opt, field] of MEMORY_TUNABLES) {
    const v = o.uint(opt);
    if (v !== undefined) params.push({ field, type: TypedParamType.UINT, value: v });
  }
  const conn = await ctx.conn();
  if (params.length) {
    try { await conn.nodeSetMemoryParameters(params, 0); } catch (e) { throw new CmdError('Unable to change memory parameters', e); }
    return true;
  }
  let n: number;
  try { n = (await conn.nodeGetMemoryParameters(0, 0)).nparams; } catch (e) { throw new CmdError('Unable to get number of memory parameters', e); }
  if (n === 0) return true;
  let got: TypedParam[];
  try { got = (await conn.nodeGetMemoryParameters(n, 0)).params; } catch (e) { throw new CmdError('Unable to get memory parameters', e); }
  ctx.print(`Shared memory:\n${got.map((p) => `\t${pad(p.field, 15)} ${typedParamValue(p)}\n`).join('')}`);
  return true;
}

/** VIR_NODE_SUSPEND_TARGET_* by virsh's names */
const SUSPEND_TARGETS = ['mem', 'disk', 'hybrid'];

async function nodesuspend(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const target = o.string('target')!;
  const duration = o.ll('duration')!;
  const t = SUSPEND_TARGETS.indexOf(target);
  if (t < 0) throw new CliError('Invalid target');
  if (duration < 0) throw new CliError('Invalid duration');
  const conn = await ctx.conn();
  try { await conn.nodeSuspendForDuration(t, duration, 0); } catch (e) { throw new CmdError('The host was not suspended', e); }
  return true;
}

async function nodesevinfo(ctx: Ctx): Promise<boolean> {
  const conn = await ctx.conn();
  let params: TypedParam[];
  try { params = (await conn.nodeGetSEVInfo(0)).params; } catch (e) { throw new CmdError('Unable to get host SEV information', e); }
  ctx.print(params.map((p) => `${pad(p.field, 18)}: ${typedParamValue(p)}\n`).join(''));
  return true;
}

// ---- CPU definitions from files (vshExtractCPUDefXMLs) ----

function serialize(el: XmlElement): string {
  const attrs = Object.entries(el.attrs).map(([k, v]) => ` ${k}="${escapeXml(v).replace(/"/g, '&quot;')}"`).join('');
  if (el.children.length === 0) return `<${el.name}${attrs}/>`;
  return `<${el.name}${attrs}>${el.children.map((c) => (typeof c === 'string' ? escapeXml(c) : serialize(c))).join('')}</${el.name}>`;
}

/**
 * Every <cpu> of a file: bare, in a domain, in host capabilities, or the supported host-model
 * mode of domain capabilities (renamed to <cpu>, without its attributes), in document order.
 */
function extractCpuXmls(file: string): string[] {
  let text = readXmlFile(file);
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end >= 0) text = text.slice(end + 2);
  }
  const root = parseXml(`<container>${text}</container>`, file);
  const found: XmlElement[] = [];
  for (const el of elements(root)) {
    if (el.name === 'cpu') found.push(el);
    else if (el.name === 'domain') found.push(...childrenNamed(el, 'cpu'));
    else if (el.name === 'capabilities') {
      const host = child(el, 'host');
      if (host) found.push(...childrenNamed(host, 'cpu'));
    } else if (el.name === 'domainCapabilities') {
      for (const cpu of childrenNamed(el, 'cpu')) {
        for (const m of childrenNamed(cpu, 'mode')) {
          if (m.attrs['name'] === 'host-model' && m.attrs['supported'] === 'yes') found.push({ name: 'cpu', attrs: {}, children: m.children });
        }
      }
    }
  }
  if (found.length === 0) {
    throw new CliError(`File '${file}' does not contain any <cpu> element or valid domain XML, host capabilities XML, or domain capabilities XML`);
  }
  return found.map(serialize);
}

/** VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE | VIR_CONNECT_COMPARE_CPU_VALIDATE_XML */
const compareFlags = (o: CmdOpts) => (o.bool('error') ? 1 : 0) | (o.bool('validate') ? 2 : 0);
/** VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES | VIR_CONNECT_BASELINE_CPU_MIGRATABLE */
const baselineFlags = (o: CmdOpts) => (o.bool('features') ? 1 : 0) | (o.bool('migratable') ? 2 : 0);

/** virCPUCompareResult: INCOMPATIBLE 0, IDENTICAL 1, SUPERSET 2 */
async function cpuCompare(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const from = o.string('file')!;
  const flags = compareFlags(o);
  const cpus = extractCpuXmls(from);
  const conn = await ctx.conn();
  let r: number;
  try { r = await conn.compareCPU(cpus[0]!, flags); } catch (e) { throw new CmdError(`Failed to compare host CPU with ${from}`, e); }
  if (r === 0) { ctx.print(`CPU described in ${from} is incompatible with host CPU\n`); return false; }
  if (r === 1) { ctx.print(`CPU described in ${from} is identical to host CPU\n`); return true; }
  if (r === 2) { ctx.print(`Host CPU is a superset of CPU described in ${from}\n`); return true; }
  throw new CliError(`Failed to compare host CPU with ${from}`);
}

async function cpuBaseline(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const flags = baselineFlags(o);
  const from = o.string('file')!;
  const cpus = extractCpuXmls(from);
  const conn = await ctx.conn();
  ctx.print(await conn.baselineCPU(cpus, flags));
  return true;
}

/** --virttype, --emulator, --arch, --machine: null when not given */
function hypervisorTarget(o: CmdOpts): [string | null, string | null, string | null, string | null] {
  const virttype = o.string('virttype') ?? null;
  const emulator = o.string('emulator') ?? null;
  const arch = o.string('arch') ?? null;
  const machine = o.string('machine') ?? null;
  return [emulator, arch, machine, virttype];
}

async function hypervisorCpuCompare(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const from = o.string('file')!;
  const [emulator, arch, machine, virttype] = hypervisorTarget(o);
  const flags = compareFlags(o);
  const cpus = extractCpuXmls(from);
  const conn = await ctx.conn();
  let r: number;
  try { r = await conn.compareHypervisorCPU(emulator, arch, machine, virttype, cpus[0]!, flags); } catch (e) {
    throw new CmdError(`Failed to compare hypervisor CPU with ${from}`, e);
  }
  if (r === 0) { ctx.print(`CPU described in ${from} is incompatible with the CPU provided by hypervisor on the host\n`); return false; }
  if (r === 1) { ctx.print(`CPU described in ${from} is identical to the CPU provided by hypervisor on the host\n`); return true; }
  if (r === 2) { ctx.print(`The CPU provided by hypervisor on the host is a superset of CPU described in ${from}\n`); return true; }
  throw new CliError(`Failed to compare hypervisor CPU with ${from}`);
}

async function hypervisorCpuBaseline(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const from = o.string('file');
  const [emulator, arch, machine, virttype] = hypervisorTarget(o);
  const model = o.string('model');
  const flags = baselineFlags(o);
  if (from !== undefined && model !== undefined) throw new CliError('Options --file and --model are mutually exclusive');
  if (from === undefined && model === undefined) throw new CliError('Either --file or --model must be provided');
  const cpus = from !== undefined ? extractCpuXmls(from) : [`<cpu><model>${model}</model></cpu>`];
  const conn = await ctx.conn();
  ctx.print(await conn.baselineHypervisorCPU(emulator, arch, machine, virttype, cpus, flags));
  return true;
}

export const handlers: HandlerTable = {
  'cpu-models': cpuModels, nodecpustats, freepages, allocpages, 'node-memory-tune': nodeMemoryTune, nodesuspend, nodesevinfo,
  'cpu-compare': cpuCompare, 'cpu-baseline': cpuBaseline, 'hypervisor-cpu-compare': hypervisorCpuCompare,
  'hypervisor-cpu-baseline': hypervisorCpuBaseline,
};
