// The driver contract: the tables every driver (test, qemu, network, storage, remote) fills in.
// libvirt counterpart: src/driver-hypervisor.h, driver-network.h, driver-storage.h.
//
// Convention (it is what lets the daemon's dispatcher and the remote driver be generated from
// one procedure table, see src/rpc/procedures.ts):
//   - method name = libvirt's remote procedure name in camelCase
//     (REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME -> domainLookupByName);
//   - parameters = the procedure's args in wire order; `need_results` of list-all calls is dropped;
//   - result = the procedure's ret: void, the single field unwrapped, or an object keyed by the
//     protocol's field names when ret has several fields; list-all calls return just the array.
// Every method is optional: the API layer answers VIR_ERR_NO_SUPPORT for a missing one.
// UUIDs travel as canonical strings; hypers as JS numbers (exact below 2^53).

export interface DomainRef { name: string; uuid: string; id: number }
export interface NetworkRef { name: string; uuid: string }
export interface PoolRef { name: string; uuid: string }
export interface VolRef { pool: string; name: string; key: string }
export interface SnapshotRef { name: string; dom: DomainRef }
/** remote_nonnull_domain_checkpoint */
export interface CheckpointRef { name: string; dom: DomainRef }
/** remote_nonnull_interface: a host interface is known by name; mac is '' when it has none. */
export interface InterfaceRef { name: string; mac: string }
/** remote_nonnull_node_device: a node device is known by name */
export interface NodeDeviceRef { name: string }
/** remote_nonnull_nwfilter */
export interface NWFilterRef { name: string; uuid: string }
/** remote_nonnull_nwfilter_binding: the port device and the filter bound to it */
export interface NWFilterBindingRef { portdev: string; filtername: string }
/** GET_BLOCK_JOB_INFO's reply: type is VIR_DOMAIN_BLOCK_JOB_TYPE_*; cur/end the progress */
export interface BlockJobInfo { found: number; type: number; bandwidth: number; cur: number; end: number }
/** remote_nonnull_secret: a secret by UUID, with its usage type (VIR_SECRET_USAGE_TYPE_*) and usage id */
export interface SecretRef { uuid: string; usageType: number; usageID: string }
/** remote_nonnull_network_port: a port of a network, by the port's UUID */
export interface NetworkPortRef { net: NetworkRef; uuid: string }

/** VIR_TYPED_PARAM_* */
export enum TypedParamType { INT = 1, UINT = 2, LLONG = 3, ULLONG = 4, DOUBLE = 5, BOOLEAN = 6, STRING = 7 }
/** `value` of an LLONG/ULLONG is a bigint only past 2^53 (exact, as the wire carries it), else a number. */
export interface TypedParam { field: string; type: TypedParamType; value: number | bigint | boolean | string }

export interface NodeInfo {
  model: string; memory: number; cpus: number; mhz: number;
  nodes: number; sockets: number; cores: number; threads: number;
}
export interface DomainInfo { state: number; maxMem: number; memory: number; nrVirtCpu: number; cpuTime: number }
export interface DomainState { state: number; reason: number }
export interface VcpuInfo { number: number; state: number; cpu_time: number; cpu: number }
export interface DomainVcpus { info: VcpuInfo[]; cpumaps: Buffer }
export interface BlockStats { rd_req: number; rd_bytes: number; wr_req: number; wr_bytes: number; errs: number }
export interface InterfaceStats {
  rx_bytes: number; rx_packets: number; rx_errs: number; rx_drop: number;
  tx_bytes: number; tx_packets: number; tx_errs: number; tx_drop: number;
}
export interface MemoryStat { tag: number; val: number }
export interface BlockInfo { allocation: number; capacity: number; physical: number }
export interface SecurityLabel { label: string; enforcing: number }
export interface SecurityModel { model: string; doi: string }
export interface DomainStatsRecord { dom: DomainRef; params: TypedParam[] }
export interface ParamsReply { params: TypedParam[]; nparams: number }
export interface SchedulerType { type: string; nparams: number }
/** virDomainControlInfo; stateTime in milliseconds */
export interface ControlInfo { state: number; details: number; stateTime: number }
/** virDomainDiskError, as GET_DISK_ERRORS returns it (nerrors = the count when maxerrors is 0) */
export interface DiskErrors { errors: { disk: string; error: number }[]; nerrors: number }
export interface DomainTime { seconds: number; nseconds: number }
/** virDomainJobInfo: type is VIR_DOMAIN_JOB_* (0 none); times in ms, sizes in bytes */
export interface JobInfo {
  type: number; timeElapsed: number; timeRemaining: number; dataTotal: number; dataProcessed: number; dataRemaining: number;
  memTotal: number; memProcessed: number; memRemaining: number; fileTotal: number; fileProcessed: number; fileRemaining: number;
}
/** virDomainFSInfo; GET_FSINFO also returns their count as `ret` */
export interface FsInfo { mountpoint: string; name: string; fstype: string; devAliases: string[] }
export interface FsInfoList { info: FsInfo[]; ret: number }
export interface PoolInfo { state: number; capacity: number; allocation: number; available: number }
export interface VolInfo { type: number; capacity: number; allocation: number }
export interface CpuMap { cpumap: Buffer; online: number; ret: number }
export interface NetworkDhcpLease {
  iface: string; expirytime: number; type: number; mac: string | null; iaid: string | null;
  ipaddr: string; prefix: number; hostname: string | null; clientid: string | null;
}
export interface DomainInterface { name: string; hwaddr: string | null; addrs: { type: number; addr: string; prefix: number }[] }

/** A chunk of stream data, or a hole of `hole` bytes (sparse streams). */
export type StreamChunk = Buffer | { hole: number };

/**
 * A stream opened by a driver (volume upload/download, console). The daemon pumps it to and
 * from the wire; the library hands it to the user.
 */
