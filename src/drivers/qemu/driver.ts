// The QEMU driver's connection: the DriverConnection table for qemu:///system (served inside
// tsvirtd). Persistent XML under ROOT/etc/tsvirt/qemu, lifecycle through process.ts, one job
// per domain at a time. libvirt counterpart: qemu_driver.c.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
  DomainEventCallback, DomainInfo, DomainRef, DomainState as DomainStateT, DomainStatsRecord, DriverConnection,
  DriverStream, NodeInfo, BlockStats, InterfaceStats, MemoryStat, SecurityModel, JobInfo, TypedParam,
} from '../driver.js';
import type { EventRegistrations } from '../events.js';
import type { DomainEventPayload } from '../driver.js';
import { ErrorDomain, ErrorNumber, virError, checkFlags, rawError } from '../../util/error.js';
import { writeFileAtomicSync } from '../../util/atomic_file.js';
import {
  DomainCreateFlags, DomainDestroyFlags, DomainEventDefinedDetail, DomainEventResumedDetail, DomainEventSuspendedDetail,
  DomainEventType, DomainEventUndefinedDetail, DomainPausedReason, DomainRunningReason, DomainSaveRestoreFlags,
  DomainShutoffReason, DomainState, DomainUndefineFlags, DomainXMLFlags, ListAllDomainsFlags, DomainShutdownFlags,
  DomainDeviceModifyFlags, DomainVcpuFlags, DomainEventID,
} from '../../api/constants.js';
import { formatDomainXml, parseDomainXml, type DomainDef } from '../../conf/domain.js';
import { formatDomainCapabilities, formatQemuCapabilities, qemuCapsCanonicalMachine } from './capabilities.js';
import { qemuDomainDefPostParse, qemuDomainPrepareLive } from './domain.js';
import { buildQemuArgvGroups, qemuValidateSysinfo } from './command.js';
import { fdPass } from '../../util/fdpass.js';
import { DomainObj } from './domain_obj.js';
import { monitorPathFor, qemuProcessKill, qemuProcessStart, qemuProcessStop, writeStatus } from './process.js';
import { qemuDomainSaveToFile, readSaveHeader } from './save.js';
import { domainBlockStats, domainInterfaceStats, domainMemoryStats, domainStatsRecord, cpuTimeNs, hostMhz } from './stats.js';
import { domainOpenConsole } from './console.js';
import { qemuDomainScreenshot } from './screenshot.js';
import { cpuModelNames, hostCpuStats, hostFreePages } from './host_extra.js';
import { qemuDomainDetachDeviceAlias, qemuDomainModifyDevice } from './hotplug.js';
import {
  qemuDomainAbortJob, qemuDomainBlockResize, qemuDomainGetJobInfo, qemuDomainGetJobStats, qemuDomainPMSuspendForDuration,
  qemuDomainPMWakeup, qemuDomainSetBlockThreshold,
} from './block.js';
import {
  qemuDomainGetMessages, qemuDomainGetVcpus, qemuDomainMonitorCommand, qemuDomainRenameCheck, qemuDomainSetMemory, qemuDomainSetVcpus,
} from './tune.js';
import type { QemuDriverState } from './state.js';

const ERR = ErrorDomain.QEMU;

const notRunning = () => virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'domain is not running');
const owner = (method: string) => `remoteDispatch${method[0]!.toUpperCase()}${method.slice(1)}`;

export function configFile(drv: QemuDriverState, name: string): string { return path.join(drv.paths.configDir, `${name}.xml`); }
export function autostartLink(drv: QemuDriverState, name: string): string { return path.join(drv.paths.autostartDir, `${name}.xml`); }
export function managedSavePath(drv: QemuDriverState, name: string): string { return path.join(drv.paths.saveDir, `${name}.save`); }

/** The environment a QEMU process is started with (see process.ts), as domxml-to-native shows it. */
const QEMU_NATIVE_ENV = ['LC_ALL=C', 'PATH=/usr/bin:/bin'];

