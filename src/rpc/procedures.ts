// The remote program's procedure table: one declarative entry per procedure we speak, written
// from the protocol facts (docs/libvirt-protocol.md §6-§9), and the helpers that the daemon's
// dispatcher and the remote driver both use so nobody writes per-procedure code.
// libvirt counterpart: remote_protocol.x + the dispatch/stub code gendispatch.pl derives from it.
//
// Conventions (shared with src/drivers/driver.ts):
//   - method = procedure name in camelCase; its parameters are the args in wire order with
//     `need_results` dropped; its result is the ret unwrapped (see RetShape).
//   - `readonly: true` = allowed on a read-only connection (§9.3); the facts, including the
//     argument-dependent denials, live in src/drivers/access.ts, shared with the library.

import { XdrError, XdrReader, XdrWriter } from './xdr.js';
import {
  t, domain, network, storagePool, storageVol, snapshot, checkpoint, iface, optDomain, optNetwork, optStoragePool,
  nodeDevice, optNodeDevice, nwfilter, nwfilterBinding,
  secret, optSecret,
  typedParams, filterStringParams, type StructField, type StructType, type XdrType,
} from './types.js';
import { Limits } from './protocol.js';
import { Proc, type ProcName, apiNameFor, methodNameFor } from './procnames.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../util/error.js';

/**
 * How a ret struct maps to the driver method's result:
 * void (no fields) | single (the one field, unwrapped) | object (keyed by field names) |
 * list (list-all calls: `{ array, count }` on the wire, just the array for the method).
 */
export type RetShape = 'void' | 'single' | 'object' | 'list';

/** Stream direction seen from the daemon: 'in' = client sends data, 'out' = daemon sends. */
export type StreamDir = 'in' | 'out' | 'both';

export interface ProcedureDef {
  readonly proc: number;
  readonly name: ProcName;
  readonly method: string;
  /** public API name, for "read only access prevents virX" / "not supported ...: virX" */
  readonly api: string;
  readonly args: StructType;
  readonly ret: StructType;
  /** allowed on a read-only connection */
  readonly readonly: boolean;
  readonly priority: 'high' | 'low';
  /** ErrorDomain of the API family, used for read-only denial and NO_SUPPORT errors */
  readonly errDomain: number;
  readonly stream?: StreamDir;
  /** answered with REPLY_WITH_FDS: the driver returns { fds }, which follow the (empty) reply */
  readonly replyFds?: true;
  readonly needResults?: true;
  readonly retShape: RetShape;
  /** positional index of the flags arg whose VIR_TYPED_PARAM_STRING_OKAY allows STRING params */
  readonly stringParamsFlagArg?: number;
}

/** ErrorDomain of an API family, from the procedure name (shared with the library's checks). */
import { errDomainForProc as errDomainFor, isReadonlyAllowed, readonlyDenial } from '../drivers/access.js';
export { errDomainFor };

// ---- table DSL ----

const H = 2; // high priority (answered by the daemon's priority workers)

interface Extra {
  stream?: StreamDir;
  replyFds?: true;
  api?: string;
  stringParamsFlagArg?: number;
}

const f = (name: string, type: XdrType): StructField => [name, type];
const DOM = f('dom', domain);
const NET = f('net', network);
const POOL = f('pool', storagePool);
const VOL = f('vol', storageVol);
const SNAP = f('snap', snapshot);
const IFACE = f('iface', iface);
const NODEDEV = f('dev', nodeDevice);
const NWFILTER = f('nwfilter', nwfilter);
const NWBINDING = f('nwfilter', nwfilterBinding);
const SECRET = f('secret', secret);
/** REMOTE_SECRET_LIST_MAX */
const SECRET_LIST_MAX = 16384;
const FLAGS = f('flags', t.uint);
const NEED = f('need_results', t.int);
const XML = f('xml', t.string);
const NAME = f('name', t.string);
const UUID = f('uuid', t.uuid);
const NUM = f('num', t.int);
const NAMES = f('names', t.array(t.string, 16384));
const MAXNAMES = f('maxnames', t.int);
const AUTOSTART = f('autostart', t.int);
const CALLBACK_ID = f('callbackID', t.int);
const EVENT_ID = f('eventID', t.int);
const params = (max: number) => f('params', typedParams(max));
const NPARAMS = f('nparams', t.int);

function p(proc: number, name: ProcName, args: StructField[], ret: StructField[], bits = 0, x: Extra = {}): ProcedureDef {
  if (Proc[name] !== proc) throw new Error(`procedure table: ${name} is ${Proc[name]}, not ${proc}`);
  const needResults = args.some(([n]) => n === 'need_results');
  const method = methodNameFor(name);
  const retShape: RetShape = needResults ? 'list' : ret.length === 0 ? 'void' : ret.length === 1 ? 'single' : 'object';
  return {
    proc, name,
    method,
    api: x.api ?? apiNameFor(name),
    args: t.struct(args),
    ret: t.struct(ret),
    readonly: isReadonlyAllowed(method),
    priority: bits & H ? 'high' : 'low',
    errDomain: errDomainFor(name),
    ...(x.stream ? { stream: x.stream } : {}),
    ...(x.replyFds ? { replyFds: true as const } : {}),
    ...(needResults ? { needResults: true as const } : {}),
    retShape,
    ...(x.stringParamsFlagArg !== undefined ? { stringParamsFlagArg: x.stringParamsFlagArg } : {}),
  };
}

// ---- wire structs used by several procedures ----

const vcpuInfo = t.struct([['number', t.uint], ['state', t.int], ['cpu_time', t.uhyper], ['cpu', t.int]]);
const memoryStat = t.struct([['tag', t.int], ['val', t.uhyper]]);
const nodeMemoryStat = t.struct([['field', t.string], ['value', t.uhyper]]);
const domainStatsRecord = t.struct([['dom', domain], ['params', typedParams(Limits.CONNECT_GET_ALL_DOMAIN_STATS_MAX)]]);
const ipAddr = t.struct([['type', t.int], ['addr', t.string], ['prefix', t.uint]]);
const domainInterface = t.struct([['name', t.string], ['hwaddr', t.optString], ['addrs', t.array(ipAddr, Limits.DOMAIN_IP_ADDR_MAX)]]);
const dhcpLease = t.struct([
  ['iface', t.string], ['expirytime', t.hyper], ['type', t.int], ['mac', t.optString], ['iaid', t.optString],
  ['ipaddr', t.string], ['prefix', t.uint], ['hostname', t.optString], ['clientid', t.optString],
]);
/** remote_domain_iothread_info; REMOTE_IOTHREAD_INFO_MAX is 16384 */
const iothreadInfo = t.struct([['iothread_id', t.uint], ['cpumap', t.opaque(Limits.CPUMAP_MAX)]]);
const IOTHREAD_INFO_MAX = 16384;
const diskError = t.struct([['disk', t.string], ['error', t.int]]);
const fsInfo = t.struct([['mountpoint', t.string], ['name', t.string], ['fstype', t.string],
  ['devAliases', t.array(t.string, Limits.DOMAIN_FSINFO_DISKS_MAX)]]);
const saslData = f('data', t.charBytes(Limits.AUTH_SASL_DATA_MAX));
const hypers = (...names: string[]) => names.map((n) => f(n, t.hyper));
const uhypers = (...names: string[]) => names.map((n) => f(n, t.uhyper));
/** remote_nonnull_network_port: the network and the port's UUID */
const networkPort = t.struct([['net', network], ['uuid', t.uuid]]);
const PORT = f('port', networkPort);
// REMOTE_NETWORK_PORT_LIST_MAX, REMOTE_CONNECT_CPU_MODELS_MAX, REMOTE_NODE_CPU_STATS_MAX, REMOTE_CPU_BASELINE_MAX,
// REMOTE_NODE_MEMORY_PARAMETERS_MAX, REMOTE_NODE_SEV_INFO_MAX
const NETWORK_PORT_LIST_MAX = 16384;
const CPU_MODELS_MAX = 8192;
const NODE_CPU_STATS_MAX = 16;
const CPU_BASELINE_MAX = 256;
const NODE_MEMORY_PARAMETERS_MAX = 64;
const NODE_SEV_INFO_MAX = 64;