export interface DriverStream {
  /** Data from the driver to the client (download, console output); its end is end-of-data. */
  readonly incoming?: AsyncIterable<StreamChunk>;
  /** Data from the client to the driver (upload, console input). Resolves when absorbed. */
  send?(chunk: StreamChunk): Promise<void>;
  /** The client has sent everything: commit (upload) or close (console). */
  finish(): Promise<void>;
  /** Abandon the transfer; releases everything. */
  abort(reason?: unknown): void;
  /** The opening call's own answer, for stream procedures that have one (screenshot's MIME type). */
  readonly result?: unknown;
}

/** Payload of a domain event as delivered to callbacks; fields follow the protocol's msg structs. */
export interface DomainEventPayload {
  dom: DomainRef;
  /** lifecycle */ event?: number;
  /** lifecycle */ detail?: number;
  [field: string]: unknown;
}
export type DomainEventCallback = (eventID: number, payload: DomainEventPayload) => void;

export interface NetworkEventPayload { net: NetworkRef; event: number; detail: number }
export type NetworkEventCallback = (eventID: number, payload: NetworkEventPayload) => void;
/** a node device event: lifecycle (event, detail) or update (no event fields) */
export interface NodeDeviceEventPayload { dev: NodeDeviceRef; event?: number; detail?: number }
export type NodeDeviceEventCallback = (eventID: number, payload: NodeDeviceEventPayload) => void;
/** SECRET_EVENT_LIFECYCLE carries event/detail; SECRET_EVENT_VALUE_CHANGED only the secret */
export interface SecretEventPayload { secret: SecretRef; event?: number; detail?: number }
export type SecretEventCallback = (eventID: number, payload: SecretEventPayload) => void;
export interface PoolEventPayload { pool: PoolRef; event?: number; detail?: number }
export type PoolEventCallback = (eventID: number, payload: PoolEventPayload) => void;

/** One open connection to a driver: what libvirt calls virConnect + its driver tables. */
export interface DriverConnection {
  // ---- connection management (local, no procedure behind them) ----
  /** Re-open a dropped connection and re-register every event callback (remote driver). */
  reconnect?(): Promise<void>;
  /** Be told when the connection ends without connectClose; returns an unsubscribe function. */
  onConnectionClosed?(cb: (reason: number, err: Error | null) => void): () => void;

  // ---- connection / host ----
  connectClose?(): Promise<void>;
  connectGetType?(): Promise<string>;
  connectGetVersion?(): Promise<number>;
  connectGetLibVersion?(): Promise<number>;
  connectGetHostname?(): Promise<string>;
  connectGetUri?(): Promise<string>;
  connectGetMaxVcpus?(type: string | null): Promise<number>;
  connectGetCapabilities?(): Promise<string>;
  connectGetDomainCapabilities?(emulatorbin: string | null, arch: string | null, machine: string | null, virttype: string | null, flags: number): Promise<string>;
  connectGetSysinfo?(flags: number): Promise<string>;
  /** The hypervisor's native form of a domain definition (qemu: format 'qemu-argv'). */
  connectDomainXmlToNative?(nativeFormat: string, domainXml: string, flags: number): Promise<string>;
  connectIsSecure?(): Promise<number>;
  connectIsEncrypted?(): Promise<number>;
  connectIsAlive?(): Promise<number>;
  connectSupportsFeature?(feature: number): Promise<number>;
  nodeGetInfo?(): Promise<NodeInfo>;
  nodeGetFreeMemory?(): Promise<number>;
  nodeGetCellsFreeMemory?(startCell: number, maxcells: number): Promise<number[]>;
  nodeGetSecurityModel?(): Promise<SecurityModel>;
  nodeGetMemoryStats?(nparams: number, cellNum: number, flags: number): Promise<{ params: { field: string; value: number }[]; nparams: number }>;
  nodeGetCpuMap?(needMap: number, needOnline: number, flags: number): Promise<CpuMap>;

