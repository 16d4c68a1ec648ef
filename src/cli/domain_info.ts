// Domain inspection: dominfo, domstate, domid, domuuid, domname, dumpxml, domiflist, domblklist,
// vcpucount, vcpuinfo, dommemstat, domblkstat, domifstat, domblkinfo, domstats, schedinfo,
// memtune, domhostname, domifaddr.
// libvirt counterpart: tools/virsh-domain-monitor.c and parts of virsh-domain.c.
import type { Domain } from '../api/domain.js';
import type { TypedParam } from '../drivers/driver.js';
import { ErrorNumber } from '../util/error.js';
import type { Ctx, HandlerTable } from './defs.js';
import { CliError, CmdError, type CmdOpts } from './opts.js';
import { domainReasonName, domainStateName, exclusive, infoLine, json, pad, prettyCapacity, typedParamValue, printXml } from './format.js';
import { lookupDomain, optDomain } from './lookup.js';
import { Table } from './table.js';
import { attrAt, child, childrenNamed, domainXml } from './domain_util.js';

const isNoSupport = (e: unknown) => (e as { code?: number }).code === ErrorNumber.NO_SUPPORT;

async function dominfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const conn = await ctx.conn();
  const j: Record<string, unknown> = { id: d.id >= 0 ? d.id : null, name: d.name, uuid: d.uuid };
  let s = infoLine('Id:', d.id >= 0 ? String(d.id) : '-') + infoLine('Name:', d.name) + infoLine('UUID:', d.uuid);
  let ok = true;
  try { const t = await d.getOSType(); s += infoLine('OS Type:', t); j['osType'] = t; } catch { /* omitted, as virsh */ }
  try {
    const i = await d.info();
    s += infoLine('State:', domainStateName(i.state)) + infoLine('CPU(s):', i.nrVirtCpu);
    if (i.cpuTime !== 0) s += infoLine('CPU time:', `${(i.cpuTime / 1e9).toFixed(1)}s`);
    s += i.maxMem !== 4294967295 ? infoLine('Max memory:', `${i.maxMem} KiB`) : infoLine('Max memory:', 'no limit');
    s += infoLine('Used memory:', `${i.memory} KiB`);
    Object.assign(j, { state: domainStateName(i.state), cpus: i.nrVirtCpu, cpuTime: i.cpuTime, maxMemory: i.maxMem, usedMemory: i.memory });
  } catch { ok = false; }
  const persistent = await d.isPersistent().then((p) => (p ? 'yes' : 'no'), () => 'unknown');
  s += infoLine('Persistent:', persistent);
  j['persistent'] = persistent;
  try { const a = await d.getAutostart(); s += infoLine('Autostart:', a ? 'enable' : 'disable'); j['autostart'] = a; } catch { /* omitted */ }
  const ms = await d.hasManagedSaveImage().then((m) => (m ? 'yes' : 'no'), () => 'unknown');
  s += infoLine('Managed save:', ms);
  j['managedSave'] = ms;
  try {
    const sm = await conn.nodeGetSecurityModel();
    if (sm.model !== '') {
      s += infoLine('Security model:', sm.model) + infoLine('Security DOI:', sm.doi);
      const l = await d.getSecurityLabel();
      if (l.label !== '') s += infoLine('Security label:', `${l.label} (${l.enforcing ? 'enforcing' : 'permissive'})`);
      Object.assign(j, { securityModel: sm.model, securityDOI: sm.doi, securityLabel: l.label || null });
    }
  } catch (e) {
    if (!isNoSupport(e)) { ctx.print(s); throw e; }
  }
  try {
    const msgs = await d.getMessages(0);
    msgs.forEach((m, i) => { s += infoLine(i === 0 ? 'Messages:' : '', m); });
    if (msgs.length) j['messages'] = msgs;
  } catch { /* optional */ }
  if (json(ctx, o, j)) return ok;
  ctx.print(s);
  return ok;
}