/** Every procedure tsvirt speaks, in protocol-number order within each family. */
export const PROCEDURES: readonly ProcedureDef[] = [
  // ---- connection, authentication, host ----
  p(1, 'CONNECT_OPEN', [f('name', t.optString), FLAGS], [], H),
  p(2, 'CONNECT_CLOSE', [], [], H),
  p(3, 'CONNECT_GET_TYPE', [], [f('type', t.string)], H),
  p(4, 'CONNECT_GET_VERSION', [], [f('hv_ver', t.uhyper)], H),
  p(5, 'CONNECT_GET_MAX_VCPUS', [f('type', t.optString)], [f('max_vcpus', t.int)], H),
  p(6, 'NODE_GET_INFO', [], [f('model', t.fixedCharArray(32)), f('memory', t.uhyper), f('cpus', t.int),
    f('mhz', t.int), f('nodes', t.int), f('sockets', t.int), f('cores', t.int), f('threads', t.int)], H),
  p(7, 'CONNECT_GET_CAPABILITIES', [], [f('capabilities', t.string)]),
  p(59, 'CONNECT_GET_HOSTNAME', [], [f('hostname', t.string)], H),
  p(60, 'CONNECT_SUPPORTS_FEATURE', [f('feature', t.int)], [f('supported', t.int)], H),
  p(66, 'AUTH_LIST', [], [f('types', t.array(t.int, Limits.AUTH_TYPE_LIST_MAX))], H),
  p(67, 'AUTH_SASL_INIT', [], [f('mechlist', t.string)], H),
  p(68, 'AUTH_SASL_START', [f('mech', t.string), f('nil', t.int), saslData], [f('complete', t.int), f('nil', t.int), saslData], H),
  p(69, 'AUTH_SASL_STEP', [f('nil', t.int), saslData], [f('complete', t.int), f('nil', t.int), saslData], H),
  p(70, 'AUTH_POLKIT', [], [f('complete', t.int)], H),
  p(101, 'NODE_GET_CELLS_FREE_MEMORY', [f('startCell', t.int), f('maxcells', t.int)], [f('cells', t.array(t.uhyper, Limits.NODE_MAX_CELLS))], H),
  p(102, 'NODE_GET_FREE_MEMORY', [], [f('freeMem', t.uhyper)], H),
  p(110, 'CONNECT_GET_URI', [], [f('uri', t.string)], H),
  p(122, 'NODE_GET_SECURITY_MODEL', [], [f('model', t.charArray(Limits.SECURITY_MODEL_MAX)), f('doi', t.charArray(Limits.SECURITY_DOI_MAX))], H),
  p(149, 'CONNECT_IS_SECURE', [], [f('secure', t.int)], H),
  p(157, 'CONNECT_GET_LIB_VERSION', [], [f('lib_ver', t.uhyper)], H),
  p(203, 'CONNECT_GET_SYSINFO', [FLAGS], [f('sysinfo', t.string)], H),
  p(228, 'NODE_GET_MEMORY_STATS', [NPARAMS, f('cellNum', t.int), FLAGS], [f('params', t.array(nodeMemoryStat, Limits.NODE_MEMORY_STATS_MAX)), NPARAMS], H),
  p(293, 'NODE_GET_CPU_MAP', [f('need_map', t.int), f('need_online', t.int), FLAGS], [f('cpumap', t.opaque(Limits.CPUMAP_MAX)), f('online', t.uint), f('ret', t.int)]),
  // Denied on read-only connections: it runs the emulator binary (§9.3).
  p(136, 'CONNECT_DOMAIN_XML_TO_NATIVE', [f('nativeFormat', t.string), f('domainXml', t.string), FLAGS], [f('nativeConfig', t.string)]),
  p(342, 'CONNECT_GET_DOMAIN_CAPABILITIES', [f('emulatorbin', t.optString), f('arch', t.optString), f('machine', t.optString), f('virttype', t.optString), FLAGS], [f('capabilities', t.string)]),
  p(360, 'CONNECT_REGISTER_CLOSE_CALLBACK', [], []),
  p(361, 'CONNECT_UNREGISTER_CLOSE_CALLBACK', [], []),

  // ---- domains: listing and lookup ----
  p(273, 'CONNECT_LIST_ALL_DOMAINS', [NEED, FLAGS], [f('domains', t.array(domain, Limits.DOMAIN_LIST_MAX)), f('ret', t.uint)], H),
  p(51, 'CONNECT_NUM_OF_DOMAINS', [], [NUM], H),
  p(37, 'CONNECT_LIST_DOMAINS', [f('maxids', t.int)], [f('ids', t.array(t.int, Limits.DOMAIN_LIST_MAX))], H),
  p(25, 'CONNECT_NUM_OF_DEFINED_DOMAINS', [], [NUM], H),
  p(21, 'CONNECT_LIST_DEFINED_DOMAINS', [MAXNAMES], [NAMES], H),
  p(22, 'DOMAIN_LOOKUP_BY_ID', [f('id', t.int)], [DOM], H),
  p(23, 'DOMAIN_LOOKUP_BY_NAME', [NAME], [DOM], H),
  p(24, 'DOMAIN_LOOKUP_BY_UUID', [UUID], [DOM], H),

  // ---- domains: lifecycle ----
  p(11, 'DOMAIN_DEFINE_XML', [XML], [DOM], H),
  p(350, 'DOMAIN_DEFINE_XML_FLAGS', [XML, FLAGS], [DOM], H),
  p(35, 'DOMAIN_UNDEFINE', [DOM], [], H),
  p(231, 'DOMAIN_UNDEFINE_FLAGS', [DOM, FLAGS], [], H),
  p(10, 'DOMAIN_CREATE_XML', [f('xml_desc', t.string), FLAGS], [DOM]),
  p(9, 'DOMAIN_CREATE', [DOM], []),
  p(196, 'DOMAIN_CREATE_WITH_FLAGS', [DOM, FLAGS], [DOM]),
  // sent as CALL_WITH_FDS: the files ride on the socket, not in the arguments
  p(309, 'DOMAIN_CREATE_XML_WITH_FILES', [f('xml_desc', t.string), FLAGS], [DOM]),
  p(310, 'DOMAIN_CREATE_WITH_FILES', [DOM, FLAGS], [DOM]),
  p(343, 'DOMAIN_OPEN_GRAPHICS_FD', [DOM, f('idx', t.uint), FLAGS], [], 0, { replyFds: true }),
  p(12, 'DOMAIN_DESTROY', [DOM], [], H),
  p(234, 'DOMAIN_DESTROY_FLAGS', [DOM, FLAGS], [], H),
  p(33, 'DOMAIN_SHUTDOWN', [DOM], []),
  p(258, 'DOMAIN_SHUTDOWN_FLAGS', [DOM, FLAGS], []),
  p(27, 'DOMAIN_REBOOT', [DOM, FLAGS], []),
  p(245, 'DOMAIN_RESET', [DOM, FLAGS], []),
  p(34, 'DOMAIN_SUSPEND', [DOM], []),
  p(28, 'DOMAIN_RESUME', [DOM], []),
  p(55, 'DOMAIN_SAVE', [DOM, f('to', t.string)], []),
  p(232, 'DOMAIN_SAVE_FLAGS', [DOM, f('to', t.string), f('dxml', t.optString), FLAGS], []),
  p(54, 'DOMAIN_RESTORE', [f('from', t.string)], []),
  p(233, 'DOMAIN_RESTORE_FLAGS', [f('from', t.string), f('dxml', t.optString), FLAGS], []),
  p(235, 'DOMAIN_SAVE_IMAGE_GET_XML_DESC', [f('file', t.string), FLAGS], [XML], H),
  p(182, 'DOMAIN_MANAGED_SAVE', [DOM, FLAGS], []),
  p(183, 'DOMAIN_HAS_MANAGED_SAVE_IMAGE', [DOM, FLAGS], [f('result', t.int)]),
  p(184, 'DOMAIN_MANAGED_SAVE_REMOVE', [DOM, FLAGS], []),

  // ---- domains: state and configuration ----
  p(16, 'DOMAIN_GET_INFO', [DOM], [f('state', t.uchar), f('maxMem', t.uhyper), f('memory', t.uhyper), f('nrVirtCpu', t.uchar), f('cpuTime', t.uhyper)]),
  p(212, 'DOMAIN_GET_STATE', [DOM, FLAGS], [f('state', t.int), f('reason', t.int)], H),
  p(14, 'DOMAIN_GET_XML_DESC', [DOM, FLAGS], [XML], 0),
  p(19, 'DOMAIN_GET_OS_TYPE', [DOM], [f('type', t.string)], H),
  p(15, 'DOMAIN_GET_AUTOSTART', [DOM], [AUTOSTART], H),
  p(29, 'DOMAIN_SET_AUTOSTART', [DOM, AUTOSTART], [], H),
  p(150, 'DOMAIN_IS_ACTIVE', [DOM], [f('active', t.int)], H),
  p(151, 'DOMAIN_IS_PERSISTENT', [DOM], [f('persistent', t.int)], H),
  p(202, 'DOMAIN_IS_UPDATED', [DOM], [f('updated', t.int)], H),
  p(121, 'DOMAIN_GET_SECURITY_LABEL', [DOM], [f('label', t.charArray(Limits.SECURITY_LABEL_MAX)), f('enforcing', t.int)], H),
  p(426, 'DOMAIN_GET_MESSAGES', [DOM, FLAGS], [f('msgs', t.array(t.string, Limits.DOMAIN_MESSAGES_MAX))]),
  p(17, 'DOMAIN_GET_MAX_MEMORY', [DOM], [f('memory', t.uhyper)], H),
  p(30, 'DOMAIN_SET_MAX_MEMORY', [DOM, f('memory', t.uhyper)], [], H),
  p(31, 'DOMAIN_SET_MEMORY', [DOM, f('memory', t.uhyper)], []),
  p(204, 'DOMAIN_SET_MEMORY_FLAGS', [DOM, f('memory', t.uhyper), FLAGS], []),
  p(18, 'DOMAIN_GET_MAX_VCPUS', [DOM], [NUM], H),
  p(32, 'DOMAIN_SET_VCPUS', [DOM, f('nvcpus', t.uint)], []),
  p(199, 'DOMAIN_SET_VCPUS_FLAGS', [DOM, f('nvcpus', t.uint), FLAGS], []),
  // VIR_DOMAIN_VCPU_GUEST (8) asks the guest agent: denied read-only.
  p(200, 'DOMAIN_GET_VCPUS_FLAGS', [DOM, FLAGS], [NUM], 0),
  p(20, 'DOMAIN_GET_VCPUS', [DOM, f('maxinfo', t.int), f('maplen', t.int)],
    [f('info', t.array(vcpuInfo, Limits.VCPUINFO_MAX)), f('cpumaps', t.opaque(Limits.CPUMAPS_MAX))], H),
  p(264, 'DOMAIN_SET_METADATA', [DOM, f('type', t.int), f('metadata', t.optString), f('key', t.optString), f('uri', t.optString), FLAGS], []),
  p(265, 'DOMAIN_GET_METADATA', [DOM, f('type', t.int), f('uri', t.optString), FLAGS], [f('metadata', t.string)]),
  // Asks the guest (agent or lease files): denied read-only (§9.3).
  p(277, 'DOMAIN_GET_HOSTNAME', [DOM, FLAGS], [f('hostname', t.string)]),
  p(8, 'DOMAIN_ATTACH_DEVICE', [DOM, XML], []),
  p(160, 'DOMAIN_ATTACH_DEVICE_FLAGS', [DOM, XML, FLAGS], []),
  p(13, 'DOMAIN_DETACH_DEVICE', [DOM, XML], []),
  p(161, 'DOMAIN_DETACH_DEVICE_FLAGS', [DOM, XML, FLAGS], []),
  p(174, 'DOMAIN_UPDATE_DEVICE_FLAGS', [DOM, XML, FLAGS], []),
  p(358, 'DOMAIN_RENAME', [DOM, f('new_name', t.optString), FLAGS], [f('retcode', t.int)]),
  // source 1 = VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT: denied read-only.
  p(353, 'DOMAIN_INTERFACE_ADDRESSES', [DOM, f('source', t.uint), FLAGS], [f('ifaces', t.array(domainInterface, Limits.DOMAIN_INTERFACE_MAX))], 0),
  p(201, 'DOMAIN_OPEN_CONSOLE', [DOM, f('dev_name', t.optString), FLAGS], [], 0, { stream: 'both' }),
  p(211, 'DOMAIN_SCREENSHOT', [DOM, f('screen', t.uint), FLAGS], [f('mime', t.optString)], 0, { stream: 'out' }),
  p(337, 'DOMAIN_GET_TIME', [DOM, FLAGS], [f('seconds', t.hyper), f('nseconds', t.uint)]),
  p(338, 'DOMAIN_SET_TIME', [DOM, f('seconds', t.hyper), f('nseconds', t.uint), FLAGS], []),
  // answered while a job holds the domain, hence high priority
  p(229, 'DOMAIN_GET_CONTROL_INFO', [DOM, FLAGS], [f('state', t.uint), f('details', t.uint), f('stateTime', t.uhyper)], H),
  p(263, 'DOMAIN_GET_DISK_ERRORS', [DOM, f('maxerrors', t.uint), FLAGS],
    [f('errors', t.array(diskError, Limits.DOMAIN_DISK_ERRORS_MAX)), f('nerrors', t.int)]),
  p(210, 'DOMAIN_INJECT_NMI', [DOM, FLAGS], []),
  p(349, 'DOMAIN_GET_FSINFO', [DOM, FLAGS], [f('info', t.array(fsInfo, Limits.DOMAIN_FSINFO_MAX)), f('ret', t.uint)]),
  p(335, 'DOMAIN_FSFREEZE', [DOM, f('mountpoints', t.array(t.string, Limits.DOMAIN_FSFREEZE_MOUNTPOINTS_MAX)), FLAGS], [f('filesystems', t.int)]),
  p(336, 'DOMAIN_FSTHAW', [DOM, f('mountpoints', t.array(t.string, Limits.DOMAIN_FSFREEZE_MOUNTPOINTS_MAX)), FLAGS], [f('filesystems', t.int)]),
  p(294, 'DOMAIN_FSTRIM', [DOM, f('mountPoint', t.optString), f('minimum', t.uhyper), FLAGS], []),
  p(390, 'DOMAIN_SET_LIFECYCLE_ACTION', [DOM, f('type', t.uint), f('action', t.uint), FLAGS], []),
  p(226, 'DOMAIN_SEND_KEY', [DOM, f('codeset', t.uint), f('holdtime', t.uint), f('keycodes', t.array(t.uint, Limits.DOMAIN_SEND_KEY_MAX)), FLAGS], []),
  p(163, 'DOMAIN_GET_JOB_INFO', [DOM], [f('type', t.int), ...uhypers('timeElapsed', 'timeRemaining', 'dataTotal',
    'dataProcessed', 'dataRemaining', 'memTotal', 'memProcessed', 'memRemaining', 'fileTotal', 'fileProcessed', 'fileRemaining')]),
  p(298, 'DOMAIN_GET_JOB_STATS', [DOM, FLAGS], [f('type', t.int), params(Limits.DOMAIN_JOB_STATS_MAX)]),

  // ---- domains: statistics and tunables ----
  p(64, 'DOMAIN_BLOCK_STATS', [DOM, f('path', t.string)], hypers('rd_req', 'rd_bytes', 'wr_req', 'wr_bytes', 'errs')),
  p(243, 'DOMAIN_BLOCK_STATS_FLAGS', [DOM, f('path', t.string), NPARAMS, FLAGS], [params(Limits.DOMAIN_BLOCK_STATS_PARAMETERS_MAX), NPARAMS], 0,
    { stringParamsFlagArg: 3 }),
  p(65, 'DOMAIN_INTERFACE_STATS', [DOM, f('device', t.string)],
    hypers('rx_bytes', 'rx_packets', 'rx_errs', 'rx_drop', 'tx_bytes', 'tx_packets', 'tx_errs', 'tx_drop'), H),
  p(159, 'DOMAIN_MEMORY_STATS', [DOM, f('maxStats', t.uint), FLAGS], [f('stats', t.array(memoryStat, Limits.DOMAIN_MEMORY_STATS_MAX))]),
  p(194, 'DOMAIN_GET_BLOCK_INFO', [DOM, f('path', t.string), FLAGS], uhypers('allocation', 'capacity', 'physical')),
  p(344, 'CONNECT_GET_ALL_DOMAIN_STATS', [f('doms', t.array(domain, Limits.DOMAIN_LIST_MAX)), f('stats', t.uint), FLAGS],
    [f('retStats', t.array(domainStatsRecord, Limits.DOMAIN_LIST_MAX))]),
  p(56, 'DOMAIN_GET_SCHEDULER_TYPE', [DOM], [f('type', t.string), NPARAMS]),
  p(57, 'DOMAIN_GET_SCHEDULER_PARAMETERS', [DOM, NPARAMS], [params(Limits.DOMAIN_SCHEDULER_PARAMETERS_MAX)]),
  p(223, 'DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS', [DOM, NPARAMS, FLAGS], [params(Limits.DOMAIN_SCHEDULER_PARAMETERS_MAX)], 0,
    { stringParamsFlagArg: 2 }),
  p(198, 'DOMAIN_GET_MEMORY_PARAMETERS', [DOM, NPARAMS, FLAGS], [params(Limits.DOMAIN_MEMORY_PARAMETERS_MAX), NPARAMS], 0,
    { stringParamsFlagArg: 2 }),
  p(255, 'DOMAIN_GET_NUMA_PARAMETERS', [DOM, NPARAMS, FLAGS], [params(Limits.DOMAIN_NUMA_PARAMETERS_MAX), NPARAMS], 0,
    { stringParamsFlagArg: 2 }),
  p(254, 'DOMAIN_SET_NUMA_PARAMETERS', [DOM, params(Limits.DOMAIN_NUMA_PARAMETERS_MAX), FLAGS], []),
  p(26, 'DOMAIN_PIN_VCPU', [DOM, f('vcpu', t.uint), f('cpumap', t.opaque(Limits.CPUMAP_MAX))], []),
  p(225, 'DOMAIN_PIN_VCPU_FLAGS', [DOM, f('vcpu', t.uint), f('cpumap', t.opaque(Limits.CPUMAP_MAX)), FLAGS], []),
  p(230, 'DOMAIN_GET_VCPU_PIN_INFO', [DOM, f('ncpumaps', t.int), f('maplen', t.int), FLAGS],
    [f('cpumaps', t.opaque(Limits.CPUMAPS_MAX)), NUM]),
  p(279, 'DOMAIN_PIN_EMULATOR', [DOM, f('cpumap', t.opaque(Limits.CPUMAP_MAX)), FLAGS], []),
  p(280, 'DOMAIN_GET_EMULATOR_PIN_INFO', [DOM, f('maplen', t.int), FLAGS], [f('cpumaps', t.opaque(Limits.CPUMAPS_MAX)), f('ret', t.int)]),
  p(351, 'DOMAIN_GET_IOTHREAD_INFO', [DOM, FLAGS], [f('info', t.array(iothreadInfo, IOTHREAD_INFO_MAX)), f('ret', t.uint)]),
  // REMOTE_DOMAIN_PERF_EVENTS_MAX is 64
  p(365, 'DOMAIN_GET_PERF_EVENTS', [DOM, FLAGS], [params(64)]),
  p(366, 'DOMAIN_SET_PERF_EVENTS', [DOM, params(64), FLAGS], []),
  // per-CPU stats: REMOTE_DOMAIN_GET_CPU_STATS_MAX is 2048; nparams is the count per CPU
  p(262, 'DOMAIN_GET_CPU_STATS', [DOM, f('nparams', t.uint), f('start_cpu', t.int), f('ncpus', t.uint), FLAGS],
    [params(2048), NPARAMS], 0, { stringParamsFlagArg: 4 }),
  p(384, 'DOMAIN_SET_VCPU', [DOM, f('cpumap', t.string), f('state', t.int), FLAGS], []),
  p(206, 'DOMAIN_GET_BLKIO_PARAMETERS', [DOM, NPARAMS, FLAGS], [params(Limits.DOMAIN_BLKIO_PARAMETERS_MAX), NPARAMS], 0,
    { stringParamsFlagArg: 2 }),
  p(205, 'DOMAIN_SET_BLKIO_PARAMETERS', [DOM, params(Limits.DOMAIN_BLKIO_PARAMETERS_MAX), FLAGS], []),
  // REMOTE_DOMAIN_INTERFACE_PARAMETERS_MAX is 16, REMOTE_DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX 32;
  // GET_BLOCK_IO_TUNE's disk may be null (virsh asks for the count without one)
  p(256, 'DOMAIN_SET_INTERFACE_PARAMETERS', [DOM, f('device', t.string), params(16), FLAGS], []),
  p(257, 'DOMAIN_GET_INTERFACE_PARAMETERS', [DOM, f('device', t.string), NPARAMS, FLAGS], [params(16), NPARAMS], 0,
    { stringParamsFlagArg: 3 }),
  p(252, 'DOMAIN_SET_BLOCK_IO_TUNE', [DOM, f('disk', t.string), params(32), FLAGS], []),
  p(253, 'DOMAIN_GET_BLOCK_IO_TUNE', [DOM, f('disk', t.optString), NPARAMS, FLAGS], [params(32), NPARAMS], 0,
    { stringParamsFlagArg: 3 }),

  // ---- domains: IOThreads, guest users and processes, core dumps, save images (tsvirsh domain_misc) ----
  p(355, 'DOMAIN_ADD_IOTHREAD', [DOM, f('iothread_id', t.uint), FLAGS], []),
  p(356, 'DOMAIN_DEL_IOTHREAD', [DOM, f('iothread_id', t.uint), FLAGS], []),
  p(352, 'DOMAIN_PIN_IOTHREAD', [DOM, f('iothreads_id', t.uint), f('cpumap', t.opaque(Limits.CPUMAP_MAX)), FLAGS], []),
  // REMOTE_DOMAIN_IOTHREAD_PARAMS_MAX is 64
  p(402, 'DOMAIN_SET_IOTHREAD_PARAMS', [DOM, f('iothread_id', t.uint), params(64), FLAGS], []),
  p(357, 'DOMAIN_SET_USER_PASSWORD', [DOM, f('user', t.optString), f('password', t.optString), FLAGS], []),
  p(295, 'DOMAIN_SEND_PROCESS_SIGNAL', [DOM, f('pid_value', t.hyper), f('signum', t.uint), FLAGS], []),
  p(53, 'DOMAIN_CORE_DUMP', [DOM, f('to', t.string), FLAGS], []),
  p(334, 'DOMAIN_CORE_DUMP_WITH_FORMAT', [DOM, f('to', t.string), f('dumpformat', t.uint), FLAGS], []),
  p(236, 'DOMAIN_SAVE_IMAGE_DEFINE_XML', [f('file', t.string), f('dxml', t.string), FLAGS], [], H),
  p(308, 'DOMAIN_SET_MEMORY_STATS_PERIOD', [DOM, f('period', t.int), FLAGS], []),
  // REMOTE_DOMAIN_LAUNCH_SECURITY_INFO_PARAMS_MAX is 64
  p(396, 'DOMAIN_GET_LAUNCH_SECURITY_INFO', [DOM, FLAGS], [params(64)], 0, { stringParamsFlagArg: 1 }),

  // ---- domains: block devices, device aliases, jobs, guest power management (tsvirsh domain_block) ----
  p(251, 'DOMAIN_BLOCK_RESIZE', [DOM, f('disk', t.string), f('size', t.uhyper), FLAGS], []),
  p(392, 'DOMAIN_DETACH_DEVICE_ALIAS', [DOM, f('alias', t.string), FLAGS], []),
  p(386, 'DOMAIN_SET_BLOCK_THRESHOLD', [DOM, f('dev', t.string), f('threshold', t.uhyper), FLAGS], []),
  p(164, 'DOMAIN_ABORT_JOB', [DOM], []),
  p(442, 'DOMAIN_ABORT_JOB_FLAGS', [DOM, FLAGS], []),
  p(261, 'DOMAIN_PM_SUSPEND_FOR_DURATION', [DOM, f('target', t.uint), f('duration', t.uhyper), FLAGS], []),
  p(267, 'DOMAIN_PM_WAKEUP', [DOM, FLAGS], []),

  // ---- domains: managed-save XML, migration tuning (tsvirsh domain_rest) ----
  p(388, 'DOMAIN_MANAGED_SAVE_GET_XML_DESC', [DOM, FLAGS], [XML]),
  p(389, 'DOMAIN_MANAGED_SAVE_DEFINE_XML', [DOM, f('dxml', t.optString), FLAGS], []),
  p(166, 'DOMAIN_MIGRATE_SET_MAX_DOWNTIME', [DOM, f('downtime', t.uhyper), FLAGS], []),
  p(387, 'DOMAIN_MIGRATE_GET_MAX_DOWNTIME', [DOM, FLAGS], [f('downtime', t.uhyper)]),
  p(207, 'DOMAIN_MIGRATE_SET_MAX_SPEED', [DOM, f('bandwidth', t.uhyper), FLAGS], []),
  p(242, 'DOMAIN_MIGRATE_GET_MAX_SPEED', [DOM, FLAGS], [f('bandwidth', t.uhyper)]),
  p(299, 'DOMAIN_MIGRATE_GET_COMPRESSION_CACHE', [DOM, FLAGS], [f('cacheSize', t.uhyper)]),
  p(300, 'DOMAIN_MIGRATE_SET_COMPRESSION_CACHE', [DOM, f('cacheSize', t.uhyper), FLAGS], []),
  p(364, 'DOMAIN_MIGRATE_START_POST_COPY', [DOM, FLAGS], []),

  // ---- domains: guest agent (tsvirsh domain_rest); the agent command itself is in qemu_program.ts ----
  p(420, 'DOMAIN_AGENT_SET_RESPONSE_TIMEOUT', [DOM, f('timeout', t.int), FLAGS], [f('result', t.int)]),
  // REMOTE_DOMAIN_GUEST_INFO_PARAMS_MAX is 2048, REMOTE_DOMAIN_GUEST_VCPU_PARAMS_MAX 64
  p(418, 'DOMAIN_GET_GUEST_INFO', [DOM, f('types', t.uint), FLAGS], [params(2048)]),
  p(371, 'DOMAIN_GET_GUEST_VCPUS', [DOM, FLAGS], [params(64)]),
  p(372, 'DOMAIN_SET_GUEST_VCPUS', [DOM, f('cpumap', t.string), f('state', t.int), FLAGS], []),
  // REMOTE_DOMAIN_AUTHORIZED_SSH_KEYS_MAX is 2048
  p(424, 'DOMAIN_AUTHORIZED_SSH_KEYS_GET', [DOM, f('user', t.string), FLAGS], [f('keys', t.array(t.string, 2048))]),
  p(425, 'DOMAIN_AUTHORIZED_SSH_KEYS_SET', [DOM, f('user', t.string), f('keys', t.array(t.string, 2048)), FLAGS], []),

  // ---- network filters and bindings (tsvirsh nwfilter); REMOTE_NWFILTER_LIST_MAX and
  // REMOTE_NWFILTER_BINDING_LIST_MAX are 16384 ----
  p(175, 'NWFILTER_LOOKUP_BY_NAME', [NAME], [NWFILTER], H),
  p(176, 'NWFILTER_LOOKUP_BY_UUID', [UUID], [NWFILTER], H),
  p(177, 'NWFILTER_GET_XML_DESC', [NWFILTER, FLAGS], [XML], H),
  p(178, 'CONNECT_NUM_OF_NWFILTERS', [], [NUM], H),
  p(179, 'CONNECT_LIST_NWFILTERS', [MAXNAMES], [NAMES], H),
  p(180, 'NWFILTER_DEFINE_XML', [XML], [NWFILTER], H),
  p(181, 'NWFILTER_UNDEFINE', [NWFILTER], [], H),
  p(286, 'CONNECT_LIST_ALL_NWFILTERS', [NEED, FLAGS], [f('filters', t.array(nwfilter, 16384)), f('ret', t.uint)], H),
  p(431, 'NWFILTER_DEFINE_XML_FLAGS', [XML, FLAGS], [NWFILTER], H),
  p(397, 'NWFILTER_BINDING_LOOKUP_BY_PORT_DEV', [NAME], [NWBINDING], H),
  p(398, 'NWFILTER_BINDING_GET_XML_DESC', [NWBINDING, FLAGS], [XML], H),
  p(399, 'NWFILTER_BINDING_CREATE_XML', [XML, FLAGS], [NWBINDING], H),
  p(400, 'NWFILTER_BINDING_DELETE', [NWBINDING], [], H),
  p(401, 'CONNECT_LIST_ALL_NWFILTER_BINDINGS', [NEED, FLAGS], [f('bindings', t.array(nwfilterBinding, 16384)), f('ret', t.uint)], H),

  // ---- domains: backups, dirty rate, launch security state, native configs (tsvirsh domain_rest) ----
  p(421, 'DOMAIN_BACKUP_BEGIN', [DOM, f('backup_xml', t.string), f('checkpoint_xml', t.optString), FLAGS], []),
  p(422, 'DOMAIN_BACKUP_GET_XML_DESC', [DOM, FLAGS], [XML]),
  p(427, 'DOMAIN_START_DIRTY_RATE_CALC', [DOM, f('seconds', t.int), FLAGS], []),
  // REMOTE_DOMAIN_LAUNCH_SECURITY_STATE_PARAMS_MAX is 64
  p(439, 'DOMAIN_SET_LAUNCH_SECURITY_STATE', [DOM, params(64), FLAGS], []),
  p(135, 'CONNECT_DOMAIN_XML_FROM_NATIVE', [f('nativeFormat', t.string), f('nativeConfig', t.string), FLAGS], [f('domainXml', t.string)]),

  // ---- domains: block jobs (tsvirsh domain_rest) ----
  p(238, 'DOMAIN_GET_BLOCK_JOB_INFO', [DOM, f('path', t.string), FLAGS],
    [f('found', t.int), f('type', t.int), f('bandwidth', t.uhyper), f('cur', t.uhyper), f('end', t.uhyper)]),
  p(239, 'DOMAIN_BLOCK_JOB_SET_SPEED', [DOM, f('path', t.string), f('bandwidth', t.uhyper), FLAGS], []),
  p(237, 'DOMAIN_BLOCK_JOB_ABORT', [DOM, f('path', t.string), FLAGS], []),

  // ---- snapshots ----
  p(185, 'DOMAIN_SNAPSHOT_CREATE_XML', [DOM, f('xml_desc', t.string), FLAGS], [SNAP]),
  p(186, 'DOMAIN_SNAPSHOT_GET_XML_DESC', [SNAP, FLAGS], [XML], H),
  p(187, 'DOMAIN_SNAPSHOT_NUM', [DOM, FLAGS], [NUM], H),
  p(188, 'DOMAIN_SNAPSHOT_LIST_NAMES', [DOM, MAXNAMES, FLAGS], [f('names', t.array(t.string, Limits.DOMAIN_SNAPSHOT_LIST_MAX))], H),
  p(274, 'DOMAIN_LIST_ALL_SNAPSHOTS', [DOM, NEED, FLAGS], [f('snapshots', t.array(snapshot, Limits.DOMAIN_SNAPSHOT_LIST_MAX)), f('ret', t.int)], H),
  p(275, 'DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN', [f('snapshot', snapshot), NEED, FLAGS], [f('snapshots', t.array(snapshot, Limits.DOMAIN_SNAPSHOT_LIST_MAX)), f('ret', t.int)], H),
  p(246, 'DOMAIN_SNAPSHOT_NUM_CHILDREN', [SNAP, FLAGS], [NUM], H),
  p(247, 'DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES', [SNAP, MAXNAMES, FLAGS], [f('names', t.array(t.string, Limits.DOMAIN_SNAPSHOT_LIST_MAX))], H),
  p(189, 'DOMAIN_SNAPSHOT_LOOKUP_BY_NAME', [DOM, NAME, FLAGS], [SNAP], H),
  p(190, 'DOMAIN_HAS_CURRENT_SNAPSHOT', [DOM, FLAGS], [f('result', t.int)]),
  p(191, 'DOMAIN_SNAPSHOT_CURRENT', [DOM, FLAGS], [SNAP]),
  p(244, 'DOMAIN_SNAPSHOT_GET_PARENT', [SNAP, FLAGS], [SNAP], H),
  p(271, 'DOMAIN_SNAPSHOT_IS_CURRENT', [SNAP, FLAGS], [f('current', t.int)]),
  p(272, 'DOMAIN_SNAPSHOT_HAS_METADATA', [SNAP, FLAGS], [f('metadata', t.int)]),
  p(192, 'DOMAIN_REVERT_TO_SNAPSHOT', [SNAP, FLAGS], []),
  p(193, 'DOMAIN_SNAPSHOT_DELETE', [SNAP, FLAGS], []),
  // ---- checkpoints (REMOTE_DOMAIN_CHECKPOINT_LIST_MAX is 16384) ----
  p(411, 'DOMAIN_CHECKPOINT_CREATE_XML', [DOM, f('xml_desc', t.string), FLAGS], [f('checkpoint', checkpoint)]),
  p(412, 'DOMAIN_CHECKPOINT_GET_XML_DESC', [f('checkpoint', checkpoint), FLAGS], [XML], H),
  p(413, 'DOMAIN_LIST_ALL_CHECKPOINTS', [DOM, NEED, FLAGS], [f('checkpoints', t.array(checkpoint, 16384)), f('ret', t.int)], H),
  p(414, 'DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN', [f('checkpoint', checkpoint), NEED, FLAGS],
    [f('checkpoints', t.array(checkpoint, 16384)), f('ret', t.int)], H),
  p(415, 'DOMAIN_CHECKPOINT_LOOKUP_BY_NAME', [DOM, NAME, FLAGS], [f('checkpoint', checkpoint)], H),
  p(416, 'DOMAIN_CHECKPOINT_GET_PARENT', [f('checkpoint', checkpoint), FLAGS], [f('parent', checkpoint)], H),
  p(417, 'DOMAIN_CHECKPOINT_DELETE', [f('checkpoint', checkpoint), FLAGS], []),

  // ---- event (de)registration ----
  p(316, 'CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY', [EVENT_ID, f('dom', optDomain)], [CALLBACK_ID], H,
    { api: 'virConnectDomainEventRegisterAny' }),
  p(317, 'CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY', [CALLBACK_ID], [], H,
    { api: 'virConnectDomainEventDeregisterAny' }),
  // Legacy forms, used by clients when feature 14 (REMOTE_EVENT_CALLBACK) is answered 0.
  p(105, 'CONNECT_DOMAIN_EVENT_REGISTER', [], [f('cb_registered', t.int)], H),
  p(106, 'CONNECT_DOMAIN_EVENT_DEREGISTER', [], [f('cb_registered', t.int)], H),
  p(167, 'CONNECT_DOMAIN_EVENT_REGISTER_ANY', [EVENT_ID], [], H),
  p(168, 'CONNECT_DOMAIN_EVENT_DEREGISTER_ANY', [EVENT_ID], [], H),
  p(313, 'CONNECT_NETWORK_EVENT_REGISTER_ANY', [EVENT_ID, f('net', optNetwork)], [CALLBACK_ID], H),
  p(314, 'CONNECT_NETWORK_EVENT_DEREGISTER_ANY', [CALLBACK_ID], [], H),
  p(368, 'CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY', [EVENT_ID, f('pool', optStoragePool)], [CALLBACK_ID], H),
  p(369, 'CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY', [CALLBACK_ID], [], H),

  // ---- networks ----
  p(283, 'CONNECT_LIST_ALL_NETWORKS', [NEED, FLAGS], [f('nets', t.array(network, Limits.NETWORK_LIST_MAX)), f('ret', t.uint)], H),
  p(52, 'CONNECT_NUM_OF_NETWORKS', [], [NUM], H),
  p(38, 'CONNECT_LIST_NETWORKS', [MAXNAMES], [f('names', t.array(t.string, Limits.NETWORK_LIST_MAX))], H),
  p(50, 'CONNECT_NUM_OF_DEFINED_NETWORKS', [], [NUM], H),
  p(36, 'CONNECT_LIST_DEFINED_NETWORKS', [MAXNAMES], [f('names', t.array(t.string, Limits.NETWORK_LIST_MAX))], H),
  p(46, 'NETWORK_LOOKUP_BY_NAME', [NAME], [NET], H),
  p(47, 'NETWORK_LOOKUP_BY_UUID', [UUID], [NET], H),
  p(41, 'NETWORK_DEFINE_XML', [XML], [NET], H),
  p(432, 'NETWORK_DEFINE_XML_FLAGS', [XML, FLAGS], [NET], H),
  p(40, 'NETWORK_CREATE_XML', [XML], [NET]),
  p(437, 'NETWORK_CREATE_XML_FLAGS', [XML, FLAGS], [NET]),
  p(39, 'NETWORK_CREATE', [NET], []),
  p(42, 'NETWORK_DESTROY', [NET], [], H),
  p(49, 'NETWORK_UNDEFINE', [NET], [], H),
  p(43, 'NETWORK_GET_XML_DESC', [NET, FLAGS], [XML], H),
  p(44, 'NETWORK_GET_AUTOSTART', [NET], [AUTOSTART], H),
  p(48, 'NETWORK_SET_AUTOSTART', [NET, AUTOSTART], [], H),
  p(45, 'NETWORK_GET_BRIDGE_NAME', [NET], [NAME], H),
  p(152, 'NETWORK_IS_ACTIVE', [NET], [f('active', t.int)], H),
  p(153, 'NETWORK_IS_PERSISTENT', [NET], [f('persistent', t.int)], H),
  p(291, 'NETWORK_UPDATE', [NET, f('command', t.uint), f('section', t.uint), f('parentIndex', t.int), XML, FLAGS], [], H),
  p(341, 'NETWORK_GET_DHCP_LEASES', [NET, f('mac', t.optString), NEED, FLAGS],
    [f('leases', t.array(dhcpLease, Limits.NETWORK_DHCP_LEASES_MAX)), f('ret', t.uint)]),

  // ---- storage pools ----
  p(281, 'CONNECT_LIST_ALL_STORAGE_POOLS', [NEED, FLAGS], [f('pools', t.array(storagePool, Limits.STORAGE_POOL_LIST_MAX)), f('ret', t.uint)], H),
  p(71, 'CONNECT_NUM_OF_STORAGE_POOLS', [], [NUM], H),
  p(72, 'CONNECT_LIST_STORAGE_POOLS', [MAXNAMES], [f('names', t.array(t.string, Limits.STORAGE_POOL_LIST_MAX))], H),
  p(73, 'CONNECT_NUM_OF_DEFINED_STORAGE_POOLS', [], [NUM], H),
  p(74, 'CONNECT_LIST_DEFINED_STORAGE_POOLS', [MAXNAMES], [f('names', t.array(t.string, Limits.STORAGE_POOL_LIST_MAX))], H),
  p(84, 'STORAGE_POOL_LOOKUP_BY_NAME', [NAME], [POOL], H),
  p(85, 'STORAGE_POOL_LOOKUP_BY_UUID', [UUID], [POOL], H),
  p(86, 'STORAGE_POOL_LOOKUP_BY_VOLUME', [VOL], [POOL], H),
  p(391, 'STORAGE_POOL_LOOKUP_BY_TARGET_PATH', [f('path', t.string)], [POOL], H),
  p(77, 'STORAGE_POOL_DEFINE_XML', [XML, FLAGS], [POOL], H),
  p(76, 'STORAGE_POOL_CREATE_XML', [XML, FLAGS], [POOL]),
  p(79, 'STORAGE_POOL_BUILD', [POOL, FLAGS], []),
  p(78, 'STORAGE_POOL_CREATE', [POOL, FLAGS], []),
  p(80, 'STORAGE_POOL_DESTROY', [POOL], [], H),
  p(81, 'STORAGE_POOL_DELETE', [POOL, FLAGS], []),
  p(82, 'STORAGE_POOL_UNDEFINE', [POOL], [], H),
  p(83, 'STORAGE_POOL_REFRESH', [POOL, FLAGS], []),
  p(87, 'STORAGE_POOL_GET_INFO', [POOL], [f('state', t.uchar), ...uhypers('capacity', 'allocation', 'available')], H),
  p(88, 'STORAGE_POOL_GET_XML_DESC', [POOL, FLAGS], [XML], H),
  p(89, 'STORAGE_POOL_GET_AUTOSTART', [POOL], [AUTOSTART], H),
  p(90, 'STORAGE_POOL_SET_AUTOSTART', [POOL, AUTOSTART], [], H),
  p(154, 'STORAGE_POOL_IS_ACTIVE', [POOL], [f('active', t.int)], H),
  p(155, 'STORAGE_POOL_IS_PERSISTENT', [POOL], [f('persistent', t.int)], H),
  p(91, 'STORAGE_POOL_NUM_OF_VOLUMES', [POOL], [NUM], H),
  p(92, 'STORAGE_POOL_LIST_VOLUMES', [POOL, MAXNAMES], [f('names', t.array(t.string, Limits.STORAGE_VOL_LIST_MAX))], H),
  p(282, 'STORAGE_POOL_LIST_ALL_VOLUMES', [POOL, NEED, FLAGS], [f('vols', t.array(storageVol, Limits.STORAGE_VOL_LIST_MAX)), f('ret', t.uint)], H),

  // ---- storage volumes ----
  p(95, 'STORAGE_VOL_LOOKUP_BY_NAME', [POOL, NAME], [VOL], H),
  p(96, 'STORAGE_VOL_LOOKUP_BY_KEY', [f('key', t.string)], [VOL], H),
  p(97, 'STORAGE_VOL_LOOKUP_BY_PATH', [f('path', t.string)], [VOL], H),
  p(93, 'STORAGE_VOL_CREATE_XML', [POOL, XML, FLAGS], [VOL]),
  p(125, 'STORAGE_VOL_CREATE_XML_FROM', [POOL, XML, f('clonevol', storageVol), FLAGS], [VOL]),
  p(94, 'STORAGE_VOL_DELETE', [VOL, FLAGS], []),
  p(165, 'STORAGE_VOL_WIPE', [VOL, FLAGS], []),
  p(98, 'STORAGE_VOL_GET_INFO', [VOL], [f('type', t.char), ...uhypers('capacity', 'allocation')], H),
  p(378, 'STORAGE_VOL_GET_INFO_FLAGS', [VOL, FLAGS], [f('type', t.char), ...uhypers('capacity', 'allocation')], H),
  p(99, 'STORAGE_VOL_GET_XML_DESC', [VOL, FLAGS], [XML], H),
  p(100, 'STORAGE_VOL_GET_PATH', [VOL], [NAME], H),
  p(260, 'STORAGE_VOL_RESIZE', [VOL, f('capacity', t.uhyper), FLAGS], []),
  p(208, 'STORAGE_VOL_UPLOAD', [VOL, f('offset', t.uhyper), f('length', t.uhyper), FLAGS], [], 0, { stream: 'in' }),
  p(209, 'STORAGE_VOL_DOWNLOAD', [VOL, f('offset', t.uhyper), f('length', t.uhyper), FLAGS], [], 0, { stream: 'out' }),

  // ---- host interfaces (remote_nonnull_interface = name + mac) ----
  p(126, 'CONNECT_NUM_OF_INTERFACES', [], [NUM], H),
  p(127, 'CONNECT_LIST_INTERFACES', [MAXNAMES], [f('names', t.array(t.string, Limits.INTERFACE_LIST_MAX))], H),
  p(137, 'CONNECT_NUM_OF_DEFINED_INTERFACES', [], [NUM], H),
  p(138, 'CONNECT_LIST_DEFINED_INTERFACES', [MAXNAMES], [f('names', t.array(t.string, Limits.INTERFACE_LIST_MAX))], H),
  p(284, 'CONNECT_LIST_ALL_INTERFACES', [NEED, FLAGS], [f('ifaces', t.array(iface, Limits.INTERFACE_LIST_MAX)), f('ret', t.uint)], H),
  p(128, 'INTERFACE_LOOKUP_BY_NAME', [NAME], [IFACE], H),
  p(129, 'INTERFACE_LOOKUP_BY_MAC_STRING', [f('mac', t.string)], [IFACE], H),
  p(130, 'INTERFACE_GET_XML_DESC', [IFACE, FLAGS], [XML]),
  p(131, 'INTERFACE_DEFINE_XML', [XML, FLAGS], [IFACE], H),
  p(132, 'INTERFACE_UNDEFINE', [IFACE], [], H),
  p(133, 'INTERFACE_CREATE', [IFACE, FLAGS], []),
  p(134, 'INTERFACE_DESTROY', [IFACE, FLAGS], [], H),
  p(156, 'INTERFACE_IS_ACTIVE', [IFACE], [f('active', t.int)], H),
  p(220, 'INTERFACE_CHANGE_BEGIN', [FLAGS], []),
  p(221, 'INTERFACE_CHANGE_COMMIT', [FLAGS], []),
  p(222, 'INTERFACE_CHANGE_ROLLBACK', [FLAGS], []),

  // ---- node devices (remote_nonnull_node_device = name; calls on one device pass its name) ----
  p(111, 'NODE_NUM_OF_DEVICES', [f('cap', t.optString), FLAGS], [NUM], H),
  p(112, 'NODE_LIST_DEVICES', [f('cap', t.optString), MAXNAMES, FLAGS], [f('names', t.array(t.string, Limits.NODE_DEVICE_LIST_MAX))], H),
  p(285, 'CONNECT_LIST_ALL_NODE_DEVICES', [NEED, FLAGS], [f('devices', t.array(nodeDevice, Limits.NODE_DEVICE_LIST_MAX)), f('ret', t.uint)], H),
  p(113, 'NODE_DEVICE_LOOKUP_BY_NAME', [NAME], [NODEDEV], H),
  p(297, 'NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN', [f('wwnn', t.string), f('wwpn', t.string), FLAGS], [NODEDEV], H),
  p(114, 'NODE_DEVICE_GET_XML_DESC', [NAME, FLAGS], [XML], H),
  p(115, 'NODE_DEVICE_GET_PARENT', [NAME], [f('parent', t.optString)], H),
  p(116, 'NODE_DEVICE_NUM_OF_CAPS', [NAME], [NUM], H),
  p(117, 'NODE_DEVICE_LIST_CAPS', [NAME, MAXNAMES], [f('names', t.array(t.string, Limits.NODE_DEVICE_CAPS_LIST_MAX))], H),
  p(118, 'NODE_DEVICE_DETTACH', [NAME], []),
  p(301, 'NODE_DEVICE_DETACH_FLAGS', [NAME, f('driverName', t.optString), FLAGS], []),
  p(119, 'NODE_DEVICE_RE_ATTACH', [NAME], []),
  p(120, 'NODE_DEVICE_RESET', [NAME], []),
  p(123, 'NODE_DEVICE_CREATE_XML', [f('xml_desc', t.string), FLAGS], [NODEDEV]),
  p(124, 'NODE_DEVICE_DESTROY', [NAME], [], H),
  p(428, 'NODE_DEVICE_DEFINE_XML', [f('xml_desc', t.string), FLAGS], [NODEDEV]),
  p(429, 'NODE_DEVICE_UNDEFINE', [NAME, FLAGS], []),
  p(430, 'NODE_DEVICE_CREATE', [NAME, FLAGS], []),
  p(433, 'NODE_DEVICE_GET_AUTOSTART', [NAME], [AUTOSTART], H),
  p(434, 'NODE_DEVICE_SET_AUTOSTART', [NAME, AUTOSTART], []),
  p(435, 'NODE_DEVICE_IS_PERSISTENT', [NAME], [f('persistent', t.int)], H),
  p(436, 'NODE_DEVICE_IS_ACTIVE', [NAME], [f('active', t.int)], H),
  p(374, 'CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY', [EVENT_ID, f('dev', optNodeDevice)], [CALLBACK_ID], H),
  p(375, 'CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY', [CALLBACK_ID], [], H),
  // ---- storage pool sources and capabilities, network ports, host CPU and page calls ----
  p(75, 'CONNECT_FIND_STORAGE_POOL_SOURCES', [f('type', t.string), f('srcSpec', t.optString), FLAGS], [XML]),
  p(403, 'CONNECT_GET_STORAGE_POOL_CAPABILITIES', [FLAGS], [f('capabilities', t.string)]),
  p(404, 'NETWORK_LIST_ALL_PORTS', [f('network', network), NEED, FLAGS], [f('ports', t.array(networkPort, NETWORK_PORT_LIST_MAX)), f('ret', t.uint)], H),
  p(405, 'NETWORK_PORT_LOOKUP_BY_UUID', [f('network', network), UUID], [PORT], H),
  p(406, 'NETWORK_PORT_CREATE_XML', [f('network', network), XML, FLAGS], [PORT]),
  p(409, 'NETWORK_PORT_GET_XML_DESC', [PORT, FLAGS], [XML]),
  p(410, 'NETWORK_PORT_DELETE', [PORT, FLAGS], []),
  p(312, 'CONNECT_GET_CPU_MODEL_NAMES', [f('arch', t.string), NEED, FLAGS], [f('models', t.array(t.string, CPU_MODELS_MAX)), f('ret', t.int)], H),
  p(227, 'NODE_GET_CPU_STATS', [f('cpuNum', t.int), NPARAMS, FLAGS], [f('params', t.array(nodeMemoryStat, NODE_CPU_STATS_MAX)), NPARAMS], H),
  p(340, 'NODE_GET_FREE_PAGES', [f('pages', t.array(t.uint, Limits.NODE_MAX_CELLS)), f('startCell', t.int), f('cellCount', t.uint), FLAGS],
    [f('counts', t.array(t.uhyper, Limits.NODE_MAX_CELLS))]),
  p(347, 'NODE_ALLOC_PAGES', [f('pageSizes', t.array(t.uint, Limits.NODE_MAX_CELLS)), f('pageCounts', t.array(t.uhyper, Limits.NODE_MAX_CELLS)),
    f('startCell', t.int), f('cellCount', t.uint), FLAGS], [f('ret', t.int)]),
  p(158, 'CONNECT_COMPARE_CPU', [XML, FLAGS], [f('result', t.int)], H),
  p(162, 'CONNECT_BASELINE_CPU', [f('xmlCPUs', t.array(t.string, CPU_BASELINE_MAX)), FLAGS], [f('cpu', t.string)]),
  p(393, 'CONNECT_COMPARE_HYPERVISOR_CPU', [f('emulator', t.optString), f('arch', t.optString), f('machine', t.optString),
    f('virttype', t.optString), f('xmlCPU', t.string), FLAGS], [f('result', t.int)]),
  p(394, 'CONNECT_BASELINE_HYPERVISOR_CPU', [f('emulator', t.optString), f('arch', t.optString), f('machine', t.optString),
    f('virttype', t.optString), f('xmlCPUs', t.array(t.string, CPU_BASELINE_MAX)), FLAGS], [f('cpu', t.string)]),
  p(289, 'NODE_GET_MEMORY_PARAMETERS', [NPARAMS, FLAGS], [params(NODE_MEMORY_PARAMETERS_MAX), NPARAMS]),
  p(288, 'NODE_SET_MEMORY_PARAMETERS', [params(NODE_MEMORY_PARAMETERS_MAX), FLAGS], []),
  p(250, 'NODE_SUSPEND_FOR_DURATION', [f('target', t.uint), f('duration', t.uhyper), FLAGS], []),
  p(395, 'NODE_GET_SEV_INFO', [NPARAMS, FLAGS], [params(NODE_SEV_INFO_MAX), NPARAMS]),
  // ---- secrets (remote_nonnull_secret = uuid, usageType, usageID) ----
  p(139, 'CONNECT_NUM_OF_SECRETS', [], [NUM], H),
  p(140, 'CONNECT_LIST_SECRETS', [f('maxuuids', t.int)], [f('uuids', t.array(t.string, SECRET_LIST_MAX))], H),
  p(287, 'CONNECT_LIST_ALL_SECRETS', [NEED, FLAGS], [f('secrets', t.array(secret, SECRET_LIST_MAX)), f('ret', t.uint)], H),
  p(141, 'SECRET_LOOKUP_BY_UUID', [UUID], [SECRET], H),
  p(147, 'SECRET_LOOKUP_BY_USAGE', [f('usageType', t.int), f('usageID', t.string)], [SECRET], H),
  p(142, 'SECRET_DEFINE_XML', [XML, FLAGS], [SECRET], H),
  p(143, 'SECRET_GET_XML_DESC', [SECRET, FLAGS], [XML], H),
  p(144, 'SECRET_SET_VALUE', [SECRET, f('value', t.opaque(Limits.SECRET_VALUE_MAX)), FLAGS], [], H),
  p(145, 'SECRET_GET_VALUE', [SECRET, FLAGS], [f('value', t.opaque(Limits.SECRET_VALUE_MAX))], H),
  p(146, 'SECRET_UNDEFINE', [SECRET], [], H),
  p(380, 'CONNECT_SECRET_EVENT_REGISTER_ANY', [EVENT_ID, f('secret', optSecret)], [CALLBACK_ID], H),
  p(381, 'CONNECT_SECRET_EVENT_DEREGISTER_ANY', [CALLBACK_ID], [], H),
];