  // ---- domains ----
  connectListAllDomains?(flags: number): Promise<DomainRef[]>;
  connectNumOfDomains?(): Promise<number>;
  connectListDomains?(maxids: number): Promise<number[]>;
  connectNumOfDefinedDomains?(): Promise<number>;
  connectListDefinedDomains?(maxnames: number): Promise<string[]>;
  domainLookupById?(id: number): Promise<DomainRef>;
  domainLookupByName?(name: string): Promise<DomainRef>;
  domainLookupByUuid?(uuid: string): Promise<DomainRef>;
  domainDefineXml?(xml: string): Promise<DomainRef>;
  domainDefineXmlFlags?(xml: string, flags: number): Promise<DomainRef>;
  domainUndefine?(dom: DomainRef): Promise<void>;
  domainUndefineFlags?(dom: DomainRef, flags: number): Promise<void>;
  domainCreateXml?(xml: string, flags: number): Promise<DomainRef>;
  /** CALL_WITH_FDS: the files come over the socket; drivers that take none ignore them. */
  domainCreateXmlWithFiles?(xml: string, flags: number): Promise<DomainRef>;
  domainCreateWithFiles?(dom: DomainRef, flags: number): Promise<DomainRef>;
  /** The fds go back to the client with the reply (REPLY_WITH_FDS); the daemon closes its copies. */
  domainOpenGraphicsFd?(dom: DomainRef, idx: number, flags: number): Promise<{ fds: number[] }>;
  domainCreate?(dom: DomainRef): Promise<void>;
  domainCreateWithFlags?(dom: DomainRef, flags: number): Promise<DomainRef>;
  domainDestroy?(dom: DomainRef): Promise<void>;
  domainDestroyFlags?(dom: DomainRef, flags: number): Promise<void>;
  domainShutdown?(dom: DomainRef): Promise<void>;
  domainShutdownFlags?(dom: DomainRef, flags: number): Promise<void>;
  domainReboot?(dom: DomainRef, flags: number): Promise<void>;
  domainReset?(dom: DomainRef, flags: number): Promise<void>;
  domainSuspend?(dom: DomainRef): Promise<void>;
  domainResume?(dom: DomainRef): Promise<void>;
  domainSave?(dom: DomainRef, to: string): Promise<void>;
  domainSaveFlags?(dom: DomainRef, to: string, dxml: string | null, flags: number): Promise<void>;
  domainRestore?(from: string): Promise<void>;
  domainRestoreFlags?(from: string, dxml: string | null, flags: number): Promise<void>;
  domainSaveImageGetXmlDesc?(file: string, flags: number): Promise<string>;
  domainManagedSave?(dom: DomainRef, flags: number): Promise<void>;
  domainHasManagedSaveImage?(dom: DomainRef, flags: number): Promise<number>;
  domainManagedSaveRemove?(dom: DomainRef, flags: number): Promise<void>;
  domainGetInfo?(dom: DomainRef): Promise<DomainInfo>;
  domainGetState?(dom: DomainRef, flags: number): Promise<DomainState>;
  domainGetXmlDesc?(dom: DomainRef, flags: number): Promise<string>;
  domainGetOsType?(dom: DomainRef): Promise<string>;
  domainGetAutostart?(dom: DomainRef): Promise<number>;
  domainSetAutostart?(dom: DomainRef, autostart: number): Promise<void>;
  domainIsActive?(dom: DomainRef): Promise<number>;
  domainIsPersistent?(dom: DomainRef): Promise<number>;
  domainIsUpdated?(dom: DomainRef): Promise<number>;
  domainGetSecurityLabel?(dom: DomainRef): Promise<SecurityLabel>;
  domainGetMessages?(dom: DomainRef, flags: number): Promise<string[]>;
  domainGetMaxMemory?(dom: DomainRef): Promise<number>;
  domainSetMaxMemory?(dom: DomainRef, memory: number): Promise<void>;
  domainSetMemory?(dom: DomainRef, memory: number): Promise<void>;
  domainSetMemoryFlags?(dom: DomainRef, memory: number, flags: number): Promise<void>;
  domainGetMaxVcpus?(dom: DomainRef): Promise<number>;
  domainSetVcpus?(dom: DomainRef, nvcpus: number): Promise<void>;
  domainSetVcpusFlags?(dom: DomainRef, nvcpus: number, flags: number): Promise<void>;
  domainGetVcpusFlags?(dom: DomainRef, flags: number): Promise<number>;
  domainGetVcpus?(dom: DomainRef, maxinfo: number, maplen: number): Promise<DomainVcpus>;
  domainBlockStats?(dom: DomainRef, path: string): Promise<BlockStats>;
  domainBlockStatsFlags?(dom: DomainRef, path: string, nparams: number, flags: number): Promise<ParamsReply>;
  domainInterfaceStats?(dom: DomainRef, device: string): Promise<InterfaceStats>;
  domainMemoryStats?(dom: DomainRef, maxStats: number, flags: number): Promise<MemoryStat[]>;
  domainGetBlockInfo?(dom: DomainRef, path: string, flags: number): Promise<BlockInfo>;
  connectGetAllDomainStats?(doms: DomainRef[], stats: number, flags: number): Promise<DomainStatsRecord[]>;
  domainGetSchedulerType?(dom: DomainRef): Promise<SchedulerType>;
  domainGetSchedulerParameters?(dom: DomainRef, nparams: number): Promise<TypedParam[]>;
  domainGetSchedulerParametersFlags?(dom: DomainRef, nparams: number, flags: number): Promise<TypedParam[]>;
  domainGetMemoryParameters?(dom: DomainRef, nparams: number, flags: number): Promise<ParamsReply>;
  domainGetBlkioParameters?(dom: DomainRef, nparams: number, flags: number): Promise<ParamsReply>;
  domainSetMetadata?(dom: DomainRef, type: number, metadata: string | null, key: string | null, uri: string | null, flags: number): Promise<void>;
  domainGetMetadata?(dom: DomainRef, type: number, uri: string | null, flags: number): Promise<string>;
  domainGetHostname?(dom: DomainRef, flags: number): Promise<string>;
  domainGetControlInfo?(dom: DomainRef, flags: number): Promise<ControlInfo>;
  domainGetDiskErrors?(dom: DomainRef, maxerrors: number, flags: number): Promise<DiskErrors>;
  domainGetTime?(dom: DomainRef, flags: number): Promise<DomainTime>;
  domainSetTime?(dom: DomainRef, seconds: number, nseconds: number, flags: number): Promise<void>;
  domainInjectNmi?(dom: DomainRef, flags: number): Promise<void>;
  domainSendKey?(dom: DomainRef, codeset: number, holdtime: number, keycodes: number[], flags: number): Promise<void>;
  domainSetLifecycleAction?(dom: DomainRef, type: number, action: number, flags: number): Promise<void>;
  domainGetNumaParameters?(dom: DomainRef, nparams: number, flags: number): Promise<ParamsReply>;
  domainSetNumaParameters?(dom: DomainRef, params: TypedParam[], flags: number): Promise<void>;
  domainSetBlkioParameters?(dom: DomainRef, params: TypedParam[], flags: number): Promise<void>;
  domainGetInterfaceParameters?(dom: DomainRef, device: string, nparams: number, flags: number): Promise<ParamsReply>;
  domainSetInterfaceParameters?(dom: DomainRef, device: string, params: TypedParam[], flags: number): Promise<void>;
  domainGetBlockIoTune?(dom: DomainRef, disk: string | null, nparams: number, flags: number): Promise<ParamsReply>;
  domainSetBlockIoTune?(dom: DomainRef, disk: string, params: TypedParam[], flags: number): Promise<void>;
  domainPinVcpu?(dom: DomainRef, vcpu: number, cpumap: Buffer): Promise<void>;
  domainPinVcpuFlags?(dom: DomainRef, vcpu: number, cpumap: Buffer, flags: number): Promise<void>;
  /** cpumaps: ncpumaps maps of maplen bytes each; num: how many were filled */
  domainGetVcpuPinInfo?(dom: DomainRef, ncpumaps: number, maplen: number, flags: number): Promise<{ cpumaps: Buffer; num: number }>;
  domainPinEmulator?(dom: DomainRef, cpumap: Buffer, flags: number): Promise<void>;
  /** cpumaps: one map of maplen bytes; ret: 1 when filled */
  domainGetEmulatorPinInfo?(dom: DomainRef, maplen: number, flags: number): Promise<{ cpumaps: Buffer; ret: number }>;
  domainGetIothreadInfo?(dom: DomainRef, flags: number): Promise<{ info: { iothread_id: number; cpumap: Buffer }[]; ret: number }>;
  /** nparams 0: the count of stats (per CPU, or total for start_cpu -1; ncpus 0 too: the host CPUs) */
  domainGetCpuStats?(dom: DomainRef, nparams: number, startCpu: number, ncpus: number, flags: number): Promise<ParamsReply>;
  /** cpumap: virsh's vcpu list text ("1-3,^2"); state 1 enables, 0 disables */
  domainSetVcpu?(dom: DomainRef, cpumap: string, state: number, flags: number): Promise<void>;
  domainGetPerfEvents?(dom: DomainRef, flags: number): Promise<TypedParam[]>;
  domainSetPerfEvents?(dom: DomainRef, params: TypedParam[], flags: number): Promise<void>;
  // tsvirsh domain_misc: IOThreads, guest users and processes, core dumps, save images
  domainAddIothread?(dom: DomainRef, iothreadId: number, flags: number): Promise<void>;
  domainDelIothread?(dom: DomainRef, iothreadId: number, flags: number): Promise<void>;
  domainPinIothread?(dom: DomainRef, iothreadsId: number, cpumap: Buffer, flags: number): Promise<void>;
  domainSetIothreadParams?(dom: DomainRef, iothreadId: number, params: TypedParam[], flags: number): Promise<void>;
  /** user and password are nullable on the wire; libvirt's API requires both */
  domainSetUserPassword?(dom: DomainRef, user: string | null, password: string | null, flags: number): Promise<void>;
  domainSendProcessSignal?(dom: DomainRef, pidValue: number, signum: number, flags: number): Promise<void>;
  domainCoreDump?(dom: DomainRef, to: string, flags: number): Promise<void>;
  domainCoreDumpWithFormat?(dom: DomainRef, to: string, dumpformat: number, flags: number): Promise<void>;
  domainSaveImageDefineXml?(file: string, dxml: string, flags: number): Promise<void>;
  domainSetMemoryStatsPeriod?(dom: DomainRef, period: number, flags: number): Promise<void>;
  domainGetLaunchSecurityInfo?(dom: DomainRef, flags: number): Promise<TypedParam[]>;
  /** virDomainScreenshot: the image as a stream; its `result` is the MIME type */
  domainScreenshot?(dom: DomainRef, screen: number, flags: number): Promise<DriverStream>;
  // tsvirsh domain_block: block devices, device aliases, jobs, guest power management
  /** size in KiB, or bytes with VIR_DOMAIN_BLOCK_RESIZE_BYTES (1) */
  domainBlockResize?(dom: DomainRef, disk: string, size: number | bigint, flags: number): Promise<void>;
  domainDetachDeviceAlias?(dom: DomainRef, alias: string, flags: number): Promise<void>;
  /** dev: a disk target ("vda") or a backing-chain element ("vda[1]"); threshold in bytes */
  domainSetBlockThreshold?(dom: DomainRef, dev: string, threshold: number | bigint, flags: number): Promise<void>;
  domainGetJobInfo?(dom: DomainRef): Promise<JobInfo>;
  domainGetJobStats?(dom: DomainRef, flags: number): Promise<{ type: number; params: TypedParam[] }>;
  domainAbortJob?(dom: DomainRef): Promise<void>;
  domainAbortJobFlags?(dom: DomainRef, flags: number): Promise<void>;
  /** target: VIR_NODE_SUSPEND_TARGET_MEM/DISK/HYBRID; duration in seconds (0: until woken) */
  domainPmSuspendForDuration?(dom: DomainRef, target: number, duration: number | bigint, flags: number): Promise<void>;
  domainPmWakeup?(dom: DomainRef, flags: number): Promise<void>;
  // tsvirsh domain_rest: managed-save XML, migration tuning
  domainManagedSaveGetXmlDesc?(dom: DomainRef, flags: number): Promise<string>;
  /** dxml null keeps the image's XML (only the running/paused flags change) */
  domainManagedSaveDefineXml?(dom: DomainRef, dxml: string | null, flags: number): Promise<void>;
  /** downtime in milliseconds */
  domainMigrateSetMaxDowntime?(dom: DomainRef, downtime: number | bigint, flags: number): Promise<void>;
  domainMigrateGetMaxDowntime?(dom: DomainRef, flags: number): Promise<number | bigint>;
  /** bandwidth in MiB/s; flag 1 (POSTCOPY): the post-copy phase's limit */
  domainMigrateSetMaxSpeed?(dom: DomainRef, bandwidth: number | bigint, flags: number): Promise<void>;
  domainMigrateGetMaxSpeed?(dom: DomainRef, flags: number): Promise<number | bigint>;
  /** cache size in bytes */
  domainMigrateGetCompressionCache?(dom: DomainRef, flags: number): Promise<number | bigint>;
  domainMigrateSetCompressionCache?(dom: DomainRef, cacheSize: number | bigint, flags: number): Promise<void>;
  domainMigrateStartPostCopy?(dom: DomainRef, flags: number): Promise<void>;
  // tsvirsh domain_rest: guest agent
  /** virDomainQemuAgentCommand (QEMU program, procedure 3): timeout in s, or -2 BLOCK, -1 DEFAULT, 0 NOWAIT */
  domainQemuAgentCommand?(dom: DomainRef, cmd: string, timeout: number, flags: number): Promise<string | null>;
  /** timeout in s, or -2 BLOCK, -1 DEFAULT, 0 NOWAIT; returns 0 */
  domainAgentSetResponseTimeout?(dom: DomainRef, timeout: number, flags: number): Promise<number>;
  /** types: VIR_DOMAIN_GUEST_INFO_* bits (0: all the driver knows) */
  domainGetGuestInfo?(dom: DomainRef, types: number, flags: number): Promise<TypedParam[]>;
  domainGetGuestVcpus?(dom: DomainRef, flags: number): Promise<TypedParam[]>;
  /** cpumap: a cpu list ("1-3,^2"); state 1 online, 0 offline */
  domainSetGuestVcpus?(dom: DomainRef, cpumap: string, state: number, flags: number): Promise<void>;
  domainAuthorizedSshKeysGet?(dom: DomainRef, user: string, flags: number): Promise<string[]>;
  /** flags: APPEND (1) or REMOVE (2); neither replaces the file's keys */
  domainAuthorizedSshKeysSet?(dom: DomainRef, user: string, keys: string[], flags: number): Promise<void>;
  // tsvirsh nwfilter: network filters and their bindings
  connectListAllNwfilters?(flags: number): Promise<NWFilterRef[]>;
  connectNumOfNwfilters?(): Promise<number>;
  connectListNwfilters?(maxnames: number): Promise<string[]>;
  nwfilterLookupByName?(name: string): Promise<NWFilterRef>;
  nwfilterLookupByUuid?(uuid: string): Promise<NWFilterRef>;
  nwfilterGetXmlDesc?(filter: NWFilterRef, flags: number): Promise<string>;
  nwfilterDefineXml?(xml: string): Promise<NWFilterRef>;
  /** flag 1: VALIDATE against the schema */
  nwfilterDefineXmlFlags?(xml: string, flags: number): Promise<NWFilterRef>;
  nwfilterUndefine?(filter: NWFilterRef): Promise<void>;
  connectListAllNwfilterBindings?(flags: number): Promise<NWFilterBindingRef[]>;
  nwfilterBindingLookupByPortDev?(name: string): Promise<NWFilterBindingRef>;
  nwfilterBindingGetXmlDesc?(binding: NWFilterBindingRef, flags: number): Promise<string>;
  nwfilterBindingCreateXml?(xml: string, flags: number): Promise<NWFilterBindingRef>;
  nwfilterBindingDelete?(binding: NWFilterBindingRef): Promise<void>;
  // tsvirsh domain_rest: backups, dirty rate, launch security state, native configs, QEMU attach
  /** flag 1 REUSE_EXTERNAL */
  domainBackupBegin?(dom: DomainRef, backupXml: string, checkpointXml: string | null, flags: number): Promise<void>;
  domainBackupGetXmlDesc?(dom: DomainRef, flags: number): Promise<string>;
  /** flags: VIR_DOMAIN_DIRTYRATE_MODE_* (0 page sampling, 1 dirty bitmap, 2 dirty ring) */
  domainStartDirtyRateCalc?(dom: DomainRef, seconds: number, flags: number): Promise<void>;
  /** params: sev-secret-header, sev-secret (base64), sev-secret-set-address */
  domainSetLaunchSecurityState?(dom: DomainRef, params: TypedParam[], flags: number): Promise<void>;
  connectDomainXmlFromNative?(nativeFormat: string, nativeConfig: string, flags: number): Promise<string>;
  /** virDomainQemuAttach (QEMU program, procedure 2): adopt a QEMU process started outside libvirt */
  domainQemuAttach?(pidValue: number, flags: number): Promise<DomainRef>;
  // tsvirsh domain_rest: block jobs
  /** found 0: no job on that disk; bandwidth in MiB/s, or bytes/s with flag 1 (BANDWIDTH_BYTES) */
  domainGetBlockJobInfo?(dom: DomainRef, path: string, flags: number): Promise<BlockJobInfo>;
  domainBlockJobSetSpeed?(dom: DomainRef, path: string, bandwidth: number | bigint, flags: number): Promise<void>;
  /** flags: 1 ASYNC, 2 PIVOT */
  domainBlockJobAbort?(dom: DomainRef, path: string, flags: number): Promise<void>;
  domainGetFsinfo?(dom: DomainRef, flags: number): Promise<FsInfoList>;
  domainFsfreeze?(dom: DomainRef, mountpoints: string[], flags: number): Promise<number>;
  domainFsthaw?(dom: DomainRef, mountpoints: string[], flags: number): Promise<number>;
  domainFstrim?(dom: DomainRef, mountPoint: string | null, minimum: number, flags: number): Promise<void>;
  domainAttachDevice?(dom: DomainRef, xml: string): Promise<void>;
  domainAttachDeviceFlags?(dom: DomainRef, xml: string, flags: number): Promise<void>;
  domainDetachDevice?(dom: DomainRef, xml: string): Promise<void>;
  domainDetachDeviceFlags?(dom: DomainRef, xml: string, flags: number): Promise<void>;
  domainUpdateDeviceFlags?(dom: DomainRef, xml: string, flags: number): Promise<void>;
  domainRename?(dom: DomainRef, newName: string | null, flags: number): Promise<number>;
  domainInterfaceAddresses?(dom: DomainRef, source: number, flags: number): Promise<DomainInterface[]>;
  domainOpenConsole?(dom: DomainRef, devName: string | null, flags: number): Promise<DriverStream>;
  /**
   * virDomainQemuMonitorCommand: served by the QEMU program (0x20008087, procedure 1), not the
   * remote one. cmd is a QMP JSON object, or an HMP line with flags & 1 (VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP).
   */
  domainQemuMonitorCommand?(dom: DomainRef, cmd: string, flags: number): Promise<string>;