async function domstate(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const st = await d.state(0);
  if (json(ctx, o, { state: domainStateName(st.state), reason: domainReasonName(st.state, st.reason) })) return true;
  ctx.print(o.bool('reason') ? `${domainStateName(st.state)} (${domainReasonName(st.state, st.reason)})\n` : `${domainStateName(st.state)}\n`);
  return true;
}

async function domid(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  ctx.print(d.id >= 0 ? `${d.id}\n` : '-\n');
  return true;
}

/** domuuid looks up by name or id; domname by id or UUID (virsh's VIRSH_BY* masks). */
async function domuuid(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = o.string('domain')!;
  const conn = await ctx.conn();
  const d = n.length === 36 ? await lookupByNameOrId(conn, n) : await lookupDomain(conn, n);
  ctx.print(`${d.uuid}\n`);
  return true;
}
async function lookupByNameOrId(conn: Awaited<ReturnType<Ctx['conn']>>, n: string): Promise<Domain> {
  try { return await conn.lookupDomainByName(n); } catch { throw new CliError(`failed to get domain '${n}'`); }
}

async function domname(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const n = o.string('domain')!;
  const conn = await ctx.conn();
  let d: Domain | undefined;
  if (/^\d+$/.test(n.trim())) d = await conn.lookupDomainById(Number(n)).catch(() => undefined);
  if (!d && n.length === 36) d = await conn.lookupDomainByUUID(n).catch(() => undefined);
  if (!d) throw new CliError(`failed to get domain '${n}'`);
  ctx.print(`${d.name}\n`);
  return true;
}

async function dumpxml(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let flags = 0;
  if (o.bool('inactive')) flags |= 2;
  if (o.bool('security-info')) flags |= 1;
  if (o.bool('update-cpu')) flags |= 4;
  if (o.bool('migratable')) flags |= 8;
  const d = await optDomain(ctx, o);
  return printXml(ctx, o, await d.getXMLDesc(flags));
}

