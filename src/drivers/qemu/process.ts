// The QEMU process state machine: start (prepare, launch paused, connect QMP, cont), stop
// (SIGTERM then SIGKILL, release everything), QMP events driving the domain state, the status
// file under the run dir, and re-attaching to QEMUs that outlived a daemon restart.
// libvirt counterpart: qemu_process.c.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startCommand } from '../../util/command.js';
import { writeFileAtomicSync } from '../../util/atomic_file.js';
import { processAlive } from '../../util/pidfile.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import {
  DomainCrashedReason, DomainEventCrashedDetail, DomainEventID, DomainEventResumedDetail, DomainEventShutdownDetail,
  DomainEventStartedDetail, DomainEventStoppedDetail, DomainEventSuspendedDetail, DomainEventType, DomainPausedReason,
  DomainRunningReason, DomainShutdownReason, DomainShutoffReason, DomainState,
  DomainEventPMSuspendedDetail, DomainPMSuspendedReason,
} from '../../api/constants.js';
import { cloneDomainDef, formatDomainXml, parseDomainXml, type DomainDef } from '../../conf/domain.js';
import { buildQemuArgv, diskNodeNames } from './command.js';
import { KVM_UNAVAILABLE_MESSAGE } from './capabilities.js';
import { qemuAssignAliases, qemuDomainPrepareLive } from './domain.js';
import { QemuMonitor, type QmpEvent } from './monitor.js';
import type { DomainObj, LiveDomain } from './domain_obj.js';
import { qemuInterfacePrepare, qemuInterfaceRelease, type TapRecord } from './net.js';
import { qemuDomainRemoveDevice } from './hotplug.js';
import { blockThresholdEvent } from './block.js';
import { qemuDomainTranslateVolumes, qemuRestoreVolumeSources, qemuVolumeSources, type VolumeSources } from './volume.js';
import type { QemuDriverState } from './state.js';

const ERR = ErrorDomain.QEMU;
/** sun_path is 108 bytes including the NUL. */
const UNIX_PATH_MAX = 107;

export interface StartOptions {
  paused?: boolean;
  /** Restore: the migration stream starts at `offset` in `file`. */
  incoming?: { file: string; offset: number };
}

export function statusFile(drv: QemuDriverState, name: string): string { return path.join(drv.paths.runDir, `${name}.status.json`); }
export function pidFilePath(drv: QemuDriverState, name: string): string { return path.join(drv.paths.runDir, `${name}.pid`); }
export function monitorPathFor(drv: QemuDriverState, name: string): string { return path.join(drv.paths.runDir, `${name}.monitor`); }
export function logFilePath(drv: QemuDriverState, name: string): string { return path.join(drv.paths.logDir, `${name}.log`); }

/**
 * A pid that exited but was not reaped yet is dead for our purposes. The leader of a
 * multi-threaded process shows 'Z' as soon as its main thread returns, while the other threads
 * (still holding the sockets and files) wind down: only a zombie with no thread left is gone.
 */
export function qemuAlive(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3) !== 'Z') return true;
    return fs.readdirSync(`/proc/${pid}/task`).length > 1;
  } catch { return false; }
}

