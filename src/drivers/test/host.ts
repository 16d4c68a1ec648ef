// Connection- and host-level calls of the test driver: type/version/hostname, node info, NUMA
// cell memory, CPU map, capabilities, sysinfo and the security model.
import { hostname } from 'node:os';
import { formatCapabilitiesXml, testDriverCapabilities } from '../../conf/capabilities.js';
import type { CpuMap, NodeInfo, SecurityModel } from '../driver.js';
import { ErrorNumber } from '../../util/error.js';
import { checkFlags, testError } from './errors.js';
import { type ConnCtx, MAX_VCPUS } from './state.js';

/** The BIOS block libvirt's test driver reports (testConnectGetSysinfo). */
const SYSINFO = `<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
`;

/** VIR_DRV_FEATURE_TYPED_PARAM_STRING and VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER */
const FEATURES = new Set([9, 16]);

export const hostMethods = {
  async connectGetType(this: ConnCtx): Promise<string> { return 'TEST'; },
  async connectGetVersion(this: ConnCtx): Promise<number> { return 2; },
  async connectGetLibVersion(this: ConnCtx): Promise<number> { return 9000000; },
  async connectGetHostname(this: ConnCtx): Promise<string> { return hostname(); },
  async connectGetUri(this: ConnCtx): Promise<string> { return this.uri; },
  async connectGetMaxVcpus(this: ConnCtx, _type: string | null): Promise<number> { return MAX_VCPUS; },
  async connectIsSecure(this: ConnCtx): Promise<number> { return 1; },
  async connectIsEncrypted(this: ConnCtx): Promise<number> { return 0; },
  async connectIsAlive(this: ConnCtx): Promise<number> { return 1; },
  async connectSupportsFeature(this: ConnCtx, feature: number): Promise<number> { return FEATURES.has(feature) ? 1 : 0; },
  async connectGetSysinfo(this: ConnCtx, flags: number): Promise<string> {
    checkFlags(flags, 0, 'testConnectGetSysinfo');
    return SYSINFO;
  },
  async connectGetCapabilities(this: ConnCtx): Promise<string> {
    const caps = testDriverCapabilities();
    // cells come from the driver: test:///default has two; a node file none, which libvirt
    // still prints as an empty NUMA topology
    caps.host.cells = (caps.host.cells ?? []).slice(0, this.drv.cells.length);
    return formatCapabilitiesXml(caps);
  },
  async nodeGetInfo(this: ConnCtx): Promise<NodeInfo> { return { ...this.drv.nodeInfo }; },
  async nodeGetFreeMemory(this: ConnCtx): Promise<number> {
    let free = 0;
    for (const c of this.drv.cells) free += c.freeMem;
    return free;
  },
  async nodeGetCellsFreeMemory(this: ConnCtx, startCell: number, maxcells: number): Promise<number[]> {
    const cells = this.drv.cells;
    if (startCell >= cells.length) throw testError(ErrorNumber.INVALID_ARG, 'Range exceeds available cells');
    // as libvirt's test driver: each cell's total memory is reported
    return cells.slice(startCell, startCell + Math.max(0, maxcells)).map((c) => c.mem);
  },
  async nodeGetCpuMap(this: ConnCtx, needMap: number, needOnline: number, flags: number): Promise<CpuMap> {
    checkFlags(flags, 0, 'testNodeGetCPUMap');
    return { cpumap: needMap ? Buffer.from([0x15]) : Buffer.alloc(0), online: needOnline ? 3 : 0, ret: 8 };
  },
  async nodeGetSecurityModel(this: ConnCtx): Promise<SecurityModel> { return { model: 'testSecurity', doi: '' }; },
};
