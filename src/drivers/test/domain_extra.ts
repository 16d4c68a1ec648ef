// Test driver calls behind tsvirsh's domain_extra commands: control info, disk errors, guest
// time, NMI and key injection. Their answers are libvirt's test driver's fakes (the guest clock
// starts at 1989-11-17 15:32:00 and also selects the control state), so tools see the same.
import { type ControlInfo, type DiskErrors, type DomainRef, type DomainTime, type FsInfoList, type ParamsReply, type TypedParam, TypedParamType } from '../driver.js';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { formatCpuset, parseCpuset } from '../../conf/domain_util.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { AFFECT_CONFIG, AFFECT_LIVE, checkActive, domObj, getDefs, getOneDef, vcpusOf } from './domain_common.js';
import { PERF_EVENTS, type DomainDef } from '../../conf/domain.js';
import { DomainState } from './domain_obj.js';
import { checkFlags, domainError, testError } from './errors.js';
import type { ConnCtx } from './state.js';

const TIME_SYNC = 1;
/** virDomainControlState / virDomainControlErrorReason */
const CONTROL = { OK: 0, JOB: 1, OCCUPIED: 2, ERROR: 3 } as const;
/** virDomainDiskErrorCode: disks take UNSPEC and NO_SPACE in turn */
const DISK_ERROR_LAST = 3;

/** virDomainLifecycle / virDomainLifecycleAction, by enum value */
const LIFECYCLE_TYPES = ['poweroff', 'reboot', 'crash'] as const;
const LIFECYCLE_ACTIONS = ['destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart'];

/** The test driver's fake guest file systems: '/' and '/boot', partitions 1 and 2 of the first disk */
const FS_MOUNTS = ['/', '/boot'];

/**
 * FSFreeze/FSThaw on the fake file systems: all of them for no mount point, else each named one
 * (an unknown name refuses the whole call before anything changes); the count is of those whose
 * state changed.
 */
function fsSetFrozen(frozen: boolean[], mountpoints: string[], freeze: boolean): number {
  const hit = mountpoints.length ? [false, false] : [true, true];
  for (const m of mountpoints) {
    const i = FS_MOUNTS.indexOf(m);
    if (i < 0) throw testError(ErrorNumber.OPERATION_INVALID, `mount point not found: ${m}`);
    hit[i] = true;
  }
  let n = 0;
  for (let i = 0; i < FS_MOUNTS.length; i++) {
    if (hit[i] && frozen[i] !== freeze) { frozen[i] = freeze; n++; }
  }
  return n;
}

/** virDomainNumatuneMemMode, by enum value */
const NUMA_MODES = ['strict', 'preferred', 'interleave', 'restrictive'];
const TYPED_PARAM_STRING_OKAY = 4;

/** The CPUs cpu-stats reports on */
const STATS_CPUS = 2;

/** The host CPUs of the fake node (VIR_NODEINFO_MAXCPUS) */
export function hostCpuCount(ctx: ConnCtx): number {
  const n = ctx.drv.nodeInfo;
  return n.nodes * n.sockets * n.cores * n.threads;
}

/** virHostCPUGetAvailableCPUsBitmap: the CPUs this machine has online */
function realHostCpus(): number[] {
  try {
    const bits = parseCpuset(readFileSync('/sys/devices/system/cpu/online', 'utf8').trim());
    if (bits?.length) return bits;
  } catch { /* no sysfs: count the CPUs instead */ }
  return allCpus(Math.max(1, cpus().length));
}

/** All CPUs 0..n-1 */
const allCpus = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A vcpu's affinity: its own pinning, else the domain's <vcpu cpuset>, else every host CPU */
export function vcpuAffinity(def: DomainDef, vcpu: number, hostcpus: number): number[] {
  const pin = def.vcpupin?.find((p) => p.vcpu === vcpu)?.cpuset ?? def.cpuset;
  return (pin !== undefined ? parseCpuset(pin) : null) ?? allCpus(hostcpus);
}