async function domiflist(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const x = await domainXml(d, o.bool('inactive') ? 2 : 0);
  const devs = child(x, 'devices');
  const rows = (devs ? childrenNamed(devs, 'interface') : []).map((i) => {
    const src = child(i, 'source');
    const source = src ? ['bridge', 'dev', 'network', 'name', 'path'].map((a) => src.attrs[a]).find((v) => v !== undefined) : undefined;
    return {
      interface: attrAt(i, ['target'], 'dev') ?? '-', type: String(i.attrs['type'] ?? ''), source: source ?? '-',
      model: attrAt(i, ['model'], 'type') ?? '-', mac: attrAt(i, ['mac'], 'address') ?? '-',
    };
  });
  if (json(ctx, o, rows)) return true;
  const t = new Table(['Interface', 'Type', 'Source', 'Model', 'MAC']);
  for (const r of rows) t.add(r.interface, r.type, r.source, r.model, r.mac);
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function domblklist(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const details = o.bool('details');
  const x = await domainXml(d, o.bool('inactive') ? 2 : 0);
  const devs = child(x, 'devices');
  const rows = [];
  for (const disk of devs ? childrenNamed(devs, 'disk') : []) {
    const target = attrAt(disk, ['target'], 'dev');
    if (target === undefined) throw new CliError('unable to query block list');
    const src = child(disk, 'source');
    const source = src ? ['file', 'dev', 'dir', 'name', 'volume', 'path'].map((a) => src.attrs[a]).find((v) => v !== undefined) : undefined;
    rows.push({ type: String(disk.attrs['type'] ?? ''), device: String(disk.attrs['device'] ?? ''), target, source: source === undefined ? '-' : String(source) });
  }
  if (json(ctx, o, rows)) return true;
  const t = new Table(details ? ['Type', 'Device', 'Target', 'Source'] : ['Target', 'Source']);
  for (const r of rows) if (details) t.add(r.type, r.device, r.target, r.source); else t.add(r.target, r.source);
  ctx.print(t.format(ctx.session.quiet));
  return true;
}

async function vcpucount(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const maximum = o.bool('maximum');
  const active = o.bool('active');
  const config = o.bool('config');
  const live = o.bool('live');
  const current = o.bool('current');
  const guest = o.bool('guest');
  const all = !(maximum || active || config || live || current || guest);
  // --current here is the pre-0.9.4 spelling of --active, so it combines with --live/--config
  exclusive(o, 'active', 'maximum');
  exclusive(o, 'guest', 'config');
  exclusive(o, 'live', 'config');
  const d = await optDomain(ctx, o);
  let flags = 0;
  if (live) flags |= 1;
  if (config) flags |= 2;
  if (maximum) flags |= 4;
  if (guest) flags |= 8;
  if (!all) {
    const n = await d.getVcpusFlags(flags);
    if (json(ctx, o, { count: n })) return true;
    ctx.print(`${n}\n`);
    return true;
  }
  const isActive = await d.isActive();
  const collect = async (f: number): Promise<number> => ((f & 1) && !isActive ? -1 : d.getVcpusFlags(f));
  const confMax = await collect(2 | 4);
  const confCur = await collect(2);
  const liveMax = await collect(1 | 4);
  const liveCur = await collect(1);
  if (json(ctx, o, { maximum: { config: confMax > 0 ? confMax : null, live: liveMax > 0 ? liveMax : null }, current: { config: confCur > 0 ? confCur : null, live: liveCur > 0 ? liveCur : null } })) return true;
  let s = '';
  const line = (v: number, which: string, state: string) => { if (v > 0) s += `${pad(which, 12)} ${pad(state, 12)} ${String(v).padStart(3)}\n`; };
  line(confMax, 'maximum', 'config');
  line(liveMax, 'maximum', 'live');
  line(confCur, 'current', 'config');
  line(liveCur, 'current', 'live');
  ctx.print(s);
  return true;
}

const VCPU_STATES = ['offline', 'running', 'blocked'];

async function vcpuinfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const conn = await ctx.conn();
  // virsh sizes the affinity map by the host's CPU map (virNodeGetCPUMap), not nodeinfo
  const maxcpu = (await conn.nodeGetCPUMap(0)).ret;
  const maplen = (maxcpu + 7) >> 3;
  const info = await d.info();
  const affinity = (map: Buffer, off: number) => {
    let s = '';
    for (let c = 0; c < maxcpu; c++) s += (map[off + (c >> 3)]! >> (c & 7)) & 1 ? 'y' : '-';
    return s;
  };
  let out = '';
  const rows: Record<string, unknown>[] = [];
  if (await d.isActive()) {
    const v = await d.getVcpus(info.nrVirtCpu, maplen);
    v.info.forEach((ci, n) => {
      if (n) out += '\n';
      out += infoLine('VCPU:', ci.number) + infoLine('CPU:', ci.cpu) + infoLine('State:', VCPU_STATES[ci.state] ?? 'no state') +
        infoLine('CPU time:', `${(ci.cpu_time / 1e9).toFixed(1)}s`) + infoLine('CPU Affinity:', affinity(v.cpumaps, n * maplen));
      rows.push({ vcpu: ci.number, cpu: ci.cpu, state: VCPU_STATES[ci.state] ?? 'no state', cpuTime: ci.cpu_time, affinity: affinity(v.cpumaps, n * maplen) });
    });
  } else {
    // an inactive domain has no vcpu threads: virsh prints N/A, and all host cpus as affinity
    const all = 'y'.repeat(maxcpu);
    for (let n = 0; n < info.nrVirtCpu; n++) {
      if (n) out += '\n';
      out += infoLine('VCPU:', n) + infoLine('CPU:', 'N/A') + infoLine('State:', 'N/A') + infoLine('CPU time', 'N/A') + infoLine('CPU Affinity:', all);
      rows.push({ vcpu: n, cpu: null, state: null, cpuTime: null, affinity: all });
    }
  }
  if (json(ctx, o, rows)) return true;
  ctx.print(out);
  return true;
}

const MEMSTAT_NAMES: Record<number, string> = {
  0: 'swap_in', 1: 'swap_out', 2: 'major_fault', 3: 'minor_fault', 4: 'unused', 5: 'available', 6: 'actual', 7: 'rss',
  8: 'usable', 9: 'last_update', 10: 'disk_caches', 11: 'hugetlb_pgalloc', 12: 'hugetlb_pgfail',
};