  // ---- snapshots ----
  domainSnapshotCreateXml?(dom: DomainRef, xmlDesc: string, flags: number): Promise<SnapshotRef>;
  domainSnapshotGetXmlDesc?(snap: SnapshotRef, flags: number): Promise<string>;
  domainSnapshotNum?(dom: DomainRef, flags: number): Promise<number>;
  domainSnapshotListNames?(dom: DomainRef, maxnames: number, flags: number): Promise<string[]>;
  domainListAllSnapshots?(dom: DomainRef, flags: number): Promise<SnapshotRef[]>;
  domainSnapshotListAllChildren?(snap: SnapshotRef, flags: number): Promise<SnapshotRef[]>;
  domainSnapshotNumChildren?(snap: SnapshotRef, flags: number): Promise<number>;
  domainSnapshotListChildrenNames?(snap: SnapshotRef, maxnames: number, flags: number): Promise<string[]>;
  domainSnapshotLookupByName?(dom: DomainRef, name: string, flags: number): Promise<SnapshotRef>;
  domainHasCurrentSnapshot?(dom: DomainRef, flags: number): Promise<number>;
  domainSnapshotCurrent?(dom: DomainRef, flags: number): Promise<SnapshotRef>;
  domainSnapshotGetParent?(snap: SnapshotRef, flags: number): Promise<SnapshotRef>;
  domainSnapshotIsCurrent?(snap: SnapshotRef, flags: number): Promise<number>;
  domainSnapshotHasMetadata?(snap: SnapshotRef, flags: number): Promise<number>;
  domainRevertToSnapshot?(snap: SnapshotRef, flags: number): Promise<void>;
  domainSnapshotDelete?(snap: SnapshotRef, flags: number): Promise<void>;
  // ---- checkpoints ----
  domainCheckpointCreateXml?(dom: DomainRef, xmlDesc: string, flags: number): Promise<CheckpointRef>;
  domainCheckpointGetXmlDesc?(checkpoint: CheckpointRef, flags: number): Promise<string>;
  domainListAllCheckpoints?(dom: DomainRef, flags: number): Promise<CheckpointRef[]>;
  domainCheckpointListAllChildren?(checkpoint: CheckpointRef, flags: number): Promise<CheckpointRef[]>;
  domainCheckpointLookupByName?(dom: DomainRef, name: string, flags: number): Promise<CheckpointRef>;
  domainCheckpointGetParent?(checkpoint: CheckpointRef, flags: number): Promise<CheckpointRef>;
  domainCheckpointDelete?(checkpoint: CheckpointRef, flags: number): Promise<void>;