/** virBitmapToDataBuf: the CPUs as a bit map of maplen bytes at off (bits past it dropped) */
export function writeCpumap(buf: Buffer, off: number, maplen: number, cpus: number[]): void {
  for (const c of cpus) if (c < maplen * 8) buf[off + (c >> 3)]! |= 1 << (c & 7);
}

/** virBitmapNewData: the CPUs set in a client's map */
function readCpumap(map: Buffer): number[] {
  const cpus: number[] = [];
  for (let c = 0; c < map.length * 8; c++) if ((map[c >> 3]! >> (c & 7)) & 1) cpus.push(c);
  return cpus;
}

export const domainExtraMethods = {
  async domainPinVcpu(this: ConnCtx, dom: DomainRef, vcpu: number, cpumap: Buffer): Promise<void> {
    // libvirt's virDomainPinVcpu is PinVcpuFlags with no flags
    return domainExtraMethods.domainPinVcpuFlags.call(this, dom, vcpu, cpumap, 0);
  },
  async domainPinVcpuFlags(this: ConnCtx, dom: DomainRef, vcpu: number, cpumap: Buffer, flags: number): Promise<void> {
    // the test driver pins the running guest only, and takes no flags at all
    checkFlags(flags, 0, 'testDomainPinVcpuFlags');
    const o = domObj(this, dom);
    if (!o.active) throw testError(ErrorNumber.OPERATION_INVALID, 'cannot pin vcpus on an inactive domain');
    // the live definition only: the persistent one is left as it is
    const { def } = getOneDef(o, AFFECT_LIVE);
    if (vcpu >= vcpusOf(def)) throw testError(ErrorNumber.INVALID_ARG, `requested vcpu '${vcpu}' is not present in the domain`);
    const pins = (def.vcpupin ?? []).filter((p) => p.vcpu !== vcpu);
    pins.push({ vcpu, cpuset: formatCpuset(readCpumap(cpumap)) });
    def.vcpupin = pins.sort((a, b) => a.vcpu - b.vcpu);
  },
  async domainPinEmulator(this: ConnCtx, dom: DomainRef, cpumap: Buffer, flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainPinEmulator');
    const { def } = getOneDef(domObj(this, dom), flags);
    const cpus = readCpumap(cpumap);
    if (!cpus.length) throw testError(ErrorNumber.INVALID_ARG, 'Empty cpu list for pinning');
    def.emulatorpin = formatCpuset(cpus);
  },
  async domainGetEmulatorPinInfo(this: ConnCtx, dom: DomainRef, maplen: number, flags: number): Promise<{ cpumaps: Buffer; ret: number }> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainGetEmulatorPinInfo');
    const { def } = getOneDef(domObj(this, dom), flags);
    const pin = def.emulatorpin ?? def.cpuset;
    const cpus = (pin !== undefined ? parseCpuset(pin) : null) ?? allCpus(hostCpuCount(this));
    const cpumaps = Buffer.alloc(Math.max(0, maplen));
    writeCpumap(cpumaps, 0, maplen, cpus);
    return { cpumaps, ret: 1 };
  },
  async domainGetIothreadInfo(this: ConnCtx, dom: DomainRef, flags: number): Promise<{ info: { iothread_id: number; cpumap: Buffer }[]; ret: number }> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainGetIOThreadInfo');
    const { def } = getOneDef(domObj(this, dom), flags);
    const info = [];
    // virDomainDriverGetIOThreadsConfig: an IOThread runs where its <iothreadpin> or else the
    // domain's <vcpu cpuset> allows, else on any CPU the real host has online (libvirt 9.0
    // asks the machine here, not the fake node)
    for (const t of def.iothreadids ?? []) {
      const pin = t.cpuset ?? def.cpuset;
      const cpus = (pin !== undefined ? parseCpuset(pin) : null) ?? realHostCpus();
      const maplen = ((cpus[cpus.length - 1] ?? 0) >> 3) + 1;
      const cpumap = Buffer.alloc(maplen);
      writeCpumap(cpumap, 0, maplen, cpus);
      info.push({ iothread_id: t.id, cpumap });
    }
    return { info, ret: info.length };
  },
  async domainGetCpuStats(this: ConnCtx, dom: DomainRef, nparams: number, startCpu: number, ncpus: number, flags: number): Promise<ParamsReply> {
    checkFlags(flags, TYPED_PARAM_STRING_OKAY, 'testDomainGetCPUStats');
    checkActive(domObj(this, dom));
    const ull = (field: string, ns: number): TypedParam => ({ field, type: TypedParamType.ULLONG, value: ns });
    if (startCpu === -1) {
      // the totals: fixed figures, as libvirt's test driver reports
      const total = [ull('cpu_time', 48772617035), ull('user_time', 5540000000), ull('system_time', 6460000000)];
      if (nparams === 0) return { params: [], nparams: total.length };
      const params = total.slice(0, nparams);
      return { params, nparams: params.length };
    }
    // libvirt's test driver shows a fixed host of two CPUs here, whatever its node info says
    if (nparams === 0 && ncpus === 0) return { params: [], nparams: STATS_CPUS };
    if (nparams === 0) return { params: [], nparams: 2 };
    if (startCpu < 0 || startCpu >= STATS_CPUS) {
      throw testError(ErrorNumber.INVALID_ARG, `start_cpu ${startCpu} larger than maximum of ${STATS_CPUS - 1}`);
    }
    const per = Math.min(nparams, 2);
    const params: TypedParam[] = [];
    // each CPU's figures one nanosecond above the previous CPU's
    for (let cpu = startCpu; cpu < Math.min(startCpu + ncpus, STATS_CPUS); cpu++) {
      params.push(...[ull('cpu_time', 24386308517 + cpu), ull('vcpu_time', 23151740627 + cpu)].slice(0, per));
    }
    return { params, nparams: per };
  },
  async domainGetPerfEvents(this: ConnCtx, dom: DomainRef, flags: number): Promise<TypedParam[]> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | TYPED_PARAM_STRING_OKAY, 'testDomainGetPerfEvents');
    const { def } = getOneDef(domObj(this, dom), flags & ~TYPED_PARAM_STRING_OKAY);
    return PERF_EVENTS.map((e) => ({ field: e, type: TypedParamType.BOOLEAN, value: def.perf?.[e] === 'yes' ? 1 : 0 }));
  },
  async domainSetPerfEvents(this: ConnCtx, dom: DomainRef, params: TypedParam[], flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainSetPerfEvents');
    // virTypedParamsValidate: known boolean events, each once
    const seen = new Set<string>();
    for (const p of params) {
      if (!(PERF_EVENTS as readonly string[]).includes(p.field)) {
        throw virError(ErrorDomain.NONE, ErrorNumber.ARGUMENT_UNSUPPORTED, `parameter '${p.field}' not supported`);
      }
      if (p.type !== TypedParamType.BOOLEAN) throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `invalid type '${p.type}' for parameter '${p.field}', expected 'boolean'`);
      if (seen.has(p.field)) throw virError(ErrorDomain.NONE, ErrorNumber.INVALID_ARG, `parameter '${p.field}' occurs multiple times`);
      seen.add(p.field);
    }
    const { def } = getOneDef(domObj(this, dom), flags);
    for (const p of params) (def.perf ??= {})[p.field] = p.value ? 'yes' : 'no';
  },
  async domainGetVcpuPinInfo(this: ConnCtx, dom: DomainRef, ncpumaps: number, maplen: number, flags: number): Promise<{ cpumaps: Buffer; num: number }> {
    // libvirt's test driver checks no flags here
    const { def } = getOneDef(domObj(this, dom), flags);
    const hostcpus = hostCpuCount(this);
    // every vcpu up to the maximum, online or not (virDomainDefGetVcpuPinInfoHelper)
    const num = Math.max(0, Math.min(def.vcpus, ncpumaps));
    const cpumaps = Buffer.alloc(Math.max(0, ncpumaps * maplen));
    for (let i = 0; i < num; i++) writeCpumap(cpumaps, i * maplen, maplen, vcpuAffinity(def, i, hostcpus));
    return { cpumaps, num };
  },
  async domainGetNumaParameters(this: ConnCtx, dom: DomainRef, nparams: number, flags: number): Promise<ParamsReply> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | TYPED_PARAM_STRING_OKAY, 'testDomainGetNumaParameters');
    // nparams 0 is the client asking how many there are
    if (nparams === 0) return { params: [], nparams: 2 };
    const { def } = getOneDef(domObj(this, dom), flags & ~TYPED_PARAM_STRING_OKAY);
    const all: TypedParam[] = [
      { field: 'numa_mode', type: TypedParamType.INT, value: Math.max(0, NUMA_MODES.indexOf(def.numatuneMode ?? 'strict')) },
      { field: 'numa_nodeset', type: TypedParamType.STRING, value: def.numatuneNodeset ?? '' },
    ];
    const params = all.slice(0, nparams);
    return { params, nparams: params.length };
  },
  async domainSetNumaParameters(this: ConnCtx, dom: DomainRef, params: TypedParam[], flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainSetNumaParameters');
    // one definition only, as libvirt's test driver (virDomainObjGetOneDef)
    const { def, live } = getOneDef(domObj(this, dom), flags);
    let mode: string | undefined;
    let nodeset: string | undefined;
    for (const p of params) {
      if (p.field === 'numa_mode' && p.type === TypedParamType.INT) {
        mode = NUMA_MODES[Number(p.value)];
        if (mode === undefined) throw domainError(ErrorNumber.INVALID_ARG, `unsupported numatune mode: '${p.value}'`);
      } else if (p.field === 'numa_nodeset' && p.type === TypedParamType.STRING) {
        const bits = parseCpuset(String(p.value));
        if (!bits) throw testError(ErrorNumber.INVALID_ARG, `Failed to parse bitmap '${p.value}'`);
        nodeset = formatCpuset(bits);
      } else {
        throw testError(ErrorNumber.INVALID_ARG, `invalid argument: ${p.field}`);
      }
    }
    // a running guest keeps its memory mode once it has one (as libvirt's drivers)
    if (live && mode !== undefined && def.numatuneNodeset !== undefined && (def.numatuneMode ?? 'strict') !== mode) {
      throw testError(ErrorNumber.OPERATION_INVALID, "can't change numatune mode for running domain");
    }
    if (mode === undefined && nodeset === undefined) return;
    const ns = nodeset ?? def.numatuneNodeset;
    if (ns === undefined) {
      throw domainError(ErrorNumber.CONFIG_UNSUPPORTED, "nodeset for NUMA memory tuning must be set if 'placement' is 'static'");
    }
    def.numatuneMode = mode ?? def.numatuneMode ?? 'strict';
    def.numatuneNodeset = ns;
  },
  async domainGetFsinfo(this: ConnCtx, dom: DomainRef, flags: number): Promise<FsInfoList> {
    checkFlags(flags, 0, 'testDomainGetFSInfo');
    const o = domObj(this, dom);
    checkActive(o);
    const disk = o.def.devices.disks[0];
    if (!disk) return { info: [], ret: 0 };
    const dev = disk.target.dev;
    const info = FS_MOUNTS.map((mountpoint, i) => ({ mountpoint, name: `${dev}${i + 1}`, fstype: 'ext4', devAliases: [dev] }));
    return { info, ret: info.length };
  },
  async domainFsfreeze(this: ConnCtx, dom: DomainRef, mountpoints: string[], flags: number): Promise<number> {
    checkFlags(flags, 0, 'testDomainFSFreeze');
    const o = domObj(this, dom);
    checkActive(o);
    return fsSetFrozen(o.frozen, mountpoints, true);
  },
  async domainFsthaw(this: ConnCtx, dom: DomainRef, mountpoints: string[], flags: number): Promise<number> {
    checkFlags(flags, 0, 'testDomainFSThaw');
    const o = domObj(this, dom);
    checkActive(o);
    return fsSetFrozen(o.frozen, mountpoints, false);
  },
  async domainFstrim(this: ConnCtx, dom: DomainRef, mountPoint: string | null, minimum: number, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testDomainFSTrim');
    const o = domObj(this, dom);
    checkActive(o);
    // nothing to trim in a fake guest; only the mount point is checked
    if (mountPoint !== null && !FS_MOUNTS.includes(mountPoint)) {
      throw testError(ErrorNumber.OPERATION_INVALID, `mount point not found: ${mountPoint}`);
    }
    void minimum;
  },
  async domainGetControlInfo(this: ConnCtx, dom: DomainRef, flags: number): Promise<ControlInfo> {
    checkFlags(flags, 0, 'testDomainGetControlInfo');
    const o = domObj(this, dom);
    checkActive(o);
    // The test driver encodes the control state in the guest clock's seconds.
    const s = o.seconds;
    if (s > 0 && s < 10000) return { state: CONTROL.JOB, details: 0, stateTime: s };
    if (s >= 10000 && s < 30000) return { state: CONTROL.OCCUPIED, details: 0, stateTime: s - 10000 };
    if (s >= 30000 && s < 60000) return { state: CONTROL.ERROR, details: s % 4, stateTime: s - 30000 };
    return { state: CONTROL.OK, details: 0, stateTime: 0 };
  },
  async domainGetDiskErrors(this: ConnCtx, dom: DomainRef, maxerrors: number, flags: number): Promise<DiskErrors> {
    checkFlags(flags, 0, 'testDomainGetDiskErrors');
    const o = domObj(this, dom);
    checkActive(o);
    const disks = o.def.devices.disks;
    // maxerrors 0 is the client asking how many entries it needs
    if (maxerrors === 0) return { errors: [], nerrors: disks.length };
    const errors = disks.slice(0, maxerrors).map((d, i) => ({ disk: d.target.dev, error: (i % (DISK_ERROR_LAST - 1)) + 1 }));
    return { errors, nerrors: errors.length };
  },
  async domainGetTime(this: ConnCtx, dom: DomainRef, flags: number): Promise<DomainTime> {
    checkFlags(flags, 0, 'testDomainGetTime');
    const o = domObj(this, dom);
    if (o.state !== DomainState.RUNNING) throw testError(ErrorNumber.OPERATION_INVALID, 'domain is not running');
    return { seconds: o.seconds, nseconds: o.nseconds };
  },
  async domainSetTime(this: ConnCtx, dom: DomainRef, seconds: number, nseconds: number, flags: number): Promise<void> {
    checkFlags(flags, TIME_SYNC, 'testDomainSetTime');
    const o = domObj(this, dom);
    checkActive(o);
    o.seconds = seconds;
    o.nseconds = nseconds;
  },
  async domainInjectNmi(this: ConnCtx, dom: DomainRef, flags: number): Promise<void> {
    checkFlags(flags, 0, 'testDomainInjectNMI');
    checkActive(domObj(this, dom));
  },
  async domainSendKey(this: ConnCtx, dom: DomainRef, codeset: number, holdtime: number, keycodes: number[], flags: number): Promise<void> {
    checkFlags(flags, 0, 'testDomainSendKey');
    checkActive(domObj(this, dom));
    void codeset; void holdtime; void keycodes;
  },
  async domainSetLifecycleAction(this: ConnCtx, dom: DomainRef, type: number, action: number, flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainSetLifecycleAction');
    const typeName = LIFECYCLE_TYPES[type];
    const actionName = LIFECYCLE_ACTIONS[action];
    if (typeName === undefined || actionName === undefined) {
      throw domainError(ErrorNumber.INVALID_ARG, `lifecycle type ${type} or action ${action} out of range`);
    }
    // virDomainDefLifecycleActionAllowed: the coredump actions are for crashes only
    if (typeName !== 'crash' && actionName.startsWith('coredump-')) {
      throw domainError(ErrorNumber.CONFIG_UNSUPPORTED, `Lifecycle event '${typeName}' doesn't support '${actionName}' action`);
    }
    const { live, config } = getDefs(domObj(this, dom), flags);
    for (const def of [live, config]) {
      if (!def) continue;
      if (typeName === 'poweroff') def.onPoweroff = actionName;
      else if (typeName === 'reboot') def.onReboot = actionName;
      else def.onCrash = actionName;
    }
  },
};