async function dommemstat(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'current', 'live');
  exclusive(o, 'current', 'config');
  const d = await optDomain(ctx, o);
  const period = o.int('period');
  if (period !== undefined) {
    if (period < 0) throw new CliError(`Invalid collection period value '${period}'`);
    // no option on a running guest: the live one (virsh's default)
    let flags = (o.bool('config') ? 2 : 0) | (o.bool('live') ? 1 : 0);
    if (!flags && !o.bool('current') && await d.isActive()) flags = 1;
    try { await d.setMemoryStatsPeriod(period, flags); } catch (e) { throw new CmdError('Unable to change balloon collection period.', e); }
    return true;
  }
  let stats;
  try { stats = await d.memoryStats(13, 0); } catch (e) { throw new CmdError(`Failed to get memory statistics for domain ${d.name}`, e); }
  if (json(ctx, o, Object.fromEntries(stats.filter((s) => MEMSTAT_NAMES[s.tag]).map((s) => [MEMSTAT_NAMES[s.tag], s.val])))) return true;
  ctx.print(stats.filter((s) => MEMSTAT_NAMES[s.tag]).map((s) => `${MEMSTAT_NAMES[s.tag]} ${s.val}\n`).join(''));
  return true;
}

const BLKSTAT: [string, string, string][] = [
  ['rd_operations', 'rd_req', 'number of read operations:'], ['rd_bytes', 'rd_bytes', 'number of bytes read:'],
  ['wr_operations', 'wr_req', 'number of write operations:'], ['wr_bytes', 'wr_bytes', 'number of bytes written:'],
  ['errs', 'errs', 'error count:'], ['flush_operations', '', 'number of flush operations:'],
  ['rd_total_times', '', 'total duration of reads (ns):'], ['wr_total_times', '', 'total duration of writes (ns):'],
  ['flush_total_times', '', 'total duration of flushes (ns):'],
];

async function domblkstat(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const human = o.bool('human');
  let device = o.string('device', true) ?? '';
  const fmtField = (f: string) => (human ? pad(f, 31) : f);
  let params: TypedParam[] | null = null;
  try {
    params = (await d.blockStatsFlags(device, 0, 0)).params;
    if (params.length === 0) params = (await d.blockStatsFlags(device, (await d.blockStatsFlags(device, 0, 0)).nparams, 0)).params;
  } catch (e) {
    if (!isNoSupport(e)) throw e;
  }
  let s = '';
  const j: Record<string, number | string> = {};
  if (params === null) {
    let st;
    try { st = await d.blockStats(device); } catch (e) { throw new CmdError(`Failed to get block stats ${d.name} ${device}`, e); }
    if (human) { s += `Device: ${device}\n`; device = ''; }
    const vals: number[] = [st.rd_req, st.rd_bytes, st.wr_req, st.wr_bytes, st.errs];
    vals.forEach((v, i) => {
      if (v >= 0) { s += `${device} ${fmtField(human ? BLKSTAT[i]![2] : BLKSTAT[i]![1])} ${v}\n`; j[BLKSTAT[i]![1]] = v; }
    });
  } else {
    if (human) { s += `Device: ${device}\n`; device = ''; }
    const used = new Set<string>();
    for (const [field, legacy, hum] of BLKSTAT) {
      const p = params.find((x) => x.field === field);
      if (!p) continue;
      used.add(field);
      s += `${device} ${fmtField(human ? hum : legacy || field)} ${typedParamValue(p)}\n`;
      j[legacy || field] = p.value as number;
    }
    for (const p of params) if (!used.has(p.field)) { s += `${device} ${p.field} ${typedParamValue(p)}\n`; j[p.field] = p.value as number; }
  }
  if (json(ctx, o, j)) return true;
  ctx.print(s);
  return true;
}