  // ---- domain events (callback form) ----
  connectDomainEventCallbackRegisterAny?(eventID: number, dom: DomainRef | null, cb: DomainEventCallback): Promise<number>;
  connectDomainEventCallbackDeregisterAny?(callbackID: number): Promise<void>;

  // ---- networks ----
  connectListAllNetworks?(flags: number): Promise<NetworkRef[]>;
  connectNumOfNetworks?(): Promise<number>;
  connectListNetworks?(maxnames: number): Promise<string[]>;
  connectNumOfDefinedNetworks?(): Promise<number>;
  connectListDefinedNetworks?(maxnames: number): Promise<string[]>;
  networkLookupByName?(name: string): Promise<NetworkRef>;
  networkLookupByUuid?(uuid: string): Promise<NetworkRef>;
  networkDefineXml?(xml: string): Promise<NetworkRef>;
  networkDefineXmlFlags?(xml: string, flags: number): Promise<NetworkRef>;
  networkCreateXml?(xml: string): Promise<NetworkRef>;
  networkCreateXmlFlags?(xml: string, flags: number): Promise<NetworkRef>;
  networkCreate?(net: NetworkRef): Promise<void>;
  networkDestroy?(net: NetworkRef): Promise<void>;
  networkUndefine?(net: NetworkRef): Promise<void>;
  networkGetXmlDesc?(net: NetworkRef, flags: number): Promise<string>;
  networkGetAutostart?(net: NetworkRef): Promise<number>;
  networkSetAutostart?(net: NetworkRef, autostart: number): Promise<void>;
  networkGetBridgeName?(net: NetworkRef): Promise<string>;
  networkIsActive?(net: NetworkRef): Promise<number>;
  networkIsPersistent?(net: NetworkRef): Promise<number>;
  networkUpdate?(net: NetworkRef, command: number, section: number, parentIndex: number, xml: string, flags: number): Promise<void>;
  networkGetDhcpLeases?(net: NetworkRef, mac: string | null, flags: number): Promise<NetworkDhcpLease[]>;
  connectNetworkEventRegisterAny?(eventID: number, net: NetworkRef | null, cb: NetworkEventCallback): Promise<number>;
  connectNetworkEventDeregisterAny?(callbackID: number): Promise<void>;

