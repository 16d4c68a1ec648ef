// Domain: a handle on one domain of a connection (libvirt's virDomainPtr). Methods are libvirt's
// API in camelCase; each takes libvirt's flags and optional CallOptions (signal/timeout).
import type { Connection } from './connection.js';
import type { CallOptions } from './call.js';
import type {
  BlockInfo, BlockStats, ControlInfo, DiskErrors, DomainInfo, DomainTime, FsInfoList, DomainInterface, DomainRef, DomainState as DomainStateReply,
  DomainVcpus, DriverStream, InterfaceStats, MemoryStat, ParamsReply, SchedulerType, SecurityLabel, SnapshotRef, TypedParam,
  CheckpointRef, JobInfo, BlockJobInfo,
} from '../drivers/driver.js';
import { DomainSnapshot } from './snapshot.js';
import { DomainCheckpoint } from './checkpoint.js';
import { Stream } from './stream.js';
import { resolve as resolvePath } from 'node:path';
import { ErrorDomain, ErrorNumber, VirError } from '../util/error.js';

export class Domain {
  /** @internal */ ref: DomainRef;
  constructor(readonly connection: Connection, ref: DomainRef) { this.ref = { ...ref }; }

  get name(): string { return this.ref.name; }
  get uuid(): string { return this.ref.uuid; }
  /** Running id, or -1 when inactive (as of the last call that returned it). */
  get id(): number { return this.ref.id; }

  private call<T>(method: string, args: unknown[], opts?: CallOptions): Promise<T> {
    return this.connection._call<T>(method, [this.ref, ...args], opts);
  }
  /** After a state change the id changes; libvirt's client re-looks the domain up by UUID. */
  private async refresh(opts?: CallOptions): Promise<void> {
    const r = await this.connection._call<DomainRef>('domainLookupByUuid', [this.ref.uuid], opts);
    this.ref = r;
  }