// ---- lookups ----

const byNumber = new Map<number, ProcedureDef>();
const byMethod = new Map<string, ProcedureDef>();
for (const d of PROCEDURES) {
  if (byNumber.has(d.proc)) throw new Error(`procedure table: ${d.proc} declared twice`);
  byNumber.set(d.proc, d);
  byMethod.set(d.method, d);
}

export function procedureByNumber(n: number): ProcedureDef | undefined {
  return byNumber.get(n);
}

export function procedureByMethod(method: string): ProcedureDef | undefined {
  return byMethod.get(method);
}

export function procedureByName(name: ProcName): ProcedureDef | undefined {
  return byNumber.get(Proc[name]);
}

// ---- argument and result mapping ----

/** The positional arguments of a call, plus whether a list-all call wants the array. */
export interface DecodedCall {
  args: any[];
  /** need_results of list-all calls (true for every other procedure). */
  needResults: boolean;
}

/** Server side: CALL payload -> positional args for the driver method (wire order). */
export function decodeCall(def: ProcedureDef, r: XdrReader): DecodedCall {
  // Straight into the positional array (no intermediate struct object): this runs per call.
  const fields = def.args.fields;
  const args: any[] = [];
  let needResults = true;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const v = field[1].decode(r);
    if (field[0] === 'need_results') needResults = v !== 0;
    else args.push(v);
  }
  return { args, needResults };
}