  // ---- storage pools ----
  connectListAllStoragePools?(flags: number): Promise<PoolRef[]>;
  connectNumOfStoragePools?(): Promise<number>;
  connectListStoragePools?(maxnames: number): Promise<string[]>;
  connectNumOfDefinedStoragePools?(): Promise<number>;
  connectListDefinedStoragePools?(maxnames: number): Promise<string[]>;
  storagePoolLookupByName?(name: string): Promise<PoolRef>;
  storagePoolLookupByUuid?(uuid: string): Promise<PoolRef>;
  storagePoolLookupByVolume?(vol: VolRef): Promise<PoolRef>;
  storagePoolLookupByTargetPath?(path: string): Promise<PoolRef>;
  storagePoolDefineXml?(xml: string, flags: number): Promise<PoolRef>;
  storagePoolCreateXml?(xml: string, flags: number): Promise<PoolRef>;
  storagePoolBuild?(pool: PoolRef, flags: number): Promise<void>;
  storagePoolCreate?(pool: PoolRef, flags: number): Promise<void>;
  storagePoolDestroy?(pool: PoolRef): Promise<void>;
  storagePoolDelete?(pool: PoolRef, flags: number): Promise<void>;
  storagePoolUndefine?(pool: PoolRef): Promise<void>;
  storagePoolRefresh?(pool: PoolRef, flags: number): Promise<void>;
  storagePoolGetInfo?(pool: PoolRef): Promise<PoolInfo>;
  storagePoolGetXmlDesc?(pool: PoolRef, flags: number): Promise<string>;
  storagePoolGetAutostart?(pool: PoolRef): Promise<number>;
  storagePoolSetAutostart?(pool: PoolRef, autostart: number): Promise<void>;
  storagePoolIsActive?(pool: PoolRef): Promise<number>;
  storagePoolIsPersistent?(pool: PoolRef): Promise<number>;
  storagePoolNumOfVolumes?(pool: PoolRef): Promise<number>;
  storagePoolListVolumes?(pool: PoolRef, maxnames: number): Promise<string[]>;
  storagePoolListAllVolumes?(pool: PoolRef, flags: number): Promise<VolRef[]>;
  connectStoragePoolEventRegisterAny?(eventID: number, pool: PoolRef | null, cb: PoolEventCallback): Promise<number>;
  connectStoragePoolEventDeregisterAny?(callbackID: number): Promise<void>;