async function domifstat(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const dev = o.string('interface')!;
  let st;
  try { st = await d.interfaceStats(dev); } catch (e) { throw new CmdError(`Failed to get interface stats ${d.name} ${dev}`, e); }
  if (json(ctx, o, st)) return true;
  let s = '';
  for (const k of ['rx_bytes', 'rx_packets', 'rx_errs', 'rx_drop', 'tx_bytes', 'tx_packets', 'tx_errs', 'tx_drop'] as const) {
    if (st[k] >= 0) s += `${dev} ${k} ${st[k]}\n`;
  }
  ctx.print(s);
  return true;
}

function blkinfoStrings(i: { capacity: number; allocation: number; physical: number }, human: boolean): [string, string, string] {
  if (i.capacity === 0 && i.allocation === 0 && i.physical === 0) return ['-', '-', '-'];
  if (!human) return [String(i.capacity), String(i.allocation), String(i.physical)];
  const f = (v: number) => { const [x, u] = prettyCapacity(v); return `${x.toFixed(3)} ${u}`; };
  return [f(i.capacity), f(i.allocation), f(i.physical)];
}

async function domblkinfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'all', 'device');
  const d = await optDomain(ctx, o);
  const all = o.bool('all');
  const device = o.raw('device');
  if (!all && !device) throw new CliError("command 'domblkinfo' requires <device> option");
  const human = o.bool('human');
  if (all) {
    const x = await domainXml(d, 0);
    const devs = child(x, 'devices');
    const t = new Table(['Target', 'Capacity', 'Allocation', 'Physical']);
    const rows = [];
    for (const disk of devs ? childrenNamed(devs, 'disk') : []) {
      const target = attrAt(disk, ['target'], 'dev') ?? '';
      let info = { capacity: 0, allocation: 0, physical: 0 };
      if (child(disk, 'source')) info = await d.getBlockInfo(target, 0);
      const [c, a, p] = blkinfoStrings(info, human);
      t.add(target, c, a, p);
      rows.push({ target, ...info });
    }
    if (json(ctx, o, rows)) return true;
    ctx.print(t.format(ctx.session.quiet));
    return true;
  }
  const info = await d.getBlockInfo(device!, 0);
  if (json(ctx, o, info)) return true;
  const [c, a, p] = blkinfoStrings(info, human);
  ctx.print(infoLine('Capacity:', c) + infoLine('Allocation:', a) + infoLine('Physical:', p));
  return true;
}

const STATS_GROUPS: [string, number][] = [
  ['state', 1], ['cpu-total', 2], ['balloon', 4], ['vcpu', 8], ['interface', 16], ['block', 32], ['perf', 64],
  ['iothread', 128], ['memory', 256], ['dirtyrate', 512], ['vm', 1024],
];
const STATS_FLAGS: [string, number][] = [
  ['list-active', 1], ['list-inactive', 2], ['list-persistent', 4], ['list-transient', 8], ['list-running', 16],
  ['list-paused', 32], ['list-shutoff', 64], ['list-other', 128], ['enforce', 0x80000000], ['backing', 0x40000000], ['nowait', 0x20000000],
];

async function domstats(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  let stats = 0;
  let flags = 0;
  for (const [n, v] of STATS_GROUPS) if (o.bool(n)) stats |= v;
  for (const [n, v] of STATS_FLAGS) if (o.bool(n)) flags = (flags | v) >>> 0;
  const conn = await ctx.conn();
  const names = o.argv('domain');
  const doms: Domain[] = [];
  for (const n of names) doms.push(await lookupDomain(conn, n));
  const recs = await conn.getAllDomainStats(doms, stats, flags);
  if (json(ctx, o, recs.map((r) => ({ domain: r.domain.name, stats: Object.fromEntries(r.params.map((p) => [p.field, p.value])) })))) return true;
  ctx.print(recs.map((r) => `Domain: '${r.domain.name}'\n` + r.params.map((p) => `  ${p.field}=${typedParamValue(p)}\n`).join('')).join('\n'));
  return true;
}

