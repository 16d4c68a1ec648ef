// Domain inspection and tuning calls of the test driver: info/state/XML, vCPUs and memory with
// the LIVE/CONFIG/MAXIMUM rules, fake statistics (derived from the clock as libvirt's are),
// scheduler/memory parameters (blkio: domain_tune.ts), metadata, security label, rename, interface addresses.
import { domainDefGetMetadata, domainDefSetMetadata, formatDomainXml, type DomainDef } from '../../conf/domain.js';
import { networkIpPrefix } from '../../conf/network.js';
import { macParse } from '../../conf/mac.js';
import {
  type BlockInfo, type BlockStats, type DomainInfo, type DomainInterface, type DomainRef, type DomainState as DomainStateReply,
  type DomainStatsRecord, type DomainVcpus, type InterfaceStats, type MemoryStat, type ParamsReply, type SchedulerType,
  type SecurityLabel, type TypedParam, TypedParamType,
} from '../driver.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../../util/error.js';
import {
  AFFECT_CONFIG, AFFECT_LIVE, Detail, EventType, apiArgError, checkActive, domObj, getDefs, getOneDef, vcpusOf,
} from './domain_common.js';
import { DomainState, domainMatchesFilter, type DomainObj } from './domain_obj.js';
import { checkFlags, domainError, testError } from './errors.js';
import { vcpuAffinity, writeCpumap } from './domain_extra.js';
import { type ConnCtx, MAX_VCPUS } from './state.js';

const VCPU_MAXIMUM = 4;
const MEM_MAXIMUM = 4;
const TYPED_PARAM_STRING_OKAY = 4;
/** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED */
const MEMORY_UNLIMITED = 9007199254740991;
const METADATA_CHANGE_EVENT = 23;

/** g_get_real_time(): microseconds since the epoch, the base of every fake counter. */
const realTimeUs = () => Date.now() * 1000;

function hostCpus(ctx: ConnCtx): number {
  const n = ctx.drv.nodeInfo;
  return n.nodes * n.sockets * n.cores * n.threads;
}

/** virDomainDiskIndexByName: by target name or source path. */
function findDisk(def: DomainDef, path: string) {
  return def.devices.disks.find((d) => d.target.dev === path)
    ?? def.devices.disks.find((d) => (d.source?.file ?? d.source?.dev ?? d.source?.dir) === path);
}

/** virDomainNetFind: by MAC when the name parses as one, else by host interface name. */
function findNet(def: DomainDef, device: string) {
  const mac = macParse(device);
  if (mac) {
    const hits = def.devices.interfaces.filter((n) => n.mac === mac);
    if (hits.length > 1) {
      throw domainError(ErrorNumber.INVALID_ARG, `multiple devices matching MAC address ${mac} found`);
    }
    if (hits[0]) return hits[0];
  }
  const net = def.devices.interfaces.find((n) => n.target?.dev === device);
  if (!net) throw domainError(ErrorNumber.INVALID_ARG, `'${device}' is not a known interface`);
  return net;
}

function setVcpusCurrent(def: DomainDef, n: number): void {
  def.vcpuCurrent = n === def.vcpus ? undefined : n;
}

function param(field: string, type: TypedParamType, value: number | string | boolean): TypedParam {
  return { field, type, value };
}

function taintMessages(o: DomainObj, def: DomainDef): string[] {
  const out: string[] = [];
  if (def.os.dtb) out.push('tainted: custom device tree blob used');
  if (def.cpu?.mode !== undefined && def.cpu.mode !== 'custom') return out;
  if (def.cpu?.model?.name === 'Deprecated-Test') {
    out.push('tainted: deprecated configuration');
    out.push('deprecated configuration: CPU model Deprecated-Test');
  }
  void o;
  return out;
}

