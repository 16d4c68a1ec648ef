// The test driver's answers for pool source discovery, CPU model names, host CPU time and free
// pages: libvirt's test driver's fixed fakes (src/test/test_driver.c), so tools see the same.
// Everything else of this family (pool capabilities, network ports, CPU compare, page
// allocation, node memory tuning, suspend, SEV) libvirt's test driver lacks: NO_SUPPORT.
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { STORAGE_POOL_TYPES, parseStoragePoolSourceXml, type StoragePoolSource } from '../../conf/storage_pool.js';
import { cpuModelsFor } from '../../conf/cpu_map.js';
import { checkFlags, testError } from './errors.js';
import type { ConnCtx } from './state.js';

const LOGICAL_SOURCES = `<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
`;

const netfsSources = (host: string) => `<sources>
  <source>
    <host name='${host}'/>
    <dir path='/testshare'/>
    <format type='nfs'/>
  </source>
</sources>
`;

/** testNodeGetCPUStats: fixed counters (ns), whatever the CPU asked for. */
const CPU_STATS: [string, number][] = [['user', 9797400000], ['kernel', 34678723400000], ['idle', 87264900000], ['iowait', 763600000]];

export const hostExtraMethods = {
  async connectFindStoragePoolSources(this: ConnCtx, type: string, srcSpec: string | null, flags: number): Promise<string> {
    checkFlags(flags, 0, 'testConnectFindStoragePoolSources');
    const t = (STORAGE_POOL_TYPES as readonly string[]).indexOf(type);
    // libvirt tests the enum value for zero, so 'dir' (the first type) counts as unknown
    if (t === 0) throw testError(ErrorNumber.INTERNAL_ERROR, `unknown storage pool type ${type}`);
    let source: StoragePoolSource | null = null;
    if (srcSpec !== null && t > 0) source = parseStoragePoolSourceXml(srcSpec, type);
    if (type === 'logical') return LOGICAL_SOURCES;
    if (type === 'netfs') {
      const host = source?.hosts[0]?.name;
      if (!host) throw testError(ErrorNumber.INVALID_ARG, 'hostname must be specified for netfs sources');
      return netfsSources(host);
    }
    throw testError(ErrorNumber.NO_SUPPORT, `pool type '${type}' does not support source discovery`);
  },

  async connectGetCpuModelNames(this: ConnCtx, arch: string, flags: number): Promise<string[]> {
    checkFlags(flags, 0, 'testConnectGetCPUModelNames');
    const models = cpuModelsFor(arch);
    if (models === 'unknown-arch') throw testError(ErrorNumber.INVALID_ARG, `cannot find architecture ${arch}`);
    if (models === 'no-driver') throw virError(ErrorDomain.CPU, ErrorNumber.NO_SUPPORT, `'${arch}' architecture is not supported by CPU driver`);
    return models;
  },

  async nodeGetCpuStats(this: ConnCtx, _cpuNum: number, nparams: number, flags: number): Promise<{ params: { field: string; value: number }[]; nparams: number }> {
    checkFlags(flags, 0, 'testNodeGetCPUStats');
    if (nparams === 0) return { params: [], nparams: CPU_STATS.length };
    const params = CPU_STATS.slice(0, nparams).map(([field, value]) => ({ field, value }));
    return { params, nparams: params.length };
  },

  /** testNodeGetFreePages: 19, 45, 97, 201, ... (x = 2x + 7 from 6) per call, whatever the sizes and cells. */
  async nodeGetFreePages(this: ConnCtx, pages: number[], _startCell: number, cellCount: number, flags: number): Promise<number[]> {
    checkFlags(flags, 0, 'testNodeGetFreePages');
    const counts: number[] = [];
    let x = 6;
    for (let i = 0; i < cellCount; i++) {
      for (let j = 0; j < pages.length; j++) {
        x = x * 2 + 7;
        counts.push(x);
      }
    }
    return counts;
  },
};
