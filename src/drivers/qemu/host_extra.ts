// Host facts the QEMU driver answers from the kernel, as libvirt's virhostcpu.c / virhostmem.c /
// virnuma.c read them: CPU time from /proc/stat, free pages per NUMA node from /sys; and the CPU
// model names of libvirt's CPU map (qemuConnectGetCPUModelNames asks the CPU driver, not QEMU).
import * as fs from 'node:fs';
import { ErrorDomain, ErrorNumber, checkFlags, rawError, virError } from '../../util/error.js';
import { cpuModelsFor } from '../../conf/cpu_map.js';

/** /proc/stat ticks are USER_HZ (100 on Linux) */
const TICK_NS = 10_000_000;
const NB_CPU_STATS = 4;
const SYSTEM_PAGE_KIB = 4;

/** virHostCPUGetStatsLinux: kernel, user, idle, iowait (ns) of one CPU or of all (-1). */
export function hostCpuStats(cpuNum: number, nparams: number, flags: number, statText = fs.readFileSync('/proc/stat', 'utf8')): { params: { field: string; value: number }[]; nparams: number } {
  checkFlags(ErrorDomain.QEMU, flags, 0, 'qemuNodeGetCPUStats');
  if (nparams === 0) return { params: [], nparams: NB_CPU_STATS };
  if (nparams !== NB_CPU_STATS) {
    throw rawError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `nparams in virHostCPUGetStatsLinux must be equal to ${NB_CPU_STATS}`);
  }
  const header = cpuNum === -1 ? 'cpu ' : `cpu${cpuNum} `;
  for (const line of statText.split('\n')) {
    if (!line.startsWith(header)) continue;
    const [usr = 0, ni = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    return {
      params: [
        { field: 'kernel', value: (sys + irq + softirq) * TICK_NS }, { field: 'user', value: (usr + ni) * TICK_NS },
        { field: 'idle', value: idle * TICK_NS }, { field: 'iowait', value: iowait * TICK_NS },
      ],
      nparams: NB_CPU_STATS,
    };
  }
  throw rawError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, 'Invalid cpuNum in virHostCPUGetStatsLinux');
}

const NODE_DIR = '/sys/devices/system/node';

function maxNode(root: string): number {
  try {
    const ids = fs.readdirSync(root).map((n) => /^node(\d+)$/.exec(n)).filter((m) => m).map((m) => Number(m![1]));
    return ids.length ? Math.max(...ids) : 0;
  } catch { return 0; }
}

/** virNumaGetPageInfo's free count: MemFree / page size for the system page, free_hugepages otherwise. */
function freePagesOn(root: string, cell: number, kib: number): number {
  if (kib === SYSTEM_PAGE_KIB) {
    const file = cell < 0 ? '/proc/meminfo' : `${root}/node${cell}/meminfo`;
    const m = /MemFree:\s+(\d+) kB/.exec(fs.readFileSync(file, 'utf8'));
    if (!m) throw virError(ErrorDomain.NONE, ErrorNumber.INTERNAL_ERROR, `Unable to parse ${file}`);
    return Math.floor(Number(m[1]) / SYSTEM_PAGE_KIB);
  }
  const dir = cell < 0 ? `/sys/kernel/mm/hugepages/hugepages-${kib}kB` : `${root}/node${cell}/hugepages/hugepages-${kib}kB`;
  try {
    return Number(fs.readFileSync(`${dir}/free_hugepages`, 'utf8').trim());
  } catch {
    throw virError(ErrorDomain.NONE, ErrorNumber.OPERATION_INVALID,
      cell < 0 ? `page size ${kib} is not available` : `page size ${kib} is not available on node ${cell}`);
  }
}

/** virHostMemGetFreePages: cells from startCell (clipped to the last node), one count per size. */
export function hostFreePages(pages: number[], startCell: number, cellCount: number, flags: number, root = NODE_DIR): number[] {
  checkFlags(ErrorDomain.QEMU, flags, 0, 'qemuNodeGetFreePages');
  let last = maxNode(root);
  if (startCell > last) throw virError(ErrorDomain.NONE, ErrorNumber.INTERNAL_ERROR, `start cell ${startCell} out of range (0-${last})`);
  last = Math.min(last, startCell + cellCount - 1);
  const counts: number[] = [];
  for (let cell = startCell; cell <= last; cell++) for (const kib of pages) counts.push(freePagesOn(root, cell, kib));
  if (counts.length === 0) throw virError(ErrorDomain.NONE, ErrorNumber.OPERATION_FAILED, 'no suitable info found');
  return counts;
}

/** qemuConnectGetCPUModelNames */
export function cpuModelNames(arch: string, flags: number): string[] {
  checkFlags(ErrorDomain.QEMU, flags, 0, 'qemuConnectGetCPUModelNames');
  const models = cpuModelsFor(arch);
  if (models === 'unknown-arch') throw virError(ErrorDomain.QEMU, ErrorNumber.INVALID_ARG, `cannot find architecture ${arch}`);
  if (models === 'no-driver') throw virError(ErrorDomain.CPU, ErrorNumber.NO_SUPPORT, `'${arch}' architecture is not supported by CPU driver`);
  return models;
}