/** Quote a word for a POSIX shell when it needs it (virCommandToString's rule). */
function shellQuote(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`;
}

/** Parse and complete a definition as the QEMU driver accepts it. */
export async function qemuParseDefinition(drv: QemuDriverState, xml: string): Promise<DomainDef> {
  const def = parseDomainXml(xml);
  const caps = await drv.capsFor(def.os.arch, def.devices.emulator);
  qemuDomainDefPostParse(def, caps);
  // as libvirt's qemuValidateDomainDef: refused at define, not only when started
  qemuValidateSysinfo(def);
  return def;
}

export function saveConfig(drv: QemuDriverState, def: DomainDef): void {
  try {
    writeFileAtomicSync(configFile(drv, def.name), formatDomainXml(def, { inactive: true, secure: true }), { mode: 0o600 });
  } catch (e) {
    throw virError(ERR, ErrorNumber.WRITE_FAILED, `cannot save config file '${configFile(drv, def.name)}': ${(e as Error).message}`);
  }
}

export class QemuConnection implements DriverConnection {
  private closed = false;
  constructor(private readonly drv: QemuDriverState, private readonly events: EventRegistrations<DomainEventPayload>,
    private readonly onClose: () => void) {}

  // ---- lookups ----
  private byRef(dom: DomainRef): DomainObj {
    const obj = this.drv.domains.get(dom.uuid);
    if (!obj) throw virError(ERR, ErrorNumber.NO_DOMAIN, `no domain with matching uuid '${dom.uuid}' (${dom.name})`);
    return obj;
  }
  private activeByRef(dom: DomainRef): DomainObj {
    const obj = this.byRef(dom);
    if (!obj.active) throw notRunning();
    return obj;
  }
  private job<T>(dom: DomainRef, method: string, fn: (obj: DomainObj) => Promise<T>): Promise<T> {
    const obj = this.byRef(dom);
    return obj.withJob(owner(method), this.drv.config.jobWaitMs, () => fn(obj));
  }

  async connectClose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.events.close();
    this.onClose();
  }
  async connectGetType(): Promise<string> { return 'QEMU'; }
  async connectGetVersion(): Promise<number> { return (await this.drv.capsFor('x86_64')).versionNumber; }
  async connectGetLibVersion(): Promise<number> { return 9000000; }
  async connectGetHostname(): Promise<string> { return os.hostname(); }
  async connectGetUri(): Promise<string> { return this.drv.config.uri; }
  async connectIsSecure(): Promise<number> { return 1; }
  async connectIsEncrypted(): Promise<number> { return 0; }
  async connectIsAlive(): Promise<number> { return this.closed ? 0 : 1; }
  async connectGetMaxVcpus(type: string | null): Promise<number> {
    if (type !== null && !['qemu', 'kvm'].includes(type.toLowerCase())) {
      throw virError(ERR, ErrorNumber.INVALID_ARG, `unknown type '${type}'`);
    }
    return 255;
  }
  async connectGetCapabilities(): Promise<string> {
    const all = await this.drv.allCaps();
    return formatQemuCapabilities(all, { kvm: all.some((c) => this.drv.kvmUsable(c)) });
  }
  async connectGetDomainCapabilities(emulatorbin: string | null, arch: string | null, machine: string | null, virttype: string | null, flags: number): Promise<string> {
    checkFlags(ERR, flags, 0, 'qemuConnectGetDomainCapabilities');
    const caps = await this.drv.capsFor(arch ?? undefined, emulatorbin ?? undefined);
    const m = qemuCapsCanonicalMachine(caps, machine ?? undefined);
    if (!m) throw virError(ERR, ErrorNumber.INVALID_ARG, `the machine '${machine}' is not supported by emulator '${caps.binary}'`);
    const vt = virttype ?? 'kvm';
    if (vt === 'kvm' && !this.drv.kvmUsable(caps)) {
      throw virError(ERR, ErrorNumber.INVALID_ARG, `KVM is not supported by '${caps.binary}' on this host`);
    }
    return formatDomainCapabilities(caps, m, vt);
  }
  /** qemuConnectDomainXMLToNative: the command line a start would run, one option per line. */
  async connectDomainXmlToNative(nativeFormat: string, domainXml: string, flags: number): Promise<string> {
    checkFlags(ERR, flags, 0, 'qemuConnectDomainXMLToNative');
    if (nativeFormat !== 'qemu-argv') throw virError(ERR, ErrorNumber.INVALID_ARG, `unsupported config type ${nativeFormat}`);
    const def = await qemuParseDefinition(this.drv, domainXml);
    const caps = await this.drv.capsFor(def.os.arch, def.devices.emulator);
    qemuDomainPrepareLive(def);
    const groups = buildQemuArgvGroups(def, {
      caps, monitorPath: monitorPathFor(this.drv, def.name), accel: def.type === 'kvm' ? 'kvm' : 'tcg', vncListen: this.drv.config.vncListen,
      hostSysinfo: def.os.smbios === 'host' ? this.drv.hostSysinfo() : undefined,
    });
    return [...QEMU_NATIVE_ENV, ...groups.map((g) => g.map(shellQuote).join(' '))].join(' \\\n') + '\n';
  }
  async nodeGetInfo(): Promise<NodeInfo> {
    const cpus = os.cpus();
    return { model: os.arch() === 'x64' ? 'x86_64' : os.arch(), memory: Math.floor(os.totalmem() / 1024), cpus: cpus.length,
      mhz: hostMhz(), nodes: 1, sockets: 1, cores: cpus.length, threads: 1 };
  }
  async nodeGetFreeMemory(): Promise<number> { return os.freemem(); }
  async nodeGetCpuStats(cpuNum: number, nparams: number, flags: number): Promise<{ params: { field: string; value: number }[]; nparams: number }> {
    return hostCpuStats(cpuNum, nparams, flags);
  }
  async nodeGetFreePages(pages: number[], startCell: number, cellCount: number, flags: number): Promise<number[]> {
    return hostFreePages(pages, startCell, cellCount, flags);
  }
  async connectGetCpuModelNames(arch: string, flags: number): Promise<string[]> { return cpuModelNames(arch, flags); }

  // ---- listing ----
  private listed(flags: number): DomainObj[] {
    const F = ListAllDomainsFlags;
    return [...this.drv.domains.values()].filter((o) => {
      if ((flags & (F.ACTIVE | F.INACTIVE)) && !((flags & F.ACTIVE && o.active) || (flags & F.INACTIVE && !o.active))) return false;
      if ((flags & (F.PERSISTENT | F.TRANSIENT)) && !((flags & F.PERSISTENT && o.persistent) || (flags & F.TRANSIENT && !o.persistent))) return false;
      if (flags & (F.RUNNING | F.PAUSED | F.SHUTOFF | F.OTHER)) {
        const s = o.state;
        const ok = (flags & F.RUNNING && s === DomainState.RUNNING) || (flags & F.PAUSED && s === DomainState.PAUSED) ||
          (flags & F.SHUTOFF && s === DomainState.SHUTOFF) ||
          (flags & F.OTHER && ![DomainState.RUNNING, DomainState.PAUSED, DomainState.SHUTOFF].includes(s as never));
        if (!ok) return false;
      }
      if ((flags & (F.MANAGEDSAVE | F.NO_MANAGEDSAVE)) && !((flags & F.MANAGEDSAVE && o.hasManagedSave) || (flags & F.NO_MANAGEDSAVE && !o.hasManagedSave))) return false;
      if ((flags & (F.AUTOSTART | F.NO_AUTOSTART)) && !((flags & F.AUTOSTART && o.autostart) || (flags & F.NO_AUTOSTART && !o.autostart))) return false;
      if (flags & F.HAS_SNAPSHOT) return false;
      return true;
    });
  }
  async connectListAllDomains(flags: number): Promise<DomainRef[]> { return this.listed(flags).map((o) => o.ref()); }
  async connectNumOfDomains(): Promise<number> { return this.listed(ListAllDomainsFlags.ACTIVE).length; }
  async connectListDomains(maxids: number): Promise<number[]> {
    return this.listed(ListAllDomainsFlags.ACTIVE).map((o) => o.id).sort((a, b) => a - b).slice(0, maxids);
  }
  async connectNumOfDefinedDomains(): Promise<number> { return this.listed(ListAllDomainsFlags.INACTIVE).length; }
  async connectListDefinedDomains(maxnames: number): Promise<string[]> {
    return this.listed(ListAllDomainsFlags.INACTIVE).map((o) => o.name).sort().slice(0, maxnames);
  }
  async domainLookupById(id: number): Promise<DomainRef> {
    const o = this.drv.findById(id);
    if (!o) throw virError(ERR, ErrorNumber.NO_DOMAIN, `no domain with matching id ${id}`);
    return o.ref();
  }
  async domainLookupByName(name: string): Promise<DomainRef> {
    const o = this.drv.findByName(name);
    if (!o) throw virError(ERR, ErrorNumber.NO_DOMAIN, `no domain with matching name '${name}'`);
    return o.ref();
  }
  async domainLookupByUuid(uuid: string): Promise<DomainRef> {
    const o = this.drv.domains.get(uuid);
    if (!o) throw virError(ERR, ErrorNumber.NO_DOMAIN, `no domain with matching uuid '${uuid}'`);
    return o.ref();
  }

  // ---- define / undefine ----
  /** virDomainObjListAdd's duplicate rules. */
  private checkDuplicate(def: DomainDef, forCreate: boolean): DomainObj | undefined {
    const byUuid = this.drv.domains.get(def.uuid);
    if (byUuid) {
      if (byUuid.name !== def.name) {
        throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_FAILED, `domain '${byUuid.name}' is already defined with uuid ${def.uuid}`);
      }
      if (forCreate && byUuid.active) {
        throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, `domain '${def.name}' is already active`);
      }
      return byUuid;
    }
    const byName = this.drv.findByName(def.name);
    if (byName) {
      throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_FAILED, `domain '${def.name}' already exists with uuid ${byName.uuid}`);
    }
    return undefined;
  }

  async domainDefineXmlFlags(xml: string, flags: number): Promise<DomainRef> {
    checkFlags(ERR, flags, 1, 'qemuDomainDefineXMLFlags');
    const def = await qemuParseDefinition(this.drv, xml);
    const existing = this.checkDuplicate(def, false);
    saveConfig(this.drv, def);
    let obj: DomainObj;
    const updated = !!existing;
    if (existing) {
      obj = existing;
      if (obj.active) obj.newDef = def; else obj.def = def;
      obj.persistent = true;
    } else {
      obj = new DomainObj(def);
      obj.persistent = true;
      this.drv.domains.set(def.uuid, obj);
    }
    this.drv.emitLifecycle(obj, DomainEventType.DEFINED, updated ? DomainEventDefinedDetail.UPDATED : DomainEventDefinedDetail.ADDED);
    return obj.ref();
  }
  async domainDefineXml(xml: string): Promise<DomainRef> { return this.domainDefineXmlFlags(xml, 0); }

  async domainUndefineFlags(dom: DomainRef, flags: number): Promise<void> {
    checkFlags(ERR, flags, DomainUndefineFlags.MANAGED_SAVE | DomainUndefineFlags.SNAPSHOTS_METADATA | DomainUndefineFlags.NVRAM | DomainUndefineFlags.KEEP_NVRAM, 'qemuDomainUndefineFlags');
    await this.job(dom, 'domainUndefine', async (obj) => {
      if (!obj.persistent) throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'cannot undefine transient domain');
      if (obj.hasManagedSave) {
        if (!(flags & DomainUndefineFlags.MANAGED_SAVE)) {
          throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'Refusing to undefine while domain managed save image exists');
        }
        fs.rmSync(managedSavePath(this.drv, obj.name), { force: true });
        obj.hasManagedSave = false;
      }
      fs.rmSync(configFile(this.drv, obj.name), { force: true });
      fs.rmSync(autostartLink(this.drv, obj.name), { force: true });
      obj.autostart = false;
      this.drv.emitLifecycle(obj, DomainEventType.UNDEFINED, DomainEventUndefinedDetail.REMOVED);
      if (obj.active) {
        obj.persistent = false;
        obj.newDef = null;
        writeStatus(this.drv, obj);
      } else {
        this.drv.domains.delete(obj.uuid);
        obj.removed = true;
      }
    });
  }
  async domainUndefine(dom: DomainRef): Promise<void> { return this.domainUndefineFlags(dom, 0); }

  // ---- start / create ----
  private async startObj(obj: DomainObj, flags: number): Promise<void> {
    const paused = !!(flags & DomainCreateFlags.START_PAUSED);
    if (obj.hasManagedSave && !(flags & DomainCreateFlags.START_FORCE_BOOT)) {
      const file = managedSavePath(this.drv, obj.name);
      const h = readSaveHeader(file);
      await qemuProcessStart(this.drv, obj, { paused: paused || !h.running, incoming: { file, offset: h.offset } });
      fs.rmSync(file, { force: true });
      obj.hasManagedSave = false;
      return;
    }
    if (obj.hasManagedSave) {
      fs.rmSync(managedSavePath(this.drv, obj.name), { force: true });
      obj.hasManagedSave = false;
    }
    await qemuProcessStart(this.drv, obj, { paused });
  }

  async domainCreateWithFlags(dom: DomainRef, flags: number): Promise<DomainRef> {
    checkFlags(ERR, flags, DomainCreateFlags.START_PAUSED | DomainCreateFlags.START_AUTODESTROY | DomainCreateFlags.START_BYPASS_CACHE | DomainCreateFlags.START_FORCE_BOOT, 'qemuDomainCreateWithFlags');
    return this.job(dom, 'domainCreateWithFlags', async (obj) => {
      if (obj.active) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'domain is already running');
      await this.startObj(obj, flags);
      return obj.ref();
    });
  }
  async domainCreate(dom: DomainRef): Promise<void> {
    await this.job(dom, 'domainCreate', async (obj) => {
      if (obj.active) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'domain is already running');
      await this.startObj(obj, 0);
    });
  }

  async domainCreateXml(xml: string, flags: number): Promise<DomainRef> {
    checkFlags(ERR, flags, DomainCreateFlags.START_PAUSED | DomainCreateFlags.START_AUTODESTROY | DomainCreateFlags.START_VALIDATE, 'qemuDomainCreateXML');
    const def = await qemuParseDefinition(this.drv, xml);
    const existing = this.checkDuplicate(def, true);
    const obj = existing ?? new DomainObj(def);
    if (existing) {
      obj.newDef = obj.persistent ? obj.def : null;
      obj.def = def;
    } else {
      this.drv.domains.set(def.uuid, obj);
    }
    await obj.withJob(owner('domainCreateXml'), this.drv.config.jobWaitMs, async () => {
      try {
        await qemuProcessStart(this.drv, obj, { paused: !!(flags & DomainCreateFlags.START_PAUSED) });
      } catch (e) {
        if (!obj.persistent) { this.drv.domains.delete(obj.uuid); obj.removed = true; }
        else if (obj.newDef) { obj.def = obj.newDef; obj.newDef = null; }
        throw e;
      }
    });
    return obj.ref();
  }

  // ---- stop / state changes ----
  async domainDestroyFlags(dom: DomainRef, flags: number): Promise<void> {
    checkFlags(ERR, flags, DomainDestroyFlags.GRACEFUL | DomainDestroyFlags.REMOVE_LOGS, 'qemuDomainDestroyFlags');
    const obj = this.activeByRef(dom);
    const live = obj.live!;
    // Kill before taking the job, so a destroy ends a job stuck on an unresponsive QEMU.
    live.beingDestroyed = true;
    try {
      await qemuProcessKill(live.pid, this.drv.config.shutdownGraceMs, !!(flags & DomainDestroyFlags.GRACEFUL));
    } catch (e) {
      live.beingDestroyed = false;
      throw e;
    }
    await obj.withJob(owner('domainDestroy'), this.drv.config.jobWaitMs, () => qemuProcessStop(this.drv, obj, DomainShutoffReason.DESTROYED));
    if (flags & DomainDestroyFlags.REMOVE_LOGS) fs.rmSync(path.join(this.drv.paths.logDir, `${obj.name}.log`), { force: true });
  }
  async domainDestroy(dom: DomainRef): Promise<void> { return this.domainDestroyFlags(dom, 0); }

  async domainShutdownFlags(dom: DomainRef, flags: number): Promise<void> {
    checkFlags(ERR, flags, DomainShutdownFlags.ACPI_POWER_BTN, 'qemuDomainShutdownFlags');
    await this.job(dom, 'domainShutdown', async (obj) => {
      if (!obj.live?.monitor) throw notRunning();
      if (obj.state !== DomainState.RUNNING) throw virError(ErrorDomain.DOMAIN, ErrorNumber.OPERATION_INVALID, 'domain is not running');
      await obj.live.monitor.execute('system_powerdown');
    });
  }
  async domainShutdown(dom: DomainRef): Promise<void> { return this.domainShutdownFlags(dom, 0); }

  async domainReboot(dom: DomainRef, flags: number): Promise<void> {
    checkFlags(ERR, flags, DomainShutdownFlags.ACPI_POWER_BTN, 'qemuDomainReboot');
    await this.job(dom, 'domainReboot', async (obj) => {
      if (!obj.live?.monitor || obj.state !== DomainState.RUNNING) throw notRunning();
      obj.live.fakeReboot = true;
      await obj.live.monitor.execute('system_powerdown');
    });
  }
  async domainReset(dom: DomainRef, flags: number): Promise<void> {
    checkFlags(ERR, flags, 0, 'qemuDomainReset');
    await this.job(dom, 'domainReset', async (obj) => {
      if (!obj.live?.monitor) throw notRunning();
      await obj.live.monitor.execute('system_reset');
    });
  }
  /**
   * qemuDomainOpenGraphicsFD: a socket already connected to the guest's VNC/SPICE server, so a
   * local viewer needs no port or password. One end of a socketpair goes to QEMU (getfd +
   * add_client), the other back to the caller, who receives it over the socket (REPLY_WITH_FDS).
   */
  async domainOpenGraphicsFd(dom: DomainRef, idx: number, flags: number): Promise<{ fds: number[] }> {
    checkFlags(ERR, flags, 1 /* VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH */, 'qemuDomainOpenGraphicsFD');
    const fdp = fdPass();
    if (!fdp) throw virError(ERR, ErrorNumber.OPERATION_UNSUPPORTED, 'file descriptor passing is not available in this build');
    return this.job(dom, 'domainOpenGraphicsFd', async (obj) => {
      const live = obj.live;
      if (!live?.monitor) throw notRunning();
      const g = live.def.devices.graphics[idx];
      if (!g) throw virError(ERR, ErrorNumber.INTERNAL_ERROR, `No graphics backend with index ${idx}`);
      if (g.type !== 'vnc' && g.type !== 'spice') {
        throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, `Can only open VNC or SPICE graphics backends, not ${g.type}`);
      }
      const [mine, theirs] = fdp.socketpair();
      try {
        await live.monitor.executeWithFd('getfd', { fdname: 'graphicsfd' }, theirs);
        try {
          await live.monitor.execute('add_client', { protocol: g.type, fdname: 'graphicsfd', skipauth: (flags & 1) !== 0 });
        } catch (e) {
          await live.monitor.execute('closefd', { fdname: 'graphicsfd' }).catch(() => undefined);
          throw e;
        }
      } catch (e) {
        fdp.closeFd(mine);
        throw e;
      } finally {
        fdp.closeFd(theirs); // QEMU holds its own copy now
      }
      return { fds: [mine] };
    });
  }

  async domainSuspend(dom: DomainRef): Promise<void> {
    await this.job(dom, 'domainSuspend', async (obj) => {
      const live = obj.live;
      if (!live?.monitor) throw notRunning();
      if (obj.state === DomainState.PAUSED) return;
      live.expectStop++;
      await live.monitor.execute('stop');
      obj.state = DomainState.PAUSED; obj.reason = DomainPausedReason.USER;
      writeStatus(this.drv, obj);
      this.drv.emitLifecycle(obj, DomainEventType.SUSPENDED, DomainEventSuspendedDetail.PAUSED);
    });
  }
  async domainResume(dom: DomainRef): Promise<void> {
    await this.job(dom, 'domainResume', async (obj) => {
      const live = obj.live;
      if (!live?.monitor) throw notRunning();
      if (obj.state !== DomainState.PAUSED && obj.state !== DomainState.CRASHED) return;
      live.expectResume++;
      await live.monitor.execute('cont');
      obj.state = DomainState.RUNNING; obj.reason = DomainRunningReason.UNPAUSED;
      writeStatus(this.drv, obj);
      this.drv.emitLifecycle(obj, DomainEventType.RESUMED, DomainEventResumedDetail.UNPAUSED);
    });
  }

  // ---- save / restore / managed save ----
  async domainSaveFlags(dom: DomainRef, to: string, dxml: string | null, flags: number): Promise<void> {
    checkFlags(ERR, flags, DomainSaveRestoreFlags.BYPASS_CACHE | DomainSaveRestoreFlags.RUNNING | DomainSaveRestoreFlags.PAUSED, 'qemuDomainSaveFlags');
    await this.job(dom, 'domainSaveFlags', async (obj) => {
      if (!obj.active) throw notRunning();
      await qemuDomainSaveToFile(this.drv, obj, to, dxml);
    });
  }
  async domainSave(dom: DomainRef, to: string): Promise<void> { return this.domainSaveFlags(dom, to, null, 0); }

  async domainRestoreFlags(from: string, dxml: string | null, flags: number): Promise<void> {
    checkFlags(ERR, flags, DomainSaveRestoreFlags.BYPASS_CACHE | DomainSaveRestoreFlags.RUNNING | DomainSaveRestoreFlags.PAUSED, 'qemuDomainRestoreFlags');
    const h = readSaveHeader(from);
    const def = await qemuParseDefinition(this.drv, dxml ?? h.xml);
    const existing = this.checkDuplicate(def, true);
    const obj = existing ?? new DomainObj(def);
    if (existing) { if (obj.persistent) obj.newDef = obj.def; obj.def = def; } else this.drv.domains.set(def.uuid, obj);
    const paused = flags & DomainSaveRestoreFlags.PAUSED ? true : flags & DomainSaveRestoreFlags.RUNNING ? false : !h.running;
    await obj.withJob(owner('domainRestoreFlags'), this.drv.config.jobWaitMs, async () => {
      try {
        await qemuProcessStart(this.drv, obj, { paused, incoming: { file: from, offset: h.offset } });
      } catch (e) {
        if (!obj.persistent) { this.drv.domains.delete(obj.uuid); obj.removed = true; }
        else if (obj.newDef) { obj.def = obj.newDef; obj.newDef = null; }
        throw e;
      }
    });
  }
  async domainRestore(from: string): Promise<void> { return this.domainRestoreFlags(from, null, 0); }
  async domainSaveImageGetXmlDesc(file: string, flags: number): Promise<string> {
    checkFlags(ERR, flags, DomainXMLFlags.SECURE, 'qemuDomainSaveImageGetXMLDesc');
    return readSaveHeader(file).xml;
  }

  async domainManagedSave(dom: DomainRef, flags: number): Promise<void> {
    checkFlags(ERR, flags, DomainSaveRestoreFlags.BYPASS_CACHE | DomainSaveRestoreFlags.RUNNING | DomainSaveRestoreFlags.PAUSED, 'qemuDomainManagedSave');
    await this.job(dom, 'domainManagedSave', async (obj) => {
      if (!obj.active) throw notRunning();
      if (!obj.persistent) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'cannot do managed save for transient domain');
      await qemuDomainSaveToFile(this.drv, obj, managedSavePath(this.drv, obj.name), null);
      obj.hasManagedSave = true;
    });
  }
  async domainHasManagedSaveImage(dom: DomainRef, flags: number): Promise<number> {
    checkFlags(ERR, flags, 0, 'qemuDomainHasManagedSaveImage');
    return this.byRef(dom).hasManagedSave ? 1 : 0;
  }
  async domainManagedSaveRemove(dom: DomainRef, flags: number): Promise<void> {
    checkFlags(ERR, flags, 0, 'qemuDomainManagedSaveRemove');
    await this.job(dom, 'domainManagedSaveRemove', async (obj) => {
      fs.rmSync(managedSavePath(this.drv, obj.name), { force: true });
      obj.hasManagedSave = false;
    });
  }

  // ---- information ----
  async domainGetState(dom: DomainRef, flags: number): Promise<DomainStateT> {
    checkFlags(ERR, flags, 0, 'qemuDomainGetState');
    const o = this.byRef(dom);
    return { state: o.state, reason: o.reason };
  }
  async domainGetInfo(dom: DomainRef): Promise<DomainInfo> {
    const o = this.byRef(dom);
    const def = o.live?.def ?? o.def;
    let memory = o.active ? def.currentMemory : def.memory;
    if (o.live?.monitor && def.devices.memballoon?.alias) {
      const b = await o.live.monitor.execute<{ actual: number }>('query-balloon', undefined, { timeout: 5000 }).catch(() => null);
      if (b) memory = Math.floor(b.actual / 1024);
    }
    return {
      state: o.state, maxMem: def.memory, memory, nrVirtCpu: def.vcpuCurrent ?? def.vcpus,
      cpuTime: o.live ? cpuTimeNs(o.live.pid) : 0,
    };
  }
  async domainGetXmlDesc(dom: DomainRef, flags: number): Promise<string> {
    checkFlags(ERR, flags, DomainXMLFlags.SECURE | DomainXMLFlags.INACTIVE | DomainXMLFlags.UPDATE_CPU | DomainXMLFlags.MIGRATABLE, 'qemuDomainGetXMLDesc');
    const o = this.byRef(dom);
    const secure = !!(flags & DomainXMLFlags.SECURE);
    if ((flags & DomainXMLFlags.INACTIVE) || !o.live) {
      return formatDomainXml(o.newDef ?? o.def, { inactive: true, secure });
    }
    return formatDomainXml(o.live.def, { id: o.id, secure });
  }
  async domainGetOsType(dom: DomainRef): Promise<string> { return this.byRef(dom).def.os.type; }
  async domainIsActive(dom: DomainRef): Promise<number> { return this.byRef(dom).active ? 1 : 0; }
  async domainIsPersistent(dom: DomainRef): Promise<number> { return this.byRef(dom).persistent ? 1 : 0; }
  async domainIsUpdated(dom: DomainRef): Promise<number> { return this.byRef(dom).newDef ? 1 : 0; }
  async domainGetMaxMemory(dom: DomainRef): Promise<number> { return this.byRef(dom).def.memory; }
  async domainGetMaxVcpus(dom: DomainRef): Promise<number> {
    const o = this.activeByRef(dom);
    return o.live!.def.vcpus;
  }
  async domainGetAutostart(dom: DomainRef): Promise<number> { return this.byRef(dom).autostart ? 1 : 0; }
  async domainSetAutostart(dom: DomainRef, autostart: number): Promise<void> {
    const o = this.byRef(dom);
    if (!o.persistent) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'cannot set autostart for transient domain');
    const link = autostartLink(this.drv, o.name);
    fs.rmSync(link, { force: true });
    if (autostart) fs.symlinkSync(configFile(this.drv, o.name), link);
    o.autostart = !!autostart;
  }

  // ---- stats and console ----
  async domainBlockStats(dom: DomainRef, p: string): Promise<BlockStats> { return domainBlockStats(this.activeByRef(dom), p); }
  async domainInterfaceStats(dom: DomainRef, device: string): Promise<InterfaceStats> { return domainInterfaceStats(this.activeByRef(dom), device); }
  async domainMemoryStats(dom: DomainRef, maxStats: number, flags: number): Promise<MemoryStat[]> {
    checkFlags(ERR, flags, 0, 'qemuDomainMemoryStats');
    return domainMemoryStats(this.activeByRef(dom), maxStats);
  }
  async connectGetAllDomainStats(doms: DomainRef[], stats: number, flags: number): Promise<DomainStatsRecord[]> {
    const objs = doms.length ? doms.map((d) => this.byRef(d)) : this.listed(flags & 0xff);
    const out: DomainStatsRecord[] = [];
    for (const o of objs) out.push({ dom: o.ref(), params: await domainStatsRecord(o, stats) });
    return out;
  }
  /** qemuDomainScreenshot: a PPM of the guest's screen, taken under the domain's job */
  async domainScreenshot(dom: DomainRef, screen: number, flags: number): Promise<DriverStream> {
    checkFlags(ERR, flags, 0, 'qemuDomainScreenshot');
    return this.job(dom, 'domainScreenshot', async (obj) => {
      if (!obj.live?.monitor) throw notRunning();
      return qemuDomainScreenshot(obj.live, this.drv.paths.runDir, screen);
    });
  }
  async domainOpenConsole(dom: DomainRef, devName: string | null, flags: number): Promise<DriverStream> {
    checkFlags(ERR, flags, 3, 'qemuDomainOpenConsole');
    return domainOpenConsole(this.activeByRef(dom), devName, flags);
  }

  // ---- devices ----
  private modifyDevice(dom: DomainRef, xml: string, flags: number, op: 'attach' | 'detach' | 'update', method: string): Promise<void> {
    return this.job(dom, method, (obj) => qemuDomainModifyDevice(this.drv, obj, xml, flags, op, (def) => saveConfig(this.drv, def)));
  }
  async domainAttachDeviceFlags(dom: DomainRef, xml: string, flags: number): Promise<void> {
    const { LIVE, CONFIG } = DomainDeviceModifyFlags;
    checkFlags(ERR, flags, LIVE | CONFIG, 'qemuDomainAttachDeviceFlags');
    return this.modifyDevice(dom, xml, flags, 'attach', 'domainAttachDeviceFlags');
  }
  async domainAttachDevice(dom: DomainRef, xml: string): Promise<void> {
    return this.modifyDevice(dom, xml, DomainDeviceModifyFlags.LIVE, 'attach', 'domainAttachDevice');
  }
  async domainDetachDeviceFlags(dom: DomainRef, xml: string, flags: number): Promise<void> {
    const { LIVE, CONFIG } = DomainDeviceModifyFlags;
    checkFlags(ERR, flags, LIVE | CONFIG, 'qemuDomainDetachDeviceFlags');
    return this.modifyDevice(dom, xml, flags, 'detach', 'domainDetachDeviceFlags');
  }
  async domainDetachDevice(dom: DomainRef, xml: string): Promise<void> {
    return this.modifyDevice(dom, xml, DomainDeviceModifyFlags.LIVE, 'detach', 'domainDetachDevice');
  }
  async domainDetachDeviceAlias(dom: DomainRef, alias: string, flags: number): Promise<void> {
    const { LIVE, CONFIG } = DomainDeviceModifyFlags;
    checkFlags(ERR, flags, LIVE | CONFIG, 'qemuDomainDetachDeviceAlias');
    return this.job(dom, 'domainDetachDeviceAlias',
      (obj) => qemuDomainDetachDeviceAlias(this.drv, obj, alias, flags, (def) => saveConfig(this.drv, def)));
  }

  // ---- block devices, jobs, guest power management ----
  async domainBlockResize(dom: DomainRef, disk: string, size: number | bigint, flags: number): Promise<void> {
    checkFlags(ERR, flags, 1, 'qemuDomainBlockResize');
    return this.job(dom, 'domainBlockResize', (obj) => qemuDomainBlockResize(obj, disk, size, flags));
  }
  async domainSetBlockThreshold(dom: DomainRef, dev: string, threshold: number | bigint, flags: number): Promise<void> {
    checkFlags(ERR, flags, 0, 'qemuDomainSetBlockThreshold');
    return this.job(dom, 'domainSetBlockThreshold', (obj) => qemuDomainSetBlockThreshold(obj, dev, threshold));
  }
  /** GetJobInfo/GetJobStats/AbortJob run beside the job they look at, without taking it */
  async domainGetJobInfo(dom: DomainRef): Promise<JobInfo> { return qemuDomainGetJobInfo(this.byRef(dom)); }
  async domainGetJobStats(dom: DomainRef, flags: number): Promise<{ type: number; params: TypedParam[] }> {
    checkFlags(ERR, flags, 3, 'qemuDomainGetJobStats');
    return qemuDomainGetJobStats(this.byRef(dom), flags);
  }
  async domainAbortJob(dom: DomainRef): Promise<void> { return qemuDomainAbortJob(this.byRef(dom), 0); }
  async domainAbortJobFlags(dom: DomainRef, flags: number): Promise<void> {
    checkFlags(ERR, flags, 1, 'qemuDomainAbortJobFlags');
    return qemuDomainAbortJob(this.byRef(dom), flags);
  }
  async domainPmSuspendForDuration(dom: DomainRef, target: number, _duration: number | bigint, flags: number): Promise<void> {
    checkFlags(ERR, flags, 0, 'qemuDomainPMSuspendForDuration');
    return this.job(dom, 'domainPmSuspendForDuration', async (obj) => qemuDomainPMSuspendForDuration(obj, target));
  }
  async domainPmWakeup(dom: DomainRef, flags: number): Promise<void> {
    checkFlags(ERR, flags, 0, 'qemuDomainPMWakeup');
    return this.job(dom, 'domainPmWakeup', (obj) => qemuDomainPMWakeup(obj));
  }
  async domainUpdateDeviceFlags(dom: DomainRef, xml: string, flags: number): Promise<void> {
    const { LIVE, CONFIG, FORCE } = DomainDeviceModifyFlags;
    checkFlags(ERR, flags, LIVE | CONFIG | FORCE, 'qemuDomainUpdateDeviceFlags');
    return this.modifyDevice(dom, xml, flags & ~FORCE, 'update', 'domainUpdateDeviceFlags');
  }

  // ---- memory, vcpus, rename, monitor passthrough ----
  async domainSetMemoryFlags(dom: DomainRef, memory: number, flags: number): Promise<void> {
    await this.job(dom, 'domainSetMemoryFlags', (obj) => qemuDomainSetMemory(this.drv, obj, memory, flags, (def) => saveConfig(this.drv, def)));
  }
  async domainSetMemory(dom: DomainRef, memory: number): Promise<void> { return this.domainSetMemoryFlags(dom, memory, 1); }
  async domainSetMaxMemory(dom: DomainRef, memory: number): Promise<void> { return this.domainSetMemoryFlags(dom, memory, 4); }
  async domainSetVcpusFlags(dom: DomainRef, nvcpus: number, flags: number): Promise<void> {
    // libvirt-domain.c's argument checks come before the driver's.
    if ((flags & DomainVcpuFlags.MAXIMUM) && !(flags & DomainVcpuFlags.CONFIG)) {
      throw rawError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, "Flag 'VIR_DOMAIN_AFFECT_CONFIG' is required by flag 'VIR_DOMAIN_VCPU_MAXIMUM'");
    }
    if (nvcpus === 0) throw rawError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, 'nvcpus in virDomainSetVcpusFlags must not be zero');
    await this.job(dom, 'domainSetVcpusFlags', (obj) => qemuDomainSetVcpus(this.drv, obj, nvcpus, flags, (def) => saveConfig(this.drv, def)));
  }
  async domainSetVcpus(dom: DomainRef, nvcpus: number): Promise<void> { return this.domainSetVcpusFlags(dom, nvcpus, DomainVcpuFlags.LIVE); }
  async domainGetVcpusFlags(dom: DomainRef, flags: number): Promise<number> { return qemuDomainGetVcpus(this.byRef(dom), flags); }
  async domainGetMessages(dom: DomainRef, flags: number): Promise<string[]> { return qemuDomainGetMessages(this.byRef(dom), flags); }
  async nodeGetSecurityModel(): Promise<SecurityModel> { return { model: 'none', doi: '0' }; }

  /** virDomainQemuMonitorCommand (program 0x20008087, procedure 1). */
  async domainQemuMonitorCommand(dom: DomainRef, cmd: string, flags: number): Promise<string> {
    return this.job(dom, 'domainQemuMonitorCommand', (obj) => qemuDomainMonitorCommand(this.drv, obj, cmd, flags));
  }

  async domainRename(dom: DomainRef, newName: string | null, flags: number): Promise<number> {
    return this.job(dom, 'domainRename', async (obj) => {
      const name = qemuDomainRenameCheck(this.drv, obj, newName, flags);
      const oldName = obj.name;
      const oldRef = obj.ref();
      const def = { ...obj.def, name };
      saveConfig(this.drv, def);
      if (obj.autostart) {
        fs.rmSync(autostartLink(this.drv, oldName), { force: true });
        fs.symlinkSync(configFile(this.drv, name), autostartLink(this.drv, name));
      }
      fs.rmSync(configFile(this.drv, oldName), { force: true });
      this.drv.events.emit(DomainEventID.LIFECYCLE, { dom: oldRef, event: DomainEventType.UNDEFINED, detail: DomainEventUndefinedDetail.RENAMED });
      obj.def = def;
      this.drv.emitLifecycle(obj, DomainEventType.DEFINED, DomainEventDefinedDetail.RENAMED);
      return 0;
    });
  }

  // ---- events ----
  async connectDomainEventCallbackRegisterAny(eventID: number, dom: DomainRef | null, cb: DomainEventCallback): Promise<number> {
    if (dom) this.byRef(dom);
    return this.events.register(eventID, dom?.uuid ?? null, cb);
  }
  async connectDomainEventCallbackDeregisterAny(callbackID: number): Promise<void> {
    if (!this.events.deregister(callbackID)) {
      throw virError(ErrorDomain.DOMAIN, ErrorNumber.INVALID_ARG, `could not find event callback ${callbackID} for deletion`);
    }
  }
}