  // ---- lifecycle ----
  async create(flags = 0, opts?: CallOptions): Promise<void> {
    if (flags) this.ref = await this.call<DomainRef>('domainCreateWithFlags', [flags], opts);
    else { await this.call('domainCreate', [], opts); await this.refresh(opts); }
  }
  /**
   * virDomainCreateWithFiles: start with open fds handed to the guest (see
   * Connection.createDomainXMLWithFiles); the caller keeps and closes its fds.
   */
  async createWithFiles(files: readonly number[], flags = 0, opts?: CallOptions): Promise<void> {
    this.ref = await this.call<DomainRef>('domainCreateWithFiles', [flags, files], opts);
  }
  /**
   * virDomainOpenGraphicsFD: a socket already connected to graphics device `idx` (VNC or SPICE)
   * of the running guest, as a file descriptor of this process (yours to close). Local unix
   * connections only: the fd travels as SCM_RIGHTS.
   */
  async openGraphicsFD(idx = 0, flags = 0, opts?: CallOptions): Promise<number> {
    const r = await this.call<{ fds: number[] }>('domainOpenGraphicsFd', [idx, flags], opts);
    return r.fds[0]!;
  }
  async destroy(flags = 0, opts?: CallOptions): Promise<void> {
    await (flags ? this.call('domainDestroyFlags', [flags], opts) : this.call('domainDestroy', [], opts));
    this.ref = { ...this.ref, id: -1 };
  }
  shutdown(flags = 0, opts?: CallOptions): Promise<void> {
    return flags ? this.call('domainShutdownFlags', [flags], opts) : this.call('domainShutdown', [], opts);
  }
  reboot(flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainReboot', [flags], opts); }
  reset(flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainReset', [flags], opts); }
  suspend(opts?: CallOptions): Promise<void> { return this.call('domainSuspend', [], opts); }
  resume(opts?: CallOptions): Promise<void> { return this.call('domainResume', [], opts); }
  undefine(flags = 0, opts?: CallOptions): Promise<void> {
    return flags ? this.call('domainUndefineFlags', [flags], opts) : this.call('domainUndefine', [], opts);
  }
  async save(to: string, dxml: string | null = null, flags = 0, opts?: CallOptions): Promise<void> {
    await (dxml || flags ? this.call('domainSaveFlags', [to, dxml, flags], opts) : this.call('domainSave', [to], opts));
    this.ref = { ...this.ref, id: -1 };
  }
  async managedSave(flags = 0, opts?: CallOptions): Promise<void> {
    await this.call('domainManagedSave', [flags], opts);
    this.ref = { ...this.ref, id: -1 };
  }
  async hasManagedSaveImage(flags = 0, opts?: CallOptions): Promise<boolean> { return (await this.call<number>('domainHasManagedSaveImage', [flags], opts)) !== 0; }
  managedSaveRemove(flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainManagedSaveRemove', [flags], opts); }
  async rename(newName: string, flags = 0, opts?: CallOptions): Promise<void> {
    await this.call('domainRename', [newName, flags], opts);
    this.ref = { ...this.ref, name: newName };
  }

  // ---- inspection ----
  info(opts?: CallOptions): Promise<DomainInfo> { return this.call('domainGetInfo', [], opts); }
  state(flags = 0, opts?: CallOptions): Promise<DomainStateReply> { return this.call('domainGetState', [flags], opts); }
  getXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('domainGetXmlDesc', [flags], opts); }
  getOSType(opts?: CallOptions): Promise<string> { return this.call('domainGetOsType', [], opts); }
  async getAutostart(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('domainGetAutostart', [], opts)) !== 0; }
  setAutostart(autostart: boolean, opts?: CallOptions): Promise<void> { return this.call('domainSetAutostart', [autostart ? 1 : 0], opts); }
  async isActive(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('domainIsActive', [], opts)) !== 0; }
  async isPersistent(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('domainIsPersistent', [], opts)) !== 0; }
  async isUpdated(opts?: CallOptions): Promise<boolean> { return (await this.call<number>('domainIsUpdated', [], opts)) !== 0; }
  getSecurityLabel(opts?: CallOptions): Promise<SecurityLabel> { return this.call('domainGetSecurityLabel', [], opts); }
  getMessages(flags = 0, opts?: CallOptions): Promise<string[]> { return this.call('domainGetMessages', [flags], opts); }
  getHostname(flags = 0, opts?: CallOptions): Promise<string> { return this.call('domainGetHostname', [flags], opts); }
  /**
   * virDomainQemuMonitorCommand (libvirt-qemu): a QMP command as JSON text, or an HMP line with
   * flags & 1; returns QEMU's answer as text. QEMU driver only; it taints the domain.
   */
  qemuMonitorCommand(cmd: string, flags = 0, opts?: CallOptions): Promise<string> {
    return this.call('domainQemuMonitorCommand', [cmd, flags], opts);
  }
  /** virDomainGetControlInfo: the state of the domain's control interface (monitor/agent). */
  getControlInfo(flags = 0, opts?: CallOptions): Promise<ControlInfo> { return this.call('domainGetControlInfo', [flags], opts); }
  /** virDomainGetDiskErrors: maxerrors 0 asks only for the count (in nerrors). */
  getDiskErrors(maxerrors: number, flags = 0, opts?: CallOptions): Promise<DiskErrors> {
    return this.call('domainGetDiskErrors', [maxerrors, flags], opts);
  }
  getTime(flags = 0, opts?: CallOptions): Promise<DomainTime> { return this.call('domainGetTime', [flags], opts); }
  setTime(seconds: number, nseconds: number, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetTime', [seconds, nseconds, flags], opts);
  }
  injectNMI(flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainInjectNmi', [flags], opts); }
  sendKey(codeset: number, holdtime: number, keycodes: number[], flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSendKey', [codeset, holdtime, keycodes, flags], opts);
  }
  /** virDomainSetLifecycleAction: type VIR_DOMAIN_LIFECYCLE_*, action VIR_DOMAIN_LIFECYCLE_ACTION_* */
  setLifecycleAction(type: number, action: number, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetLifecycleAction', [type, action, flags], opts);
  }
  getNumaParameters(nparams: number, flags = 0, opts?: CallOptions): Promise<ParamsReply> { return this.call('domainGetNumaParameters', [nparams, flags], opts); }
  pinVcpu(vcpu: number, cpumap: Buffer, opts?: CallOptions): Promise<void> { return this.call('domainPinVcpu', [vcpu, cpumap], opts); }
  pinVcpuFlags(vcpu: number, cpumap: Buffer, flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainPinVcpuFlags', [vcpu, cpumap, flags], opts); }
  getVcpuPinInfo(ncpumaps: number, maplen: number, flags = 0, opts?: CallOptions): Promise<{ cpumaps: Buffer; num: number }> {
    return this.call('domainGetVcpuPinInfo', [ncpumaps, maplen, flags], opts);
  }
  pinEmulator(cpumap: Buffer, flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainPinEmulator', [cpumap, flags], opts); }
  getEmulatorPinInfo(maplen: number, flags = 0, opts?: CallOptions): Promise<{ cpumaps: Buffer; ret: number }> {
    return this.call('domainGetEmulatorPinInfo', [maplen, flags], opts);
  }
  getIothreadInfo(flags = 0, opts?: CallOptions): Promise<{ info: { iothread_id: number; cpumap: Buffer }[]; ret: number }> {
    return this.call('domainGetIothreadInfo', [flags], opts);
  }
  /** virDomainGetCPUStats: nparams stats for each of ncpus CPUs from startCpu (-1: the totals) */
  getCpuStats(nparams: number, startCpu: number, ncpus: number, flags = 0, opts?: CallOptions): Promise<ParamsReply> {
    return this.call('domainGetCpuStats', [nparams, startCpu, ncpus, flags], opts);
  }
  /** virDomainSetVcpu: enable (state 1) or disable the vcpus of a list like "1-3,^2" */
  setVcpu(vcpumap: string, state: number, flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainSetVcpu', [vcpumap, state, flags], opts); }
  getPerfEvents(flags = 0, opts?: CallOptions): Promise<TypedParam[]> { return this.call('domainGetPerfEvents', [flags], opts); }
  setPerfEvents(params: TypedParam[], flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainSetPerfEvents', [params, flags], opts); }
  // ---- IOThreads, guest users and processes, core dumps (tsvirsh domain_misc) ----
  /** virDomainAddIOThread: a new IOThread with this id in the live or persistent definition */
  addIOThread(iothreadId: number, flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainAddIothread', [iothreadId, flags], opts); }
  /** virDomainDelIOThread */
  delIOThread(iothreadId: number, flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainDelIothread', [iothreadId, flags], opts); }
  /** virDomainPinIOThread: cpumap is a host CPU bit map (bit n of byte n/8 = CPU n) */
  pinIOThread(iothreadId: number, cpumap: Buffer, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainPinIothread', [iothreadId, cpumap, flags], opts);
  }
  /** virDomainSetIOThreadParams: poll_max_ns (ullong), poll_grow, poll_shrink (uint), thread_pool_min/max (int) */
  setIOThreadParams(iothreadId: number, params: TypedParam[], flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetIothreadParams', [iothreadId, params, flags], opts);
  }
  /** virDomainSetUserPassword: flags 1 = the password is already encrypted */
  setUserPassword(user: string, password: string, flags = 0, opts?: CallOptions): Promise<void> {
    // after the read-only check, which the call itself makes
    if (!this.connection.readonly && user == null) return Promise.reject(apiArgError('user in virDomainSetUserPassword must not be NULL'));
    if (!this.connection.readonly && password == null) return Promise.reject(apiArgError('password in virDomainSetUserPassword must not be NULL'));
    return this.call('domainSetUserPassword', [user, password, flags], opts);
  }
  /** virDomainSendProcessSignal: signum is virDomainProcessSignal (0..64, Linux numbering) */
  sendProcessSignal(pid: number, signum: number, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSendProcessSignal', [pid, signum, flags], opts);
  }
  /**
   * virDomainCoreDump (dumpformat undefined) or virDomainCoreDumpWithFormat. `to` is made
   * absolute here, as libvirt's client does, since the driver may run elsewhere. Flags:
   * 1 CRASH, 2 LIVE, 4 BYPASS_CACHE, 8 RESET, 16 MEMORY_ONLY.
   */
  coreDump(to: string, flags = 0, dumpformat?: number, opts?: CallOptions): Promise<void> {
    // after the read-only check, which the call itself makes
    const clash = this.connection.readonly ? null : dumpFlagClash(flags);
    if (clash) return Promise.reject(clash);
    return dumpformat === undefined
      ? this.call('domainCoreDump', [resolvePath(to), flags], opts)
      : this.call('domainCoreDumpWithFormat', [resolvePath(to), dumpformat, flags], opts);
  }
  /** virDomainSetMemoryStatsPeriod: seconds between balloon statistics updates (0 disables) */
  setMemoryStatsPeriod(period: number, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetMemoryStatsPeriod', [period, flags], opts);
  }
  /** virDomainGetLaunchSecurityInfo: SEV/SEV-SNP/TDX measurement and policy, when the guest has any */
  /**
   * virDomainScreenshot: the image of one screen (0 the first) as a stream to read to its end,
   * and its MIME type (image/png, image/x-portable-pixmap, ...).
   */
  async screenshot(screen = 0, flags = 0, opts?: CallOptions): Promise<{ stream: Stream; mime: string | null }> {
    const s = await this.call<DriverStream>('domainScreenshot', [screen, flags], opts);
    return { stream: new Stream(s), mime: (s.result as string | null | undefined) ?? null };
  }
  getLaunchSecurityInfo(flags = 0, opts?: CallOptions): Promise<TypedParam[]> {
    // string values are fine here: libvirt's client always says so (VIR_TYPED_PARAM_STRING_OKAY)
    return this.call('domainGetLaunchSecurityInfo', [flags | 4], opts);
  }
  /** virDomainBlockResize: `disk` by target or source path; size in KiB, or bytes with flag 1 (BYTES) */
  blockResize(disk: string, size: number | bigint, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainBlockResize', [disk, size, flags], opts);
  }
  /** virDomainDetachDeviceAlias: detach the device with this alias (live, config or both) */
  detachDeviceAlias(alias: string, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainDetachDeviceAlias', [alias, flags], opts);
  }
  /** virDomainSetBlockThreshold: a BLOCK_THRESHOLD event once the guest writes past `threshold` bytes of `dev` */
  setBlockThreshold(dev: string, threshold: number | bigint, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetBlockThreshold', [dev, threshold, flags], opts);
  }
  /** virDomainGetJobInfo: the running job (type 0, VIR_DOMAIN_JOB_NONE, when there is none) */
  getJobInfo(opts?: CallOptions): Promise<JobInfo> { return this.call('domainGetJobInfo', [], opts); }
  /** virDomainGetJobStats: the running (or with flag 1, COMPLETED, the last) job's statistics */
  getJobStats(flags = 0, opts?: CallOptions): Promise<{ type: number; params: TypedParam[] }> {
    return this.call('domainGetJobStats', [flags], opts);
  }
  /** virDomainAbortJob, or virDomainAbortJobFlags when flags are given (1: POSTCOPY) */
  abortJob(flags?: number, opts?: CallOptions): Promise<void> {
    return flags === undefined ? this.call('domainAbortJob', [], opts) : this.call('domainAbortJobFlags', [flags], opts);
  }
  /** virDomainPMSuspendForDuration: target 0 mem, 1 disk, 2 hybrid (needs a guest agent) */
  pmSuspendForDuration(target: number, duration: number | bigint = 0, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainPmSuspendForDuration', [target, duration, flags], opts);
  }
  /** virDomainPMWakeup: wake a guest its power management suspended */
  pmWakeup(flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainPmWakeup', [flags], opts); }
  /** virDomainManagedSaveGetXMLDesc: the domain XML kept with the managed-save image (flag 1: SECURE) */
  managedSaveGetXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('domainManagedSaveGetXmlDesc', [flags], opts); }
  /** virDomainManagedSaveDefineXML: replace that XML (null keeps it); flags 2 RUNNING / 4 PAUSED set the state on restore */
  managedSaveDefineXML(dxml: string | null, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainManagedSaveDefineXml', [dxml, flags], opts);
  }
  /** virDomainMigrateSetMaxDowntime: tolerable downtime in milliseconds */
  migrateSetMaxDowntime(downtime: number | bigint, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainMigrateSetMaxDowntime', [downtime, flags], opts);
  }
  /** virDomainMigrateGetMaxDowntime: milliseconds */
  migrateGetMaxDowntime(flags = 0, opts?: CallOptions): Promise<number | bigint> { return this.call('domainMigrateGetMaxDowntime', [flags], opts); }
  /** virDomainMigrateSetMaxSpeed: MiB/s (flag 1, POSTCOPY: for the post-copy phase) */
  migrateSetMaxSpeed(bandwidth: number | bigint, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainMigrateSetMaxSpeed', [bandwidth, flags], opts);
  }
  /** virDomainMigrateGetMaxSpeed: MiB/s (flag 1, POSTCOPY: the post-copy phase's) */
  migrateGetMaxSpeed(flags = 0, opts?: CallOptions): Promise<number | bigint> { return this.call('domainMigrateGetMaxSpeed', [flags], opts); }
  /** virDomainMigrateGetCompressionCache: bytes */
  migrateGetCompressionCache(flags = 0, opts?: CallOptions): Promise<number | bigint> {
    return this.call('domainMigrateGetCompressionCache', [flags], opts);
  }
  /** virDomainMigrateSetCompressionCache: bytes */
  migrateSetCompressionCache(cacheSize: number | bigint, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainMigrateSetCompressionCache', [cacheSize, flags], opts);
  }
  /** virDomainMigrateStartPostCopy: switch a running migration to post-copy */
  migrateStartPostCopy(flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainMigrateStartPostCopy', [flags], opts); }
  /** virDomainQemuAgentCommand (libvirt-qemu): a guest-agent JSON command; timeout in s or -2 BLOCK, -1 DEFAULT, 0 NOWAIT */
  qemuAgentCommand(cmd: string, timeout = -1, flags = 0, opts?: CallOptions): Promise<string | null> {
    return this.call('domainQemuAgentCommand', [cmd, timeout, flags], opts);
  }
  /** virDomainAgentSetResponseTimeout: seconds, or -2 BLOCK, -1 DEFAULT, 0 NOWAIT */
  async agentSetResponseTimeout(timeout: number, flags = 0, opts?: CallOptions): Promise<void> {
    await this.call<number>('domainAgentSetResponseTimeout', [timeout, flags], opts);
  }
  /** virDomainGetGuestInfo: what the guest agent reports (types: VIR_DOMAIN_GUEST_INFO_* bits, 0 for all) */
  getGuestInfo(types = 0, flags = 0, opts?: CallOptions): Promise<TypedParam[]> { return this.call('domainGetGuestInfo', [types, flags], opts); }
  /** virDomainGetGuestVcpus: vcpus, online, offlinable as cpu lists */
  getGuestVcpus(flags = 0, opts?: CallOptions): Promise<TypedParam[]> { return this.call('domainGetGuestVcpus', [flags], opts); }
  /** virDomainSetGuestVcpus: bring the listed guest cpus online (state true) or offline */
  setGuestVcpus(cpumap: string, state: boolean, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetGuestVcpus', [cpumap, state ? 1 : 0, flags], opts);
  }
  /** virDomainAuthorizedSSHKeysGet: the user's authorized keys, one per entry */
  authorizedSSHKeysGet(user: string, flags = 0, opts?: CallOptions): Promise<string[]> {
    return this.call('domainAuthorizedSshKeysGet', [user, flags], opts);
  }
  /** virDomainAuthorizedSSHKeysSet: flag 1 APPEND, 2 REMOVE; neither replaces the keys */
  authorizedSSHKeysSet(user: string, keys: string[], flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainAuthorizedSshKeysSet', [user, keys, flags], opts);
  }
  /** virDomainBackupBegin: `<domainbackup/>` backs every disk up (push mode); flag 1 REUSE_EXTERNAL */
  backupBegin(backupXml: string, checkpointXml: string | null = null, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainBackupBegin', [backupXml, checkpointXml, flags], opts);
  }
  /** virDomainBackupGetXMLDesc: the running backup job's description */
  backupGetXMLDesc(flags = 0, opts?: CallOptions): Promise<string> { return this.call('domainBackupGetXmlDesc', [flags], opts); }
  /** virDomainStartDirtyRateCalc: measure the memory dirty rate over `seconds` (flags: the mode) */
  startDirtyRateCalc(seconds: number, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainStartDirtyRateCalc', [seconds, flags], opts);
  }
  /** virDomainSetLaunchSecurityState: inject a launch secret (SEV) */
  setLaunchSecurityState(params: TypedParam[], flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetLaunchSecurityState', [params, flags], opts);
  }
  /** virDomainGetBlockJobInfo: the job on disk `path` (found 0 when there is none); flag 1 reports bytes/s */
  getBlockJobInfo(path: string, flags = 0, opts?: CallOptions): Promise<BlockJobInfo> {
    return this.call('domainGetBlockJobInfo', [path, flags], opts);
  }
  /** virDomainBlockJobSetSpeed: MiB/s, or bytes/s with flag 1 (BANDWIDTH_BYTES) */
  blockJobSetSpeed(path: string, bandwidth: number | bigint, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainBlockJobSetSpeed', [path, bandwidth, flags], opts);
  }
  /** virDomainBlockJobAbort: flags 1 ASYNC, 2 PIVOT (finish a copy or active commit on the new image) */
  blockJobAbort(path: string, flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainBlockJobAbort', [path, flags], opts); }
  setNumaParameters(params: TypedParam[], flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainSetNumaParameters', [params, flags], opts); }
  /** virDomainGetFSInfo: the guest's mounted file systems */
  getFSInfo(flags = 0, opts?: CallOptions): Promise<FsInfoList> {
    return this.call('domainGetFsinfo', [flags], opts);
  }
  /** virDomainFSFreeze: all file systems when `mountpoints` is empty; the number frozen */
  fsFreeze(mountpoints: string[], flags = 0, opts?: CallOptions): Promise<number> {
    return this.call('domainFsfreeze', [mountpoints, flags], opts);
  }
  fsThaw(mountpoints: string[], flags = 0, opts?: CallOptions): Promise<number> {
    return this.call('domainFsthaw', [mountpoints, flags], opts);
  }
  /** virDomainFSTrim: `minimum` in bytes */
  fsTrim(mountPoint: string | null, minimum: number, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainFstrim', [mountPoint, minimum, flags], opts);
  }
  getMetadata(type: number, uri: string | null = null, flags = 0, opts?: CallOptions): Promise<string> {
    return this.call('domainGetMetadata', [type, uri, flags], opts);
  }
  setMetadata(type: number, metadata: string | null, key: string | null = null, uri: string | null = null, flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetMetadata', [type, metadata, key, uri, flags], opts);
  }

  // ---- resources ----
  getMaxMemory(opts?: CallOptions): Promise<number> { return this.call('domainGetMaxMemory', [], opts); }
  setMaxMemory(kib: number, opts?: CallOptions): Promise<void> { return this.call('domainSetMaxMemory', [kib], opts); }
  setMemory(kib: number, opts?: CallOptions): Promise<void> { return this.call('domainSetMemory', [kib], opts); }
  setMemoryFlags(kib: number, flags: number, opts?: CallOptions): Promise<void> { return this.call('domainSetMemoryFlags', [kib, flags], opts); }
  getMaxVcpus(opts?: CallOptions): Promise<number> { return this.call('domainGetMaxVcpus', [], opts); }
  setVcpus(n: number, opts?: CallOptions): Promise<void> { return this.call('domainSetVcpus', [n], opts); }
  setVcpusFlags(n: number, flags: number, opts?: CallOptions): Promise<void> { return this.call('domainSetVcpusFlags', [n, flags], opts); }
  getVcpusFlags(flags: number, opts?: CallOptions): Promise<number> { return this.call('domainGetVcpusFlags', [flags], opts); }
  getVcpus(maxinfo: number, maplen: number, opts?: CallOptions): Promise<DomainVcpus> { return this.call('domainGetVcpus', [maxinfo, maplen], opts); }

  // ---- stats ----
  blockStats(path: string, opts?: CallOptions): Promise<BlockStats> { return this.call('domainBlockStats', [path], opts); }
  blockStatsFlags(path: string, nparams: number, flags = 0, opts?: CallOptions): Promise<ParamsReply> { return this.call('domainBlockStatsFlags', [path, nparams, flags], opts); }
  interfaceStats(device: string, opts?: CallOptions): Promise<InterfaceStats> { return this.call('domainInterfaceStats', [device], opts); }
  memoryStats(maxStats = 13, flags = 0, opts?: CallOptions): Promise<MemoryStat[]> { return this.call('domainMemoryStats', [maxStats, flags], opts); }
  getBlockInfo(path: string, flags = 0, opts?: CallOptions): Promise<BlockInfo> { return this.call('domainGetBlockInfo', [path, flags], opts); }
  getSchedulerType(opts?: CallOptions): Promise<SchedulerType> { return this.call('domainGetSchedulerType', [], opts); }
  getSchedulerParameters(nparams: number, flags = 0, opts?: CallOptions): Promise<TypedParam[]> {
    return this.call('domainGetSchedulerParametersFlags', [nparams, flags], opts);
  }
  getMemoryParameters(nparams: number, flags = 0, opts?: CallOptions): Promise<ParamsReply> { return this.call('domainGetMemoryParameters', [nparams, flags], opts); }
  getBlkioParameters(nparams: number, flags = 0, opts?: CallOptions): Promise<ParamsReply> { return this.call('domainGetBlkioParameters', [nparams, flags], opts); }
  /** virDomainSetBlkioParameters: weight (UINT) and device_* lists ("path,value,...", STRING) */
  setBlkioParameters(params: TypedParam[], flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetBlkioParameters', [params, flags], opts);
  }
  /** virDomainGetInterfaceParameters: the bandwidth of the interface `device` (target name or MAC); nparams 0 asks for the count */
  getInterfaceParameters(device: string, nparams: number, flags = 0, opts?: CallOptions): Promise<ParamsReply> {
    return this.call('domainGetInterfaceParameters', [device, nparams, flags], opts);
  }
  /** virDomainSetInterfaceParameters: inbound.* / outbound.* rates (UINT) */
  setInterfaceParameters(device: string, params: TypedParam[], flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetInterfaceParameters', [device, params, flags], opts);
  }
  /** virDomainGetBlockIoTune: the throttling of `disk` (target or source path); null with nparams 0 asks for the count */
  getBlockIoTune(disk: string | null, nparams: number, flags = 0, opts?: CallOptions): Promise<ParamsReply> {
    return this.call('domainGetBlockIoTune', [disk, nparams, flags], opts);
  }
  /** virDomainSetBlockIoTune: *_bytes_sec / *_iops_sec[_max[_length]], size_iops_sec (ULLONG), group_name (STRING) */
  setBlockIoTune(disk: string, params: TypedParam[], flags = 0, opts?: CallOptions): Promise<void> {
    return this.call('domainSetBlockIoTune', [disk, params, flags], opts);
  }
  interfaceAddresses(source = 0, flags = 0, opts?: CallOptions): Promise<DomainInterface[]> { return this.call('domainInterfaceAddresses', [source, flags], opts); }

  // ---- devices ----
  attachDevice(xml: string, flags = 0, opts?: CallOptions): Promise<void> {
    return flags ? this.call('domainAttachDeviceFlags', [xml, flags], opts) : this.call('domainAttachDevice', [xml], opts);
  }
  detachDevice(xml: string, flags = 0, opts?: CallOptions): Promise<void> {
    return flags ? this.call('domainDetachDeviceFlags', [xml, flags], opts) : this.call('domainDetachDevice', [xml], opts);
  }
  updateDevice(xml: string, flags = 0, opts?: CallOptions): Promise<void> { return this.call('domainUpdateDeviceFlags', [xml, flags], opts); }
  async openConsole(devName: string | null = null, flags = 0, opts?: CallOptions): Promise<Stream> {
    return new Stream(await this.call('domainOpenConsole', [devName, flags], opts));
  }

  // ---- snapshots ----
  private snap(r: SnapshotRef): DomainSnapshot { return new DomainSnapshot(this, r.name); }
  async snapshotCreateXML(xml: string, flags = 0, opts?: CallOptions): Promise<DomainSnapshot> {
    return this.snap(await this.call<SnapshotRef>('domainSnapshotCreateXml', [xml, flags], opts));
  }
  async listAllSnapshots(flags = 0, opts?: CallOptions): Promise<DomainSnapshot[]> {
    return (await this.call<SnapshotRef[]>('domainListAllSnapshots', [flags], opts)).map((r) => this.snap(r));
  }
  snapshotNum(flags = 0, opts?: CallOptions): Promise<number> { return this.call('domainSnapshotNum', [flags], opts); }
  snapshotListNames(flags = 0, opts?: CallOptions): Promise<string[]> { return this.call('domainSnapshotListNames', [16384, flags], opts); }
  async snapshotLookupByName(name: string, flags = 0, opts?: CallOptions): Promise<DomainSnapshot> {
    return this.snap(await this.call<SnapshotRef>('domainSnapshotLookupByName', [name, flags], opts));
  }
  async hasCurrentSnapshot(flags = 0, opts?: CallOptions): Promise<boolean> { return (await this.call<number>('domainHasCurrentSnapshot', [flags], opts)) !== 0; }
  async snapshotCurrent(flags = 0, opts?: CallOptions): Promise<DomainSnapshot> {
    return this.snap(await this.call<SnapshotRef>('domainSnapshotCurrent', [flags], opts));
  }

  // ---- checkpoints ----
  /** virDomainCheckpointCreateXML: flags from DomainCheckpointCreateFlags */
  async checkpointCreateXML(xml: string, flags = 0, opts?: CallOptions): Promise<DomainCheckpoint> {
    const r = await this.call<CheckpointRef>('domainCheckpointCreateXml', [xml, flags], opts);
    return new DomainCheckpoint(this, r.name);
  }
  /** virDomainListAllCheckpoints: flags from DomainCheckpointListFlags */
  async listAllCheckpoints(flags = 0, opts?: CallOptions): Promise<DomainCheckpoint[]> {
    return (await this.call<CheckpointRef[]>('domainListAllCheckpoints', [flags], opts)).map((r) => new DomainCheckpoint(this, r.name));
  }
  /** virDomainCheckpointLookupByName */
  async checkpointLookupByName(name: string, flags = 0, opts?: CallOptions): Promise<DomainCheckpoint> {
    const r = await this.call<CheckpointRef>('domainCheckpointLookupByName', [name, flags], opts);
    return new DomainCheckpoint(this, r.name);
  }
}

/** VIR_EXCLUSIVE_FLAGS_GOTO of virDomainCoreDump: crash, live and reset exclude each other */
function dumpFlagClash(flags: number): VirError | null {
  const names: [number, string][] = [[1, 'VIR_DUMP_CRASH'], [2, 'VIR_DUMP_LIVE'], [8, 'VIR_DUMP_RESET']];
  for (const [i, [a, an]] of names.entries()) {
    for (const [b, bn] of names.slice(i + 1)) {
      if ((flags & a) && (flags & b)) return new VirError({ code: ErrorNumber.INVALID_ARG, domain: ErrorDomain.DOMAIN, message: `Flags '${an}' and '${bn}' are mutually exclusive` });
    }
  }
  return null;
}

/** virDomain*'s "must not be NULL" argument errors */
function apiArgError(message: string): VirError {
  return new VirError({ code: ErrorNumber.INVALID_ARG, domain: ErrorDomain.DOMAIN, message });
}