async function schedinfo(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'current', 'live');
  exclusive(o, 'current', 'config');
  const d = await optDomain(ctx, o);
  if (o.argv('set').length || o.bool('cap') || o.bool('weight')) throw new CliError('setting scheduler parameters is not supported by tsvirsh yet');
  let flags = 0;
  if (o.bool('config')) flags |= 2;
  if (o.bool('live')) flags |= 1;
  const t = await d.getSchedulerType();
  let s = `${pad('Scheduler', 15)}: ${t.type}\n`;
  const params = t.nparams ? await d.getSchedulerParameters(t.nparams, flags) : [];
  if (json(ctx, o, { scheduler: t.type, ...Object.fromEntries(params.map((p) => [p.field, p.value])) })) return true;
  for (const p of params) s += `${pad(p.field, 15)}: ${typedParamValue(p)}\n`;
  ctx.print(s);
  return true;
}

/** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED, in KiB */
const UNLIMITED = 9007199254740991;

async function memtune(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  exclusive(o, 'current', 'live');
  exclusive(o, 'current', 'config');
  const d = await optDomain(ctx, o);
  for (const n of ['hard-limit', 'soft-limit', 'swap-hard-limit', 'min-guarantee']) {
    if (o.bool(n)) throw new CliError('setting memory parameters is not supported by tsvirsh yet');
  }
  let flags = 0;
  if (o.bool('config')) flags |= 2;
  if (o.bool('live')) flags |= 1;
  let r = await d.getMemoryParameters(0, flags);
  if (r.nparams && !r.params.length) r = await d.getMemoryParameters(r.nparams, flags);
  if (json(ctx, o, Object.fromEntries(r.params.map((p) => [p.field, p.value === UNLIMITED ? null : p.value])))) return true;
  ctx.print(r.params.map((p) => `${pad(p.field, 15)}: ${p.value === UNLIMITED ? 'unlimited' : typedParamValue(p)}\n`).join(''));
  return true;
}

async function domhostname(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  let flags = 0;
  const src = o.string('source');
  if (src === 'agent') flags = 1; else if (src === 'lease') flags = 2; else if (src !== undefined) throw new CliError(`Unknown data source '${src}'`);
  let h: string;
  try { h = await d.getHostname(flags); } catch (e) { throw new CmdError('failed to get hostname', e); }
  ctx.print(`${h}\n`);
  return true;
}

async function domifaddr(ctx: Ctx, o: CmdOpts): Promise<boolean> {
  const d = await optDomain(ctx, o);
  const ifname = o.string('interface');
  const full = o.bool('full');
  const srcName = o.string('source');
  let source = 0;
  if (srcName !== undefined) {
    source = ['lease', 'agent', 'arp'].indexOf(srcName);
    if (source < 0) throw new CliError(`Unknown data source '${srcName}'`);
  }
  let ifaces;
  try { ifaces = await d.interfaceAddresses(source, 0); } catch (e) { throw new CmdError(`Failed to query for interfaces addresses`, e); }
  if (json(ctx, o, ifaces.filter((i) => !ifname || i.name === ifname || i.hwaddr === ifname))) return true;
  let s = ` ${pad('Name', 10)} ${pad('MAC address', 20)} ${pad('Protocol', 12)} Address\n${'-'.repeat(79)}\n`;
  for (const i of ifaces) {
    if (ifname && i.name !== ifname && i.hwaddr !== ifname) continue;
    const mac = i.hwaddr ?? 'N/A';
    if (!i.addrs.length) { s += ` ${pad(i.name, 10)} ${pad(mac, 20)} ${pad('N/A', 12)} N/A\n`; continue; }
    i.addrs.forEach((a, k) => {
      const proto = a.type === 0 ? 'ipv4' : a.type === 1 ? 'ipv6' : 'N/A';
      const name = k === 0 || full ? i.name : '-';
      const m = k === 0 || full ? mac : '-';
      s += ` ${pad(name, 10)} ${pad(m, 20)} ${pad(proto, 12)} ${a.addr}/${a.prefix}\n`;
    });
  }
  ctx.print(s);
  return true;
}

export const handlers: HandlerTable = {
  dominfo, domstate, domid, domuuid, domname, dumpxml, domiflist, domblklist, vcpucount, vcpuinfo, dommemstat,
  domblkstat, domifstat, domblkinfo, domstats, schedinfo, memtune, domhostname, domifaddr,
};
