// Domain statistics from QEMU and /proc: CPU time, block and interface counters, balloon and
// memory, and the typed-parameter records of virConnectGetAllDomainStats.
// libvirt counterpart: the stats parts of qemu_driver.c.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { DomainMemoryStatTags, DomainStatsTypes } from '../../api/constants.js';
import { TypedParamType, type BlockStats, type InterfaceStats, type MemoryStat, type TypedParam } from '../driver.js';
import type { DiskDef } from '../../conf/domain.js';
import { diskNodeNames } from './command.js';
import type { DomainObj } from './domain_obj.js';

const ERR = ErrorDomain.QEMU;
const CLK_TCK = 100;

/** utime+stime of the QEMU process in nanoseconds (libvirt reads the cgroup or /proc the same way). */
export function cpuTimeNs(pid: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * (1e9 / CLK_TCK);
  } catch { return 0; }
}

export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

function requireLive(obj: DomainObj) {
  if (!obj.live?.monitor) throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'domain is not running');
  return obj.live;
}

/** A disk named by target ("vda") or source path. */
export function findDisk(obj: DomainObj, path: string): DiskDef {
  const live = requireLive(obj);
  const d = live.def.devices.disks.find((x) => x.target.dev === path || x.source?.file === path || x.source?.dev === path);
  if (!d) throw virError(ERR, ErrorNumber.INVALID_ARG, `invalid path: ${path}`);
  return d;
}

interface QmpBlockStat { 'node-name'?: string; qdev?: string; device?: string; stats: Record<string, number> }

async function blockStatsAll(obj: DomainObj): Promise<QmpBlockStat[]> {
  return requireLive(obj).monitor!.execute<QmpBlockStat[]>('query-blockstats', { 'query-nodes': false });
}

function statsFor(obj: DomainObj, all: QmpBlockStat[], disk: DiskDef): Record<string, number> | null {
  const live = obj.live!;
  const names = diskNodeNames(live.def, disk);
  const e = all.find((x) => x['node-name'] === names.format || (x.qdev ?? '').includes(`/${disk.alias}/`) || x.qdev === disk.alias);
  return e ? e.stats : null;
}

export async function domainBlockStats(obj: DomainObj, path: string): Promise<BlockStats> {
  const disk = findDisk(obj, path);
  const s = statsFor(obj, await blockStatsAll(obj), disk);
  if (!s) throw virError(ERR, ErrorNumber.INTERNAL_ERROR, `cannot find statistics for device '${disk.alias}'`);
  return { rd_req: s['rd_operations'] ?? 0, rd_bytes: s['rd_bytes'] ?? 0, wr_req: s['wr_operations'] ?? 0, wr_bytes: s['wr_bytes'] ?? 0, errs: -1 };
}

/** /proc/net/dev counters of a host interface, seen from the guest (tap rx is guest tx). */
function hostIfaceCounters(ifname: string): number[] | null {
  const lines = fs.readFileSync('/proc/net/dev', 'utf8').split('\n');
  for (const l of lines) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(l);
    if (m && m[1] === ifname) return m[2]!.trim().split(/\s+/).map(Number);
  }
  return null;
}

export function domainInterfaceStats(obj: DomainObj, device: string): InterfaceStats {
  const live = requireLive(obj);
  const n = live.def.devices.interfaces.find((x) => x.target?.dev === device || x.mac === device || x.alias === device);
  if (!n) throw virError(ERR, ErrorNumber.INVALID_ARG, `invalid path, '${device}' is not a known interface`);
  const ifname = n.target?.dev;
  if (n.type === 'user' || !ifname) {
    throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, 'interface stats are not available for user-mode networking');
  }
  const c = hostIfaceCounters(ifname);
  if (!c) throw virError(ERR, ErrorNumber.INTERNAL_ERROR, `Interface not found: ${ifname}`);
  // A tap's receive side is what the guest transmitted, so the columns are swapped.
  return {
    rx_bytes: c[8]!, rx_packets: c[9]!, rx_errs: c[10]!, rx_drop: c[11]!,
    tx_bytes: c[0]!, tx_packets: c[1]!, tx_errs: c[2]!, tx_drop: c[3]!,
  };
}