export const domainInfoMethods = {
  async domainGetInfo(this: ConnCtx, dom: DomainRef): Promise<DomainInfo> {
    const o = domObj(this, dom);
    return {
      state: o.state, maxMem: o.def.memory, memory: o.def.currentMemory,
      nrVirtCpu: vcpusOf(o.def), cpuTime: realTimeUs() * 1000,
    };
  },
  async domainGetState(this: ConnCtx, dom: DomainRef, flags: number): Promise<DomainStateReply> {
    checkFlags(flags, 0, 'testDomainGetState');
    const o = domObj(this, dom);
    return { state: o.state, reason: o.reason };
  },
  async domainGetXmlDesc(this: ConnCtx, dom: DomainRef, flags: number): Promise<string> {
    checkFlags(flags, 1 | 2 | 4 | 8, 'testDomainGetXMLDesc');
    const o = domObj(this, dom);
    // Formatting is most of this call's cost and the answer only changes with the driver's state.
    const generation = this.drv.generation;
    const cached = o.xmlCache;
    if (cached !== null && cached.generation === generation && cached.flags === flags) return cached.xml;
    const inactive = (flags & 2) !== 0;
    const def = inactive && o.newDef ? o.newDef : o.def;
    const xml = formatDomainXml(def, { inactive, secure: (flags & 1) !== 0, id: inactive ? undefined : o.id });
    o.xmlCache = { generation, flags, xml };
    return xml;
  },
  async domainGetOsType(this: ConnCtx, dom: DomainRef): Promise<string> { domObj(this, dom); return 'linux'; },
  async domainGetHostname(this: ConnCtx, dom: DomainRef, flags: number): Promise<string> {
    checkFlags(flags, 0, 'testDomainGetHostname');
    checkActive(domObj(this, dom));
    return `${dom.name}host`;
  },
  async domainGetSecurityLabel(this: ConnCtx, dom: DomainRef): Promise<SecurityLabel> {
    const o = domObj(this, dom);
    return o.active ? { label: 'libvirt-test', enforcing: 1 } : { label: '', enforcing: 0 };
  },
  async domainGetMessages(this: ConnCtx, dom: DomainRef, flags: number): Promise<string[]> {
    checkFlags(flags, 1 | 2, 'testDomainGetMessages');
    const o = domObj(this, dom);
    if (!o.loadedTaint) return [];
    const all = taintMessages(o, o.def);
    if (!flags) return all;
    return all.filter((m) => (flags & 2 && m.startsWith('tainted:')) || (flags & 1 && m.startsWith('deprecated')));
  },

  // ---- vCPUs ----
  async domainGetVcpusFlags(this: ConnCtx, dom: DomainRef, flags: number): Promise<number> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM, 'testDomainGetVcpusFlags');
    const { def } = getOneDef(domObj(this, dom), flags);
    return flags & VCPU_MAXIMUM ? def.vcpus : vcpusOf(def);
  },
  async domainGetMaxVcpus(this: ConnCtx, dom: DomainRef): Promise<number> {
    return domainInfoMethods.domainGetVcpusFlags.call(this, dom, AFFECT_LIVE | VCPU_MAXIMUM);
  },
  async domainSetVcpusFlags(this: ConnCtx, dom: DomainRef, nvcpus: number, flags: number): Promise<void> {
    if ((flags & VCPU_MAXIMUM) && !(flags & AFFECT_CONFIG)) {
      throw apiArgError("Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'");
    }
    if (nvcpus === 0) throw apiArgError('nvcpus in virDomainSetVcpusFlags must not be zero');
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM, 'testDomainSetVcpusFlags');
    if (nvcpus > MAX_VCPUS) {
      throw testError(ErrorNumber.INVALID_ARG, `requested cpu amount exceeds maximum supported amount (${nvcpus} > ${MAX_VCPUS})`);
    }
    const o = domObj(this, dom);
    const { live, config } = getDefs(o, flags);
    if (live && live.vcpus < nvcpus) {
      throw testError(ErrorNumber.INVALID_ARG, `requested cpu amount exceeds maximum (${nvcpus} > ${live.vcpus})`);
    }
    if (config && !(flags & VCPU_MAXIMUM) && config.vcpus < nvcpus) {
      throw testError(ErrorNumber.INVALID_ARG, `requested cpu amount exceeds maximum (${nvcpus} > ${config.vcpus})`);
    }
    if (live) setVcpusCurrent(live, nvcpus);
    if (config) {
      if (flags & VCPU_MAXIMUM) {
        const cur = Math.min(vcpusOf(config), nvcpus);
        config.vcpus = nvcpus;
        setVcpusCurrent(config, cur);
      } else {
        setVcpusCurrent(config, nvcpus);
      }
    }
  },
  async domainGetVcpus(this: ConnCtx, dom: DomainRef, maxinfo: number, maplen: number): Promise<DomainVcpus> {
    const o = domObj(this, dom);
    if (!o.active) throw testError(ErrorNumber.OPERATION_INVALID, 'cannot list vcpus for an inactive domain');
    const hostcpus = hostCpus(this);
    const n = Math.min(maxinfo, vcpusOf(o.def));
    const cpumaps = Buffer.alloc(Math.max(0, n * maplen));
    const statbase = realTimeUs();
    const info = [];
    for (let i = 0; i < n; i++) {
      // a pinned vcpu runs on the last CPU of its affinity (libvirt's fake)
      const cpus = vcpuAffinity(o.def, i, hostcpus);
      writeCpumap(cpumaps, i * maplen, maplen, cpus);
      info.push({ number: i, state: 1, cpu_time: Math.floor(statbase / 10), cpu: cpus.length ? cpus[cpus.length - 1]! : -1 });
    }
    return { info, cpumaps };
  },

  // ---- memory ----
  async domainGetMaxMemory(this: ConnCtx, dom: DomainRef): Promise<number> { return domObj(this, dom).def.memory; },
  async domainSetMemoryFlags(this: ConnCtx, dom: DomainRef, memory: number, flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | MEM_MAXIMUM, 'testDomainSetMemoryFlags');
    const o = domObj(this, dom);
    const { def, live } = getOneDef(o, flags);
    if (flags & MEM_MAXIMUM) {
      if (live) throw testError(ErrorNumber.OPERATION_INVALID, 'cannot resize the maximum memory on an active domain');
      if (def.maxMemory && def.maxMemory.size < memory) {
        throw testError(ErrorNumber.OPERATION_INVALID, 'cannot set initial memory size greater than the maximum memory size');
      }
      def.memory = memory;
      if (def.currentMemory > memory) def.currentMemory = memory;
    } else {
      if (memory > def.memory) throw testError(ErrorNumber.INVALID_ARG, 'cannot set memory higher than max memory');
      def.currentMemory = memory;
    }
  },
  async domainGetMemoryParameters(this: ConnCtx, dom: DomainRef, nparams: number, flags: number): Promise<ParamsReply> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG | TYPED_PARAM_STRING_OKAY, 'testDomainGetMemoryParameters');
    if (nparams === 0) return { params: [], nparams: 3 };
    getOneDef(domObj(this, dom), flags & ~TYPED_PARAM_STRING_OKAY);
    const all = ['hard_limit', 'soft_limit', 'swap_hard_limit'].map((f) => param(f, TypedParamType.ULLONG, MEMORY_UNLIMITED));
    const params = all.slice(0, nparams);
    return { params, nparams: params.length };
  },
  // ---- scheduler ----
  async domainGetSchedulerType(this: ConnCtx, dom: DomainRef): Promise<SchedulerType> {
    domObj(this, dom);
    return { type: 'fair', nparams: 1 };
  },
  async domainGetSchedulerParametersFlags(this: ConnCtx, dom: DomainRef, _nparams: number, flags: number): Promise<TypedParam[]> {
    checkFlags(flags, 0, 'testDomainGetSchedulerParametersFlags');
    domObj(this, dom);
    return [param('weight', TypedParamType.UINT, 50)];
  },

  // ---- statistics ----
  async domainBlockStats(this: ConnCtx, dom: DomainRef, path: string): Promise<BlockStats> {
    if (!path) throw testError(ErrorNumber.OPERATION_UNSUPPORTED, 'summary statistics are not supported yet');
    const o = domObj(this, dom);
    checkActive(o);
    if (!findDisk(o.def, path)) throw testError(ErrorNumber.INVALID_ARG, `invalid path: ${path}`);
    const t = realTimeUs();
    return {
      rd_req: Math.floor(t / 10), rd_bytes: Math.floor(t / 20), wr_req: Math.floor(t / 30),
      wr_bytes: Math.floor(t / 40), errs: Math.floor(t / 2e6),
    };
  },
  async domainInterfaceStats(this: ConnCtx, dom: DomainRef, device: string): Promise<InterfaceStats> {
    const o = domObj(this, dom);
    checkActive(o);
    findNet(o.def, device);
    const t = realTimeUs();
    return {
      rx_bytes: Math.floor(t / 10), rx_packets: Math.floor(t / 100), rx_errs: Math.floor(t / 1e6), rx_drop: Math.floor(t / 2e6),
      tx_bytes: Math.floor(t / 20), tx_packets: Math.floor(t / 110), tx_errs: Math.floor(t / 3e6), tx_drop: Math.floor(t / 4e6),
    };
  },
  async domainMemoryStats(this: ConnCtx, dom: DomainRef, maxStats: number, flags: number): Promise<MemoryStat[]> {
    checkFlags(flags, 0, 'testDomainMemoryStats');
    const o = domObj(this, dom);
    checkActive(o);
    const b = o.def.devices.memballoon;
    if (!b || b.model === 'none') return [];
    const cur = o.def.currentMemory;
    // ACTUAL_BALLOON, SWAP_IN, SWAP_OUT, MAJOR_FAULT, MINOR_FAULT, UNUSED, AVAILABLE, USABLE,
    // LAST_UPDATE, DISK_CACHES, HUGETLB_PGALLOC, HUGETLB_PGFAIL, RSS
    const all: MemoryStat[] = [
      { tag: 6, val: cur }, { tag: 0, val: 0 }, { tag: 1, val: 0 }, { tag: 2, val: 0 }, { tag: 3, val: 0 },
      { tag: 4, val: Math.floor(cur / 2) }, { tag: 5, val: cur }, { tag: 8, val: Math.floor(cur / 2) },
      { tag: 9, val: 627319920 }, { tag: 10, val: Math.floor(cur / 8) }, { tag: 11, val: 0 }, { tag: 12, val: 0 },
      { tag: 7, val: Math.floor(cur / 2) },
    ];
    return all.slice(0, Math.max(0, maxStats));
  },
  async domainGetBlockInfo(this: ConnCtx, dom: DomainRef, path: string, flags: number): Promise<BlockInfo> {
    checkFlags(flags, 0, 'testDomainGetBlockInfo');
    const o = domObj(this, dom);
    const disk = findDisk(o.def, path);
    if (!disk) throw testError(ErrorNumber.INVALID_ARG, `invalid path ${path} not assigned to domain`);
    if (!disk.source || !(disk.source.file || disk.source.dev || disk.source.dir || disk.source.name || disk.source.volume)) {
      throw testError(ErrorNumber.INVALID_ARG, `disk '${path}' does not currently have a source assigned`);
    }
    return { capacity: 1099506450432, allocation: 1099511627776, physical: 1099511627776 };
  },
  async connectGetAllDomainStats(this: ConnCtx, doms: DomainRef[], stats: number, flags: number): Promise<DomainStatsRecord[]> {
    const ENFORCE = 0x80000000;
    checkFlags(flags, 0xff | 0x40000000 | ENFORCE, 'testConnectGetAllDomainStats');
    const SUPPORTED = 1; // the state group
    if ((flags & ENFORCE) && stats & ~SUPPORTED) {
      throw virError(ErrorDomain.TEST, ErrorNumber.ARGUMENT_UNSUPPORTED,
        `Stats types bits 0x${(stats & ~SUPPORTED).toString(16)} are not supported by this daemon`);
    }
    const groups = stats === 0 ? SUPPORTED : stats & SUPPORTED;
    const filter = flags & 0xff;
    let objs: DomainObj[];
    if (doms.length) objs = doms.map((d) => domObj(this, d));
    else objs = [...this.drv.domains.values()];
    if (filter) objs = objs.filter((o) => domainMatchesFilter(o, filter));
    return objs.map((o) => ({
      dom: o.ref,
      params: groups & 1 ? [param('state.state', TypedParamType.INT, o.state), param('state.reason', TypedParamType.INT, o.reason)] : [],
    }));
  },

  // ---- metadata ----
  async domainGetMetadata(this: ConnCtx, dom: DomainRef, type: number, uri: string | null, flags: number): Promise<string> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainGetMetadata');
    const { def } = getOneDef(domObj(this, dom), flags);
    return domainDefGetMetadata(def, type, uri) ?? '';
  },
  async domainSetMetadata(this: ConnCtx, dom: DomainRef, type: number, metadata: string | null, key: string | null, uri: string | null, flags: number): Promise<void> {
    checkFlags(flags, AFFECT_LIVE | AFFECT_CONFIG, 'testDomainSetMetadata');
    if ((type === 0 || type === 1) && uri !== null) throw apiArgError('uri in virDomainSetMetadata must be NULL');
    const o = domObj(this, dom);
    const { live, config } = getDefs(o, flags);
    // validate on the first definition before touching the second one
    for (const def of [live, config]) if (def) domainDefSetMetadata(def, type, metadata, key, uri);
    this.drv.emitDomain(METADATA_CHANGE_EVENT, { dom: o.ref, type, nsuri: uri });
  },

  // ---- rename, addresses ----
  async domainRename(this: ConnCtx, dom: DomainRef, newName: string | null, flags: number): Promise<number> {
    checkFlags(flags, 0, 'testDomainRename');
    if (newName === null) throw apiArgError('new_name in virDomainRename must not be NULL');
    const o = domObj(this, dom);
    if (o.active) throw testError(ErrorNumber.OPERATION_INVALID, 'cannot rename active domain');
    if (!o.persistent) throw testError(ErrorNumber.OPERATION_INVALID, 'cannot rename a transient domain');
    if (o.state !== DomainState.SHUTOFF) throw testError(ErrorNumber.OPERATION_INVALID, 'domain has to be shutoff before renaming');
    if (o.def.name === newName) return 0;
    if (this.drv.domains.hasName(newName)) {
      throw domainError(ErrorNumber.OPERATION_INVALID, `domain with name '${newName}' already exists`);
    }
    if (newName.includes('/')) throw testError(ErrorNumber.XML_ERROR, `name ${newName} cannot contain '/'`);
    this.drv.emitDomain(0, { dom: o.ref, event: EventType.UNDEFINED, detail: Detail.UNDEFINED_RENAMED });
    this.drv.domains.rename(o, newName);
    this.drv.emitDomain(0, { dom: o.ref, event: EventType.DEFINED, detail: Detail.DEFINED_RENAMED });
    return 0;
  },

  async domainInterfaceAddresses(this: ConnCtx, dom: DomainRef, source: number, flags: number): Promise<DomainInterface[]> {
    checkFlags(flags, 0, 'testDomainInterfaceAddresses');
    if (source >= 3) throw testError(ErrorNumber.ARGUMENT_UNSUPPORTED, `Unknown IP address data source ${source}`);
    const o = domObj(this, dom);
    checkActive(o);
    return o.def.devices.interfaces.map((net, i) => {
      const iface: DomainInterface = { name: net.target?.dev ?? '', hwaddr: net.mac, addrs: [] };
      if (net.type === 'network') {
        const name = net.source?.network ?? '';
        const nobj = this.drv.networks.findByName(name);
        if (!nobj) throw testError(ErrorNumber.NO_NETWORK, `no network with matching name '${name}'`);
        const ip = nobj.def.ips[0];
        if (!ip) throw testError(ErrorNumber.INTERNAL_ERROR, `network '${name}' has no IP address`);
        const offset = 20 * (o.id - 1) + i + 1;
        const base = ip.dhcp?.ranges[0]?.start ?? ip.address ?? '';
        const v6 = ip.family === 'ipv6' || base.includes(':');
        iface.addrs.push({ type: v6 ? 1 : 0, addr: v6 ? addV6(base, offset) : addV4(base, offset), prefix: networkIpPrefix(ip) });
      } else {
        iface.addrs.push({ type: 0, addr: `192.168.0.${1 + i}`, prefix: 24 });
      }
      return iface;
    });
  },
};

function addV4(a: string, n: number): string {
  const p = a.split('.').map(Number);
  let v = ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]! + n;
  v >>>= 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}
/** libvirt adds the offset to the last byte only (s6_addr[15] += offset, wrapping). */
function addV6(a: string, n: number): string {
  const i = a.lastIndexOf(':');
  const last = parseInt(a.slice(i + 1) || '0', 16);
  const v = (last & 0xff00) | (((last & 0xff) + n) & 0xff);
  return `${a.slice(0, i + 1)}${v.toString(16)}`;
}

void VirError;