  // ---- storage volumes ----
  storageVolLookupByName?(pool: PoolRef, name: string): Promise<VolRef>;
  storageVolLookupByKey?(key: string): Promise<VolRef>;
  storageVolLookupByPath?(path: string): Promise<VolRef>;
  storageVolCreateXml?(pool: PoolRef, xml: string, flags: number): Promise<VolRef>;
  storageVolCreateXmlFrom?(pool: PoolRef, xml: string, clonevol: VolRef, flags: number): Promise<VolRef>;
  storageVolDelete?(vol: VolRef, flags: number): Promise<void>;
  storageVolWipe?(vol: VolRef, flags: number): Promise<void>;
  storageVolGetInfo?(vol: VolRef): Promise<VolInfo>;
  storageVolGetInfoFlags?(vol: VolRef, flags: number): Promise<VolInfo>;
  storageVolGetXmlDesc?(vol: VolRef, flags: number): Promise<string>;
  storageVolGetPath?(vol: VolRef): Promise<string>;
  storageVolResize?(vol: VolRef, capacity: number, flags: number): Promise<void>;
  storageVolUpload?(vol: VolRef, offset: number, length: number, flags: number): Promise<DriverStream>;
  storageVolDownload?(vol: VolRef, offset: number, length: number, flags: number): Promise<DriverStream>;

  // ---- host interfaces (libvirt's virInterfaceDriver) ----
  connectNumOfInterfaces?(): Promise<number>;
  connectListInterfaces?(maxnames: number): Promise<string[]>;
  connectNumOfDefinedInterfaces?(): Promise<number>;
  connectListDefinedInterfaces?(maxnames: number): Promise<string[]>;
  connectListAllInterfaces?(flags: number): Promise<InterfaceRef[]>;
  interfaceLookupByName?(name: string): Promise<InterfaceRef>;
  interfaceLookupByMacString?(mac: string): Promise<InterfaceRef>;
  interfaceGetXmlDesc?(iface: InterfaceRef, flags: number): Promise<string>;
  interfaceDefineXml?(xml: string, flags: number): Promise<InterfaceRef>;
  interfaceUndefine?(iface: InterfaceRef): Promise<void>;
  interfaceCreate?(iface: InterfaceRef, flags: number): Promise<void>;
  interfaceDestroy?(iface: InterfaceRef, flags: number): Promise<void>;
  interfaceIsActive?(iface: InterfaceRef): Promise<number>;
  interfaceChangeBegin?(flags: number): Promise<void>;
  interfaceChangeCommit?(flags: number): Promise<void>;
  interfaceChangeRollback?(flags: number): Promise<void>;

  // ---- node devices (libvirt's virNodeDeviceDriver; calls on one device take its name) ----
  nodeNumOfDevices?(cap: string | null, flags: number): Promise<number>;
  nodeListDevices?(cap: string | null, maxnames: number, flags: number): Promise<string[]>;
  connectListAllNodeDevices?(flags: number): Promise<NodeDeviceRef[]>;
  nodeDeviceLookupByName?(name: string): Promise<NodeDeviceRef>;
  nodeDeviceLookupScsiHostByWwn?(wwnn: string, wwpn: string, flags: number): Promise<NodeDeviceRef>;
  nodeDeviceGetXmlDesc?(name: string, flags: number): Promise<string>;
  /** null when the device has none (remote_string) */
  nodeDeviceGetParent?(name: string): Promise<string | null>;
  nodeDeviceNumOfCaps?(name: string): Promise<number>;
  nodeDeviceListCaps?(name: string, maxnames: number): Promise<string[]>;
  nodeDeviceDettach?(name: string): Promise<void>;
  nodeDeviceDetachFlags?(name: string, driverName: string | null, flags: number): Promise<void>;
  nodeDeviceReAttach?(name: string): Promise<void>;
  nodeDeviceReset?(name: string): Promise<void>;
  nodeDeviceCreateXml?(xml: string, flags: number): Promise<NodeDeviceRef>;
  nodeDeviceDestroy?(name: string): Promise<void>;
  nodeDeviceDefineXml?(xml: string, flags: number): Promise<NodeDeviceRef>;
  nodeDeviceUndefine?(name: string, flags: number): Promise<void>;
  nodeDeviceCreate?(name: string, flags: number): Promise<void>;
  nodeDeviceGetAutostart?(name: string): Promise<number>;
  nodeDeviceSetAutostart?(name: string, autostart: number): Promise<void>;
  nodeDeviceIsPersistent?(name: string): Promise<number>;
  nodeDeviceIsActive?(name: string): Promise<number>;
  connectNodeDeviceEventRegisterAny?(eventID: number, dev: NodeDeviceRef | null, cb: NodeDeviceEventCallback): Promise<number>;
  connectNodeDeviceEventDeregisterAny?(callbackID: number): Promise<void>;
  // ---- secrets (libvirt's virSecretDriver; calls on one secret take its reference) ----
  connectNumOfSecrets?(): Promise<number>;
  connectListSecrets?(maxuuids: number): Promise<string[]>;
  connectListAllSecrets?(flags: number): Promise<SecretRef[]>;
  secretLookupByUuid?(uuid: string): Promise<SecretRef>;
  secretLookupByUsage?(usageType: number, usageID: string): Promise<SecretRef>;
  secretDefineXml?(xml: string, flags: number): Promise<SecretRef>;
  secretGetXmlDesc?(secret: SecretRef, flags: number): Promise<string>;
  secretSetValue?(secret: SecretRef, value: Buffer, flags: number): Promise<void>;
  secretGetValue?(secret: SecretRef, flags: number): Promise<Buffer>;
  secretUndefine?(secret: SecretRef): Promise<void>;
  connectSecretEventRegisterAny?(eventID: number, secret: SecretRef | null, cb: SecretEventCallback): Promise<number>;
  connectSecretEventDeregisterAny?(callbackID: number): Promise<void>;
  // ---- storage pool sources and capabilities ----
  /** srcSpec: an optional <source> document narrowing the search (host, initiator) */
  connectFindStoragePoolSources?(type: string, srcSpec: string | null, flags: number): Promise<string>;
  connectGetStoragePoolCapabilities?(flags: number): Promise<string>;