export function decodeCallArgs(def: ProcedureDef, r: XdrReader): any[] {
  return decodeCall(def, r).args;
}

/**
 * Client side: positional args -> CALL payload. Extra trailing args (an event callback) are
 * ignored; list-all calls send need_results = 1 unless told otherwise (a count-only call).
 */
export function encodeCallArgs(def: ProcedureDef, args: readonly any[], needResults = true): Buffer {
  const o: any = {};
  let i = 0;
  for (const [name] of def.args.fields) o[name] = name === 'need_results' ? (needResults ? 1 : 0) : args[i++];
  const w = new XdrWriter(128);
  def.args.encode(w, o);
  return w.finish();
}

export interface EncodeReturnOptions {
  /** the decoded call args, needed to honour VIR_TYPED_PARAM_STRING_OKAY */
  args?: readonly any[];
  /** need_results of a list-all call: false sends only the count */
  needResults?: boolean;
}

/** Server side: the driver method's result -> REPLY payload. */
export function encodeReturn(def: ProcedureDef, value: any, opts: EncodeReturnOptions = {}): Buffer {
  if (def.retShape === 'void') return Buffer.alloc(0);
  const w = new XdrWriter(256);
  encodeReturnInto(w, def, value, opts);
  // The writer is dropped here, so its bytes can be handed out without a copy.
  return w.view();
}