export async function domainMemoryStats(obj: DomainObj, maxStats: number): Promise<MemoryStat[]> {
  const live = requireLive(obj);
  const out: MemoryStat[] = [];
  const balloon = live.def.devices.memballoon;
  if (balloon && balloon.model !== 'none' && balloon.alias) {
    const b = await live.monitor!.execute<{ actual: number }>('query-balloon').catch(() => null);
    if (b) out.push({ tag: DomainMemoryStatTags.ACTUAL_BALLOON, val: Math.floor(b.actual / 1024) });
    if (balloon.statsPeriod) {
      const g = await live.monitor!.execute<{ stats: Record<string, number>; 'last-update': number }>('qom-get', {
        path: `/machine/peripheral/${balloon.alias}`, property: 'guest-stats',
      }).catch(() => null);
      const map: [string, number][] = [
        ['stat-swap-in', DomainMemoryStatTags.SWAP_IN], ['stat-swap-out', DomainMemoryStatTags.SWAP_OUT],
        ['stat-major-faults', DomainMemoryStatTags.MAJOR_FAULT], ['stat-minor-faults', DomainMemoryStatTags.MINOR_FAULT],
        ['stat-free-memory', DomainMemoryStatTags.UNUSED], ['stat-total-memory', DomainMemoryStatTags.AVAILABLE],
        ['stat-available-memory', DomainMemoryStatTags.USABLE], ['stat-disk-caches', DomainMemoryStatTags.DISK_CACHES],
      ];
      if (g) {
        for (const [k, tag] of map) {
          const v = g.stats[k];
          if (v === undefined || v < 0) continue;
          out.push({ tag, val: k.includes('faults') ? v : Math.floor(v / 1024) });
        }
        if (g['last-update']) out.push({ tag: DomainMemoryStatTags.LAST_UPDATE, val: g['last-update'] });
      }
    }
  }
  out.push({ tag: DomainMemoryStatTags.RSS, val: rssKiB(live.pid) });
  return out.slice(0, maxStats);
}

const p = (field: string, type: TypedParamType, value: number | string | boolean): TypedParam => ({ field, type, value });

/** One domain's record for virConnectGetAllDomainStats. */
export async function domainStatsRecord(obj: DomainObj, stats: number): Promise<TypedParam[]> {
  const all = stats === 0 ? ~0 : stats;
  const out: TypedParam[] = [];
  const live = obj.live;
  const def = live?.def ?? obj.def;
  if (all & DomainStatsTypes.STATE) {
    out.push(p('state.state', TypedParamType.INT, obj.state), p('state.reason', TypedParamType.INT, obj.reason));
  }
  if ((all & DomainStatsTypes.CPU_TOTAL) && live) {
    const t = cpuTimeNs(live.pid);
    out.push(p('cpu.time', TypedParamType.ULLONG, t));
  }
  if (all & DomainStatsTypes.BALLOON) {
    let cur = def.currentMemory;
    if (live?.monitor && def.devices.memballoon?.alias) {
      const b = await live.monitor.execute<{ actual: number }>('query-balloon').catch(() => null);
      if (b) cur = Math.floor(b.actual / 1024);
    }
    out.push(p('balloon.current', TypedParamType.ULLONG, cur), p('balloon.maximum', TypedParamType.ULLONG, def.memory));
    if (live) out.push(p('balloon.rss', TypedParamType.ULLONG, rssKiB(live.pid)));
  }
  if (all & DomainStatsTypes.VCPU) {
    out.push(p('vcpu.current', TypedParamType.UINT, def.vcpuCurrent ?? def.vcpus), p('vcpu.maximum', TypedParamType.UINT, def.vcpus));
  }
  if (all & DomainStatsTypes.INTERFACE) {
    const nets = def.devices.interfaces;
    out.push(p('net.count', TypedParamType.UINT, nets.length));
    nets.forEach((n, i) => {
      out.push(p(`net.${i}.name`, TypedParamType.STRING, n.target?.dev ?? n.alias ?? `net${i}`));
      if (live && n.type !== 'user' && n.target?.dev) {
        try {
          const s = domainInterfaceStats(obj, n.target.dev);
          out.push(p(`net.${i}.rx.bytes`, TypedParamType.ULLONG, s.rx_bytes), p(`net.${i}.rx.pkts`, TypedParamType.ULLONG, s.rx_packets),
            p(`net.${i}.tx.bytes`, TypedParamType.ULLONG, s.tx_bytes), p(`net.${i}.tx.pkts`, TypedParamType.ULLONG, s.tx_packets));
        } catch { /* interface gone */ }
      }
    });
  }
  if (all & DomainStatsTypes.BLOCK) {
    const disks = def.devices.disks;
    out.push(p('block.count', TypedParamType.UINT, disks.length));
    const qs = live?.monitor ? await blockStatsAll(obj).catch(() => []) : [];
    disks.forEach((d, i) => {
      out.push(p(`block.${i}.name`, TypedParamType.STRING, d.target.dev));
      const src = d.source?.file ?? d.source?.dev;
      if (src) out.push(p(`block.${i}.path`, TypedParamType.STRING, src));
      const s = live ? statsFor(obj, qs, d) : null;
      if (s) {
        out.push(p(`block.${i}.rd.reqs`, TypedParamType.ULLONG, s['rd_operations'] ?? 0), p(`block.${i}.rd.bytes`, TypedParamType.ULLONG, s['rd_bytes'] ?? 0),
          p(`block.${i}.wr.reqs`, TypedParamType.ULLONG, s['wr_operations'] ?? 0), p(`block.${i}.wr.bytes`, TypedParamType.ULLONG, s['wr_bytes'] ?? 0));
      }
    });
  }
  return out;
}

export function hostMhz(): number { return Math.round(os.cpus()[0]?.speed ?? 0); }
