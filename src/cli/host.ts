// Host and hypervisor commands: uri, version, hostname, nodeinfo, capabilities, sysinfo,
// freecell, nodecpumap, maxvcpus, domcapabilities, nodememstats.
// libvirt counterpart: tools/virsh-host.c.
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { infoLine, json, pad } from './format.js';

/** The libvirt API level tsvirt implements, shown where virsh shows its library version. */
const LIBVIRT_API_VERSION = 9000000;

const ver = (v: number) => `${Math.floor(v / 1000000)}.${Math.floor(v / 1000) % 1000}.${v % 1000}`;

async function uri(ctx: Ctx): Promise<boolean> {
  ctx.print(`${await (await ctx.conn()).getURI()}\n`);
  return true;
}

async function hostname(ctx: Ctx): Promise<boolean> {
  const conn = await ctx.conn();
  let h: string;
  try { h = await conn.getHostname(); } catch (e) { throw new CmdError('failed to get hostname', e); }
  ctx.print(`${h}\n`);
  return true;
}

async function version(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const conn = await ctx.conn();
  const type = await conn.getType();
  const lib = await conn.getLibVersion().catch(() => LIBVIRT_API_VERSION);
  const hv = await conn.getVersion();
  if (json(ctx, o, { compiledAgainst: ver(LIBVIRT_API_VERSION), library: ver(lib), api: `${type} ${ver(lib)}`, hypervisor: `${type} ${ver(hv)}` })) return true;
  let s = `Compiled against library: libvirt ${ver(LIBVIRT_API_VERSION)}\n`;
  s += `Using library: libvirt ${ver(lib)}\n`;
  s += `Using API: ${type} ${ver(lib)}\n`;
  s += `Running hypervisor: ${type} ${ver(hv)}\n`;
  ctx.print(s);
  if (o.bool('daemon')) {
    ctx.print(`Running against daemon: ${ver(lib)}\n`);
  }
  return true;
}

async function nodeinfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const conn = await ctx.conn();
  let i;
  try { i = await conn.nodeGetInfo(); } catch (e) { throw new CmdError('failed to get node information', e); }
  if (json(ctx, o, i)) return true;
  const l = (k: string, v: string | number) => `${pad(k, 20)} ${v}\n`;
  ctx.print(l('CPU model:', i.model) + l('CPU(s):', i.cpus) + l('CPU frequency:', `${i.mhz} MHz`) +
    l('CPU socket(s):', i.sockets) + l('Core(s) per socket:', i.cores) + l('Thread(s) per core:', i.threads) +
    l('NUMA cell(s):', i.nodes) + l('Memory size:', `${i.memory} KiB`));
  return true;
}

async function capabilities(ctx: Ctx): Promise<boolean> {
  const conn = await ctx.conn();
  let caps: string;
  try { caps = await conn.getCapabilities(); } catch (e) { throw new CmdError('failed to get capabilities', e); }
  ctx.print(caps + '\n');
  return true;
}

async function domcapabilities(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const conn = await ctx.conn();
  let caps: string;
  try {
    caps = await conn.getDomainCapabilities(o.string('emulatorbin') ?? null, o.string('arch') ?? null, o.string('machine') ?? null, o.string('virttype') ?? null, 0);
  } catch (e) { throw new CmdError('failed to get emulator capabilities', e); }
  ctx.print(caps + '\n');
  return true;
}

async function sysinfo(ctx: Ctx): Promise<boolean> {
  const conn = await ctx.conn();
  let s: string;
  try { s = await conn.getSysinfo(0); } catch (e) { throw new CmdError('failed to get sysinfo', e); }
  ctx.print(s.endsWith('\n') ? s : s + '\n');
  return true;
}

async function maxvcpus(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const conn = await ctx.conn();
  const n = await conn.getMaxVcpus(o.string('type') ?? null);
  ctx.print(`${n}\n`);
  return true;
}