/** One field of a ret struct, with the field name in the error as the struct encoder gives it. */
function encodeField(w: XdrWriter, field: StructField, v: unknown): void {
  try {
    field[1].encode(w, v);
  } catch (e) {
    if (e instanceof XdrError) throw new XdrError(`${field[0]}: ${e.message}`);
    throw e;
  }
}

/**
 * encodeReturn into a writer the caller owns (the daemon writes the packet header in front of
 * the payload, so a reply is one buffer built once).
 */
export function encodeReturnInto(w: XdrWriter, def: ProcedureDef, value: any, opts: EncodeReturnOptions = {}): void {
  const fields = def.ret.fields;
  const filter = def.stringParamsFlagArg !== undefined && opts.args
    ? Number(opts.args[def.stringParamsFlagArg] ?? 0) : null;
  switch (def.retShape) {
    case 'void': return;
    case 'single':
      encodeField(w, fields[0]!, filter === null ? value : filterStringParams(value, filter));
      return;
    case 'list': {
      const list: any[] = value ?? [];
      encodeField(w, fields[0]!, opts.needResults === false ? [] : list);
      encodeField(w, fields[1]!, list.length);
      return;
    }
    case 'object': {
      let o = value;
      if (filter !== null && o && Array.isArray(o.params)) o = { ...o, params: filterStringParams(o.params, filter) };
      def.ret.encode(w, o);
    }
  }
}

/** Client side: REPLY payload -> what the driver method returns. */
export function decodeReturn(def: ProcedureDef, r: XdrReader): any {
  if (def.retShape === 'void') return undefined;
  const o = def.ret.decode(r);
  const first = def.ret.fields[0]![0];
  switch (def.retShape) {
    case 'single': return o[first];
    case 'list': return o[first];
    default: return o;
  }
}

/**
 * The read-only check of §9.3 for one call: null when allowed, otherwise the OPERATION_DENIED
 * error libvirt raises ("operation forbidden: read only access prevents virDomainDestroy").
 */
export function readOnlyDenial(def: ProcedureDef, args: readonly any[]): VirError | null {
  return readonlyDenial(def.method, args);
}

/** VIR_ERR_NO_SUPPORT for a known procedure the driver lacks (libvirt's wording). */
export function noSupportError(name: string, api?: string): VirError {
  return virError(errDomainFor(name), ErrorNumber.NO_SUPPORT, api ?? apiNameFor(name));
}