/** Rotate NAME.log -> NAME.log.1 -> ... when it passed the size cap. */
export function rotateLog(file: string, maxBytes: number, keep: number): void {
  let size = 0;
  try { size = fs.statSync(file).size; } catch { return; }
  if (size < maxBytes) return;
  for (let i = keep - 1; i >= 1; i--) {
    try { fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`); } catch { /* gap */ }
  }
  try { fs.renameSync(file, `${file}.1`); } catch { /* raced */ }
  try { fs.rmSync(`${file}.${keep + 1}`, { force: true }); } catch { /* none */ }
}

/** QEMU's own error lines from this run's part of the log (what a user needs to see). */
function qemuLogError(file: string, offset: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.max(0, size - offset));
      fs.readSync(fd, buf, 0, buf.length, offset);
      const lines = buf.toString('utf8').split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
      // Drop QEMU's warnings when there is a real error; keep the last few lines.
      const errors = lines.filter((l) => !/warning:/.test(l));
      return (errors.length ? errors : lines).slice(-3).join('\n');
    } finally { fs.closeSync(fd); }
  } catch { return ''; }
}

/** The block nodes the command line created: one pair per disk with media. */
function diskNodesOf(def: DomainDef): Record<string, { storage: string; format: string }> {
  return Object.fromEntries(def.devices.disks.filter((d) => d.source?.file ?? d.source?.dev).map((d) => [d.alias!, diskNodeNames(def, d)]));
}

function shellQuote(s: string): string { return `'${s.replace(/'/g, `'\\''`)}'`; }

/** Check what QEMU would otherwise fail on with a less helpful message. */
function checkStorage(def: DomainDef): void {
  for (const disk of def.devices.disks) {
    const p = disk.source?.file ?? disk.source?.dev;
    if (!p) continue;
    try { fs.accessSync(p, fs.constants.R_OK); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : (e as Error).message;
      if (disk.device === 'cdrom' && (disk.source?.startupPolicy === 'optional')) { delete disk.source!.file; continue; }
      throw virError(ERR, ErrorNumber.SYSTEM_ERROR, `Cannot access storage file '${p}': ${why}`);
    }
  }
}

/** qemuProcessStart: everything from a shut-off domain to a running (or paused) QEMU. */
export async function qemuProcessStart(drv: QemuDriverState, obj: DomainObj, opts: StartOptions = {}): Promise<void> {
  if (obj.active) throw virError(ERR, ErrorNumber.OPERATION_INVALID, 'domain is already running');
  const caps = await drv.capsFor(obj.def.os.arch, obj.def.devices.emulator);
  if (obj.def.type === 'kvm' && !drv.kvmUsable(caps)) {
    throw virError(ERR, ErrorNumber.CONFIG_UNSUPPORTED, KVM_UNAVAILABLE_MESSAGE);
  }
  const def = cloneDomainDef(obj.def);
  qemuDomainPrepareLive(def);
  await qemuDomainTranslateVolumes(def, drv.config.volumeHooks);
  checkStorage(def);

  const name = def.name;
  const monitorPath = monitorPathFor(drv, name);
  if (Buffer.byteLength(monitorPath) > UNIX_PATH_MAX) {
    throw virError(ERR, ErrorNumber.INTERNAL_ERROR, `Monitor path ${monitorPath} too big for destination`);
  }
  const vncPorts: number[] = [];
  const releasePorts = () => { for (const p of vncPorts) drv.releaseVncPort(p); };
  try {
    for (const g of def.devices.graphics) {
      if (g.type !== 'vnc' || g.socket || g.listens[0]?.type === 'socket') continue;
      const listen = g.listens[0]?.address ?? drv.config.vncListen;
      if (g.autoport || g.port === undefined || g.port < 0) {
        g.port = await drv.allocateVncPort(listen);
        g.autoport = true;
      } else {
        drv.reserveVncPort(g.port);
      }
      vncPorts.push(g.port);
      if (g.listens[0]?.type === 'address' && !g.listens[0].address) g.listens[0].address = listen;
    }
  } catch (e) { releasePorts(); throw e; }

  // Taps for the tap-backed NICs, all at once (each is an `ip` or network-driver round trip).
  const taps: Record<string, TapRecord> = {};
  const releaseTaps = async () => { await Promise.all(Object.values(taps).map((t) => qemuInterfaceRelease(t, drv.config.tapHooks, drv.config.netns))); };
  const tapResults = await Promise.allSettled(def.devices.interfaces.map(async (n) => {
    const rec = await qemuInterfacePrepare(n, name, drv.config.tapHooks, drv.config.netns);
    if (rec) { taps[n.alias!] = rec; n.target = { ...n.target, dev: rec.tap }; }
  }));
  const tapFailed = tapResults.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (tapFailed) { releasePorts(); await releaseTaps(); throw tapFailed.reason; }

  const accel = obj.def.type === 'kvm' ? 'kvm' : 'tcg';
  let argv: string[];
  try {
    argv = buildQemuArgv(def, {
      caps, monitorPath, accel, vncListen: drv.config.vncListen, hostSysinfo: def.os.smbios === 'host' ? drv.hostSysinfo() : undefined,
    });
  } catch (e) { releasePorts(); await releaseTaps(); throw e; }
  if (opts.incoming) argv.push('-incoming', 'defer');

  const logFile = logFilePath(drv, name);
  rotateLog(logFile, drv.config.logMaxBytes, drv.config.logKeep);
  let logOffset = 0;
  try { logOffset = fs.statSync(logFile).size; } catch { /* new log */ }
  fs.rmSync(monitorPath, { force: true });
  const pidFile = pidFilePath(drv, name);

  let pid: number;
  try {
    // `ip netns exec` execs QEMU in place: the recorded pid is QEMU's own.
    const proc = await startCommand({
      argv: drv.config.netns ? ['/usr/sbin/ip', 'netns', 'exec', drv.config.netns, ...argv] : argv,
      logFile, pidFile, daemonize: true, cwd: '/', home: drv.paths.runDir,
    });
    pid = proc.pid;
  } catch (e) {
    releasePorts();
    await releaseTaps();
    fs.rmSync(pidFile, { force: true });
    throw virError(ERR, ErrorNumber.INTERNAL_ERROR, `failed to start QEMU: ${(e as Error).message}`);
  }

  const live: LiveDomain = {
    pid, monitorPath, monitor: null, def, vncPorts, beingDestroyed: false, gotShutdown: false, fakeReboot: false,
    expectStop: 0, expectResume: 0, startTime: Date.now(),
    diskNodes: diskNodesOf(def), nodeIndex: def.devices.disks.length + 1, taps, unplugWaiters: new Map(), taint: [],
  };
  obj.live = live;
  obj.id = drv.allocateId();
  obj.state = DomainState.PAUSED;
  obj.reason = DomainPausedReason.STARTING_UP;

  try {
    try {
      live.monitor = await QemuMonitor.connect(monitorPath, {
        name, timeout: drv.config.monitorTimeoutMs, isAlive: () => qemuAlive(pid),
      });
    } catch (e) {
      // Give QEMU a moment to finish writing why it quit.
      await new Promise((r) => setTimeout(r, 50));
      const msg = qemuLogError(logFile, logOffset);
      if (!qemuAlive(pid) || msg) {
        throw virError(ERR, ErrorNumber.INTERNAL_ERROR, `qemu unexpectedly closed the monitor: ${msg || (e as Error).message}`);
      }
      throw e;
    }
    attachMonitor(drv, obj, live);
    await updatePtyPaths(live);
    const period = def.devices.memballoon?.statsPeriod;
    if (period && def.devices.memballoon?.alias) {
      await live.monitor.execute('qom-set', {
        path: `/machine/peripheral/${def.devices.memballoon.alias}`, property: 'guest-stats-polling-interval', value: period,
      }).catch(() => undefined);
    }
    if (opts.incoming) {
      await live.monitor.execute('migrate-incoming', {
        uri: `exec:tail -c +${opts.incoming.offset + 1} ${shellQuote(opts.incoming.file)}`,
      });
      await waitMigration(live.monitor, 'restore');
    }
    if (!opts.paused) {
      live.expectResume++;
      await live.monitor.execute('cont');
      obj.state = DomainState.RUNNING;
      obj.reason = opts.incoming ? DomainRunningReason.RESTORED : DomainRunningReason.BOOTED;
    } else {
      obj.state = DomainState.PAUSED;
      obj.reason = opts.incoming ? DomainPausedReason.SAVE : DomainPausedReason.USER;
    }
    writeStatus(drv, obj);
  } catch (e) {
    await qemuProcessStop(drv, obj, DomainShutoffReason.FAILED, { emit: false });
    throw e;
  }
  drv.emitLifecycle(obj, DomainEventType.STARTED, opts.incoming ? DomainEventStartedDetail.RESTORED : DomainEventStartedDetail.BOOTED);
  if (opts.paused) drv.emitLifecycle(obj, DomainEventType.SUSPENDED, opts.incoming ? DomainEventSuspendedDetail.RESTORED : DomainEventSuspendedDetail.PAUSED);
}

/** Poll query-migrate until the stream is done (save: source side; restore: target side). */
export async function waitMigration(mon: QemuMonitor, what: string, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const st = await mon.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
    if (st.status === 'completed') return;
    if (st.status === 'failed' || st.status === 'cancelled') {
      throw virError(ERR, ErrorNumber.OPERATION_FAILED, `${what} job: ${st['error-desc'] ?? `unexpectedly ${st.status}`}`);
    }
    if (Date.now() > end) throw virError(ERR, ErrorNumber.OPERATION_TIMEOUT, `${what} job did not finish`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Record the pty each pty-type serial got (shown in the live XML and used by the console). */
async function updatePtyPaths(live: LiveDomain): Promise<void> {
  // Only pty chardevs get a path from QEMU: no round trip when there is none.
  if (!live.def.devices.serials.some((s) => s.type === 'pty')) return;
  const chardevs = await live.monitor!.execute<{ label: string; filename: string }[]>('query-chardev');
  for (const s of live.def.devices.serials) {
    if (s.type !== 'pty') continue;
    const c = chardevs.find((x) => x.label === `char${s.alias}`);
    if (c?.filename.startsWith('pty:')) s.source.path = c.filename.slice(4);
  }
  for (const c of live.def.devices.consoles) {
    const serial = live.def.devices.serials.find((s) => s.alias === c.alias);
    if (serial && c.type === 'pty') c.source.path = serial.source.path;
  }
}

export interface StopOptions { emit?: boolean; graceful?: boolean }

const STOP_DETAIL: Record<number, number> = {
  [DomainShutoffReason.SHUTDOWN]: DomainEventStoppedDetail.SHUTDOWN,
  [DomainShutoffReason.DESTROYED]: DomainEventStoppedDetail.DESTROYED,
  [DomainShutoffReason.CRASHED]: DomainEventStoppedDetail.CRASHED,
  [DomainShutoffReason.SAVED]: DomainEventStoppedDetail.SAVED,
  [DomainShutoffReason.FAILED]: DomainEventStoppedDetail.FAILED,
  [DomainShutoffReason.UNKNOWN]: DomainEventStoppedDetail.FAILED,
};

/** Ask QEMU to exit (SIGTERM), insist (SIGKILL) after the grace period unless graceful. */
export async function qemuProcessKill(pid: number, graceMs: number, graceful: boolean): Promise<void> {
  if (!qemuAlive(pid)) return;
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const start = Date.now();
  const end = start + graceMs;
  while (Date.now() < end) {
    if (!qemuAlive(pid)) return;
    // QEMU usually exits within a few ms of SIGTERM: poll tightly at first, then back off.
    await new Promise((r) => setTimeout(r, Date.now() - start < 200 ? 2 : 20));
  }
  if (graceful) {
    throw virError(ERR, ErrorNumber.SYSTEM_ERROR, `Failed to terminate process ${pid} with SIGTERM: Device or resource busy`);
  }
  try { process.kill(pid, 'SIGKILL'); } catch { return; }
  const end2 = Date.now() + 5000;
  while (qemuAlive(pid) && Date.now() < end2) await new Promise((r) => setTimeout(r, 20));
}

/** qemuProcessStop: QEMU gone, everything it held released, state shut off. */
export async function qemuProcessStop(drv: QemuDriverState, obj: DomainObj, reason: number, opts: StopOptions = {}): Promise<void> {
  const live = obj.live;
  if (!live) return;
  live.beingDestroyed = true;
  await qemuProcessKill(live.pid, drv.config.shutdownGraceMs, opts.graceful ?? false);
  live.monitor?.close();
  for (const p of live.vncPorts) drv.releaseVncPort(p);
  for (const w of live.unplugWaiters.values()) w();
  await Promise.all(Object.values(live.taps).map((t) => qemuInterfaceRelease(t, drv.config.tapHooks, drv.config.netns)));
  for (const f of [statusFile(drv, obj.name), pidFilePath(drv, obj.name), live.monitorPath]) fs.rmSync(f, { force: true });
  obj.live = null;
  obj.id = -1;
  obj.state = DomainState.SHUTOFF;
  obj.reason = reason;
  const ref = obj.ref();
  if (obj.newDef) { obj.def = obj.newDef; obj.newDef = null; }
  if (!obj.persistent) { drv.domains.delete(obj.uuid); obj.removed = true; }
  if (opts.emit !== false) {
    drv.events.emit(DomainEventID.LIFECYCLE, { dom: { ...ref, id: -1 }, event: DomainEventType.STOPPED, detail: STOP_DETAIL[reason] ?? DomainEventStoppedDetail.FAILED });
  }
}

/** The status file: enough to re-attach after a daemon restart. Never fatal to the guest. */
export function writeStatus(drv: QemuDriverState, obj: DomainObj): void {
  const live = obj.live;
  if (!live) return;
  const status = {
    id: obj.id, pid: live.pid, monitorPath: live.monitorPath, state: obj.state, reason: obj.reason,
    vncPorts: live.vncPorts, persistent: obj.persistent, startTime: live.startTime,
    liveXml: formatDomainXml(live.def, { id: obj.id, secure: true }),
    aliases: recordAliases(live.def), diskNodes: live.diskNodes, nodeIndex: live.nodeIndex, taps: live.taps, taint: live.taint,
    volumes: qemuVolumeSources(live.def),
  };
  try {
    // runtime state: atomic, not fsync'd (see AtomicWriteOptions.durable)
    writeFileAtomicSync(statusFile(drv, obj.name), JSON.stringify(status, null, 1) + '\n', { durable: false });
  } catch (e) {
    process.emitWarning(`cannot record status of domain '${obj.name}': ${(e as Error).message}`);
  }
}

export interface StatusRecord {
  id: number; pid: number; monitorPath: string; state: number; reason: number; vncPorts: number[];
  persistent: boolean; startTime: number; liveXml: string;
  /** Device aliases in definition order (the parser reads only user aliases back). */
  aliases?: Record<string, (string | null)[]>;
  diskNodes?: Record<string, { storage: string; format: string }>;
  nodeIndex?: number;
  taps?: Record<string, TapRecord>;
  taint?: string[];
  /** Paths behind the disks of type='volume' (the status XML names only pool and volume). */
  volumes?: VolumeSources;
}

type DeviceLists = Omit<DomainDef['devices'], 'emulator' | 'memballoon' | 'graphics'>;
const ALIASED: (keyof DeviceLists)[] = ['disks', 'controllers', 'interfaces', 'serials', 'parallels', 'consoles', 'channels',
  'inputs', 'sounds', 'videos', 'hostdevs', 'watchdogs', 'rngs', 'panics'];

function recordAliases(def: DomainDef): Record<string, (string | null)[]> {
  const out: Record<string, (string | null)[]> = {};
  for (const k of ALIASED) out[k] = (def.devices[k] as { alias?: string }[]).map((d) => d.alias ?? null);
  out['memballoon'] = [def.devices.memballoon?.alias ?? null];
  return out;
}

/** Put recorded aliases back; lists whose length changed keep the computed ones. */
function restoreAliases(def: DomainDef, rec: Record<string, (string | null)[]>): void {
  for (const k of ALIASED) {
    const list = def.devices[k] as { alias?: string }[];
    const names = rec[k];
    if (!names || names.length !== list.length) continue;
    list.forEach((d, i) => { if (names[i]) d.alias = names[i]!; });
  }
  if (def.devices.memballoon && rec['memballoon']?.[0]) def.devices.memballoon.alias = rec['memballoon'][0];
}

export function readStatus(file: string): StatusRecord | null {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) as StatusRecord; } catch { return null; }
}

/**
 * qemuProcessReconnect: a QEMU listed in a status file is still ours if the pid lives, runs our
 * guest and answers on its monitor. Otherwise the domain is reported shut off (crashed) and the
 * leftovers are removed.
 */
export async function qemuProcessReconnect(drv: QemuDriverState, obj: DomainObj, st: StatusRecord): Promise<void> {
  const def = parseDomainXml(st.liveXml);
  // The parser does not read <alias> (status XML only); aliases are a pure function of the
  // addressed definition, so assigning them again gives the same names QEMU knows.
  qemuAssignAliases(def);
  if (st.aliases) restoreAliases(def, st.aliases);
  qemuRestoreVolumeSources(def, st.volumes);
  const live: LiveDomain = {
    pid: st.pid, monitorPath: st.monitorPath, monitor: null, def, vncPorts: st.vncPorts, beingDestroyed: false,
    gotShutdown: false, fakeReboot: false, expectStop: 0, expectResume: 0, startTime: st.startTime,
    diskNodes: st.diskNodes ?? diskNodesOf(def),
    nodeIndex: st.nodeIndex ?? def.devices.disks.length + 1, taps: st.taps ?? {}, unplugWaiters: new Map(), taint: st.taint ?? [],
  };
  obj.live = live;
  obj.id = st.id;
  drv.noteId(st.id);
  for (const p of st.vncPorts) drv.reserveVncPort(p);
  const ours = qemuAlive(st.pid) && (() => {
    try { return fs.readFileSync(`/proc/${st.pid}/cmdline`, 'utf8').split('\0').includes(`guest=${def.name},debug-threads=on`); } catch { return false; }
  })();
  try {
    if (!ours) throw new Error('process is gone');
    live.monitor = await QemuMonitor.connect(st.monitorPath, { name: def.name, timeout: 5000, isAlive: () => qemuAlive(st.pid) });
    attachMonitor(drv, obj, live);
    const s = await live.monitor.execute<{ status: string; running: boolean }>('query-status');
    if (s.running) { obj.state = DomainState.RUNNING; obj.reason = st.state === DomainState.RUNNING ? st.reason : DomainRunningReason.UNPAUSED; }
    else if (s.status === 'shutdown' || s.status === 'guest-panicked') {
      // It stopped while nobody watched: apply what the event would have done.
      obj.state = st.state; obj.reason = st.reason;
      await qemuProcessStop(drv, obj, s.status === 'shutdown' ? DomainShutoffReason.SHUTDOWN : DomainShutoffReason.CRASHED);
      return;
    } else { obj.state = DomainState.PAUSED; obj.reason = st.state === DomainState.PAUSED ? st.reason : DomainPausedReason.UNKNOWN; }
    writeStatus(drv, obj);
  } catch {
    live.beingDestroyed = true;
    await qemuProcessStop(drv, obj, DomainShutoffReason.CRASHED);
  }
}

function attachMonitor(drv: QemuDriverState, obj: DomainObj, live: LiveDomain): void {
  const mon = live.monitor!;
  mon.on('event', (ev) => { void handleEvent(drv, obj, live, ev).catch((e) => process.emitWarning(`qemu event ${ev.event} for '${obj.name}': ${(e as Error).message}`)); });
  mon.on('close', () => {
    if (obj.live !== live || live.beingDestroyed) return;
    // QEMU went away on its own: after a SHUTDOWN it is a normal exit, otherwise a crash.
    const reason = live.gotShutdown ? DomainShutoffReason.SHUTDOWN : DomainShutoffReason.CRASHED;
    void qemuProcessStop(drv, obj, reason).catch(() => undefined);
  });
}

async function handleEvent(drv: QemuDriverState, obj: DomainObj, live: LiveDomain, ev: QmpEvent): Promise<void> {
  if (obj.live !== live || live.beingDestroyed) return;
  const mon = live.monitor!;
  switch (ev.event) {
    case 'SHUTDOWN': {
      const guest = ev.data['guest'] === true;
      const why = String(ev.data['reason'] ?? '');
      if (live.fakeReboot) {
        // virDomainReboot through ACPI: the guest shut down, we turn it into a reset.
        live.fakeReboot = false;
        await mon.execute('system_reset');
        live.expectResume++;
        await mon.execute('cont');
        obj.state = DomainState.RUNNING; obj.reason = DomainRunningReason.BOOTED;
        writeStatus(drv, obj);
        drv.emit(obj, DomainEventID.REBOOT);
        return;
      }
      live.gotShutdown = true;
      obj.state = DomainState.SHUTDOWN;
      obj.reason = DomainShutdownReason.USER;
      drv.emitLifecycle(obj, DomainEventType.SHUTDOWN, guest ? DomainEventShutdownDetail.GUEST : DomainEventShutdownDetail.HOST);
      // -no-reboot turns a guest reboot into SHUTDOWN(guest-reset): that is on_reboot=destroy.
      const action = why === 'guest-reset' ? obj.def.onReboot : obj.def.onPoweroff;
      if (action === 'restart' || action === 'rename-restart') {
        await mon.execute('system_reset');
        live.gotShutdown = false;
        live.expectResume++;
        await mon.execute('cont');
        obj.state = DomainState.RUNNING; obj.reason = DomainRunningReason.BOOTED;
        writeStatus(drv, obj);
        return;
      }
      if (action === 'preserve') { writeStatus(drv, obj); return; }
      await obj.withJob('qemuProcessShutdownOrReboot', drv.config.jobWaitMs, () => qemuProcessStop(drv, obj, DomainShutoffReason.SHUTDOWN));
      return;
    }
    case 'STOP':
      if (live.gotShutdown) return;
      if (live.expectStop > 0) { live.expectStop--; return; }
      obj.state = DomainState.PAUSED; obj.reason = DomainPausedReason.UNKNOWN;
      writeStatus(drv, obj);
      drv.emitLifecycle(obj, DomainEventType.SUSPENDED, DomainEventSuspendedDetail.PAUSED);
      return;
    case 'RESUME':
      if (live.expectResume > 0) { live.expectResume--; return; }
      obj.state = DomainState.RUNNING; obj.reason = DomainRunningReason.UNPAUSED;
      writeStatus(drv, obj);
      drv.emitLifecycle(obj, DomainEventType.RESUMED, DomainEventResumedDetail.UNPAUSED);
      return;
    case 'RESET':
      drv.emit(obj, DomainEventID.REBOOT);
      return;
    case 'GUEST_PANICKED': {
      obj.state = DomainState.CRASHED; obj.reason = DomainCrashedReason.PANICKED;
      drv.emitLifecycle(obj, DomainEventType.CRASHED, DomainEventCrashedDetail.PANICKED);
      const action = obj.def.onCrash;
      if (action === 'destroy' || action === 'coredump-destroy') {
        await obj.withJob('qemuProcessGuestPanic', drv.config.jobWaitMs, () => qemuProcessStop(drv, obj, DomainShutoffReason.CRASHED));
      } else if (action === 'restart' || action === 'coredump-restart') {
        await mon.execute('system_reset');
        live.expectResume++;
        await mon.execute('cont');
        obj.state = DomainState.RUNNING; obj.reason = DomainRunningReason.CRASHED;
      }
      writeStatus(drv, obj);
      return;
    }
    case 'BALLOON_CHANGE': {
      const actual = Math.floor(Number(ev.data['actual'] ?? 0) / 1024);
      if (actual > 0 && actual !== live.def.currentMemory) {
        live.def.currentMemory = actual;
        writeStatus(drv, obj);
        drv.emit(obj, DomainEventID.BALLOON_CHANGE, { actual });
      }
      return;
    }
    case 'BLOCK_WRITE_THRESHOLD': {
      const payload = blockThresholdEvent(live, ev.data);
      if (payload) drv.emit(obj, DomainEventID.BLOCK_THRESHOLD, payload);
      return;
    }
    // qemuProcessHandlePMSuspend / qemuProcessHandlePMWakeup: the guest's own S3 sleep
    case 'SUSPEND':
      obj.state = DomainState.PMSUSPENDED; obj.reason = DomainPMSuspendedReason.UNKNOWN;
      writeStatus(drv, obj);
      drv.emitLifecycle(obj, DomainEventType.PMSUSPENDED, DomainEventPMSuspendedDetail.MEMORY);
      drv.emit(obj, DomainEventID.PMSUSPEND, { reason: 0 });
      return;
    case 'WAKEUP':
      if (obj.state === DomainState.PMSUSPENDED) {
        obj.state = DomainState.RUNNING; obj.reason = DomainRunningReason.WAKEUP;
        writeStatus(drv, obj);
        drv.emitLifecycle(obj, DomainEventType.STARTED, DomainEventStartedDetail.WAKEUP);
      }
      drv.emit(obj, DomainEventID.PMWAKEUP, { reason: 0 });
      return;
    case 'DEVICE_DELETED': {
      const alias = ev.data['device'];
      if (typeof alias === 'string') await qemuDomainRemoveDevice(drv, obj, live, alias);
      return;
    }
    default:
      return;
  }
}