/** freecell: free memory of one NUMA cell, or of every cell with --all. */
async function freecell(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const conn = await ctx.conn();
  const all = o.bool('all');
  const cell = o.int('cellno');
  if (all && cell !== undefined) throw new CliError('Options --cellno and --all are mutually exclusive');
  if (all) {
    const info = await conn.nodeGetInfo();
    const mems = await conn.nodeGetCellsFreeMemory(0, info.nodes);
    if (json(ctx, o, mems.map((m, i) => ({ cell: i, free: Math.floor(m / 1024) })))) return true;
    let total = 0;
    let s = '';
    mems.forEach((m, i) => { s += `${String(i).padStart(5)}: ${String(Math.floor(m / 1024)).padStart(10)} KiB\n`; total += m; });
    s += '--------------------\n';
    s += `${'Total'.padStart(5)}: ${String(Math.floor(total / 1024)).padStart(10)} KiB\n`;
    ctx.print(s);
    return true;
  }
  if (cell === undefined) {
    const m = await conn.nodeGetFreeMemory();
    if (json(ctx, o, { total: Math.floor(m / 1024) })) return true;
    ctx.print(`Total: ${Math.floor(m / 1024)} KiB\n`);
    return true;
  }
  const [m] = await conn.nodeGetCellsFreeMemory(cell, 1);
  if (json(ctx, o, { cell, free: Math.floor((m ?? 0) / 1024) })) return true;
  ctx.print(`${cell}: ${Math.floor((m ?? 0) / 1024)} KiB\n`);
  return true;
}

async function nodecpumap(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const conn = await ctx.conn();
  let r;
  try { r = await conn.nodeGetCPUMap(0); } catch (e) { throw new CmdError('Unable to get cpu map', e); }
  const bits: number[] = [];
  for (let i = 0; i < r.ret; i++) if ((r.cpumap[i >> 3]! >> (i & 7)) & 1) bits.push(i);
  if (o.bool('pretty')) {
    // ranges like 0-3,6
    const parts: string[] = [];
    for (let i = 0; i < bits.length; i++) {
      let j = i;
      while (j + 1 < bits.length && bits[j + 1] === bits[j]! + 1) j++;
      parts.push(j > i ? `${bits[i]}-${bits[j]}` : `${bits[i]}`);
      i = j;
    }
    if (json(ctx, o, { cpus: r.ret, online: r.online, map: bits })) return true;
    ctx.print(infoLine('CPUs present:', r.ret) + infoLine('CPUs online:', r.online) + infoLine('CPU map:', parts.join(',')));
    return true;
  }
  let map = '';
  for (let i = 0; i < r.ret; i++) map += ((r.cpumap[i >> 3]! >> (i & 7)) & 1) ? 'y' : '-';
  if (json(ctx, o, { cpus: r.ret, online: r.online, map: bits })) return true;
  ctx.print(infoLine('CPUs present:', r.ret) + infoLine('CPUs online:', r.online) + infoLine('CPU map:', map));
  return true;
}

async function nodememstats(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const conn = await ctx.conn();
  const cell = o.int('cell') ?? -1;
  type Reply = { params: { field: string; value: number }[]; nparams: number };
  let r: Reply;
  try { r = await conn._call<Reply>('nodeGetMemoryStats', [0, cell, 0]); } catch (e) { throw new CmdError('Unable to get number of memory stats', e); }
  try { if (!r.params.length && r.nparams) r = await conn._call<Reply>('nodeGetMemoryStats', [r.nparams, cell, 0]); } catch (e) { throw new CmdError('Unable to get memory stats', e); }
  if (json(ctx, o, Object.fromEntries(r.params.map((p) => [p.field, p.value])))) return true;
  ctx.print(r.params.map((p) => `${p.field.padEnd(7)} : ${String(p.value).padStart(12)} KiB\n`).join(''));
  return true;
}

export const handlers: HandlerTable = { uri, hostname, version, nodeinfo, capabilities, domcapabilities, sysinfo, maxvcpus, freecell, nodecpumap, nodememstats };