  // ---- network ports ----
  networkListAllPorts?(net: NetworkRef, flags: number): Promise<NetworkPortRef[]>;
  networkPortLookupByUuid?(net: NetworkRef, uuid: string): Promise<NetworkPortRef>;
  networkPortCreateXml?(net: NetworkRef, xml: string, flags: number): Promise<NetworkPortRef>;
  networkPortGetXmlDesc?(port: NetworkPortRef, flags: number): Promise<string>;
  networkPortDelete?(port: NetworkPortRef, flags: number): Promise<void>;

  // ---- host CPU, pages and memory tuning ----
  /** the CPU model names known for arch; an empty list: every model is accepted */
  connectGetCpuModelNames?(arch: string, flags: number): Promise<string[]>;
  /** cpuNum -1: all CPUs; nparams 0 asks for the count only */
  nodeGetCpuStats?(cpuNum: number, nparams: number, flags: number): Promise<{ params: { field: string; value: number }[]; nparams: number }>;
  /** counts: cellCount groups of one count per page size (KiB), in the order asked */
  nodeGetFreePages?(pages: number[], startCell: number, cellCount: number, flags: number): Promise<number[]>;
  nodeAllocPages?(pageSizes: number[], pageCounts: number[], startCell: number, cellCount: number, flags: number): Promise<number>;
  /** virCPUCompareResult: -1 error, 0 incompatible, 1 identical, 2 superset */
  connectCompareCpu?(xml: string, flags: number): Promise<number>;
  connectBaselineCpu?(xmlCPUs: string[], flags: number): Promise<string>;
  connectCompareHypervisorCpu?(emulator: string | null, arch: string | null, machine: string | null, virttype: string | null, xmlCPU: string, flags: number): Promise<number>;
  connectBaselineHypervisorCpu?(emulator: string | null, arch: string | null, machine: string | null, virttype: string | null, xmlCPUs: string[], flags: number): Promise<string>;
  nodeGetMemoryParameters?(nparams: number, flags: number): Promise<ParamsReply>;
  nodeSetMemoryParameters?(params: TypedParam[], flags: number): Promise<void>;
  nodeSuspendForDuration?(target: number, duration: number, flags: number): Promise<void>;
  nodeGetSevInfo?(nparams: number, flags: number): Promise<ParamsReply>;
}

/** Methods served by procedures (the local connection-management ones excluded). */
export type DriverMethodName = Exclude<{
  [K in keyof DriverConnection]-?: NonNullable<DriverConnection[K]> extends (...a: never[]) => unknown ? K : never
}[keyof DriverConnection], 'reconnect' | 'onConnectionClosed'>;

/** Parsed connection URI (see src/drivers/uri.ts). */
export interface ConnectURI {
  /** as given by the user */
  original: string;
  scheme: string;          // "test", "qemu", "" for remote-chosen
  transport: string | null; // "unix", "tcp", "tls", "ssh", "ext", "libssh2", ...
  user: string | null;
  host: string | null;
  port: number | null;
  path: string;            // "/default", "/system", "/abs/path.xml"
  query: Map<string, string>;
  fragment: string | null;
}

export interface OpenOptions { readonly: boolean; flags: number }

/** What a driver module registers: one per hypervisor/network/storage implementation. */
export interface DriverModule {
  /** "test", "qemu", "network", "storage", "remote" */
  name: string;
  /** 'interface': a host interface driver (libvirt's netcf/udev one), composed in as network and storage are;
   *  'nodedev': a node device driver (libvirt's udev one), likewise; 'secret': a secret driver, likewise */
  kind: 'hypervisor' | 'network' | 'storage' | 'remote' | 'interface' | 'nodedev' | 'secret';
  /** Does this driver serve the URI itself (no daemon)? Hypervisor drivers only. */
  claims?(uri: ConnectURI, ctx: { inDaemon: boolean }): boolean;
  open(uri: ConnectURI, opts: OpenOptions): Promise<DriverConnection>;
  /** Running objects that keep an idle daemon alive (libvirt's virStateInhibitDaemonShutdown). */
  activeObjects?(): number;
  /** Daemon is stopping: release driver-wide resources (guests keep running). */
  shutdown?(): Promise<void> | void;
}
