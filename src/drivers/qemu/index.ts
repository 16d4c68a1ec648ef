// The QEMU driver module: register() for tsvirtd (qemu:///system and qemu:///session are served
// only inside the daemon; the library reaches them through the remote driver), and
// openQemuDriver() so tests can run the driver in-process on a temporary root.
// Driver start-up loads persistent definitions, re-attaches to QEMUs listed in status files and
// starts autostart domains (libvirt's qemuStateInitialize).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConnectURI, DriverConnection, OpenOptions } from '../driver.js';
import { registerDriver } from '../registry.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { DomainObj } from './domain_obj.js';
import { QemuConnection, autostartLink, managedSavePath, qemuParseDefinition } from './driver.js';
import { qemuProcessReconnect, qemuProcessStart, readStatus } from './process.js';
import { defaultConfig, QemuDriverState, type QemuDriverConfig } from './state.js';
import { parseDomainXml } from '../../conf/domain.js';
import { qemuDiskPaths } from './volume.js';

export { QemuConnection } from './driver.js';
export type { QemuDriverConfig } from './state.js';
export type { VolumeHooks } from './volume.js';

const drivers = new Map<string, Promise<QemuDriverState>>();
/** The initialised states (synchronous checks: volume in use, daemon idle). */
const ready = new Map<string, QemuDriverState>();

async function initDriver(config: QemuDriverConfig): Promise<QemuDriverState> {
  const drv = new QemuDriverState(config);
  // Persistent definitions.
  for (const f of fs.readdirSync(drv.paths.configDir).filter((x) => x.endsWith('.xml')).sort()) {
    const file = path.join(drv.paths.configDir, f);
    try {
      const def = await qemuParseDefinition(drv, fs.readFileSync(file, 'utf8'));
      const obj = new DomainObj(def);
      obj.persistent = true;
      obj.autostart = fs.existsSync(autostartLink(drv, def.name));
      obj.hasManagedSave = fs.existsSync(managedSavePath(drv, def.name));
      drv.domains.set(def.uuid, obj);
    } catch (e) {
      process.emitWarning(`cannot load domain config ${file}: ${(e as Error).message}`);
    }
  }
  // Running QEMUs from before a restart.
  for (const f of fs.readdirSync(drv.paths.runDir).filter((x) => x.endsWith('.status.json'))) {
    const st = readStatus(path.join(drv.paths.runDir, f));
    if (!st) continue;
    let obj: DomainObj | undefined;
    try {
      const def = parseDomainXml(st.liveXml);
      obj = drv.domains.get(def.uuid);
      if (!obj) {
        obj = new DomainObj(def);
        obj.persistent = false;
        drv.domains.set(def.uuid, obj);
      }
      await qemuProcessReconnect(drv, obj, st);
    } catch (e) {
      process.emitWarning(`cannot re-attach to domain from ${f}: ${(e as Error).message}`);
    }
  }
  if (config.autostart) {
    for (const obj of drv.domains.values()) {
      if (!obj.autostart || obj.active) continue;
      await obj.withJob('qemuAutostartDomain', config.jobWaitMs, () => qemuProcessStart(drv, obj)).catch((e) => {
        process.emitWarning(`Failed to autostart VM '${obj.name}': ${(e as Error).message}`);
      });
    }
  }
  return drv;
}

/** The shared driver state of a root (initialised once). */
export function qemuDriverFor(config: QemuDriverConfig): Promise<QemuDriverState> {
  const key = path.resolve(config.root);
  let p = drivers.get(key);
  if (!p) {
    p = initDriver(config);
    p.then((drv) => { if (drivers.get(key) === p) ready.set(key, drv); }, () => drivers.delete(key));
    drivers.set(key, p);
  }
  return p;
}

/**
 * Drop a root's driver state as a daemon exit would (tests of re-attach): monitors are closed,
 * running QEMUs are left alone and their status files kept.
 */
export async function qemuDriverForget(root: string): Promise<void> {
  const key = path.resolve(root);
  const p = drivers.get(key);
  drivers.delete(key);
  ready.delete(key);
  const drv = await p?.catch(() => null);
  for (const obj of drv?.domains.values() ?? []) {
    if (!obj.live) continue;
    obj.live.beingDestroyed = true; // not a crash: nobody is watching any more
    obj.live.monitor?.close();
  }
}

/** Open the QEMU driver in-process (tests, embedding): `openQemuDriver({ root: tmpdir })`. */
export async function openQemuDriver(over: Partial<QemuDriverConfig> = {}): Promise<QemuConnection> {
  const drv = await qemuDriverFor(defaultConfig(over));
  drv.refs++;
  return new QemuConnection(drv, drv.events.scope(), () => { drv.refs--; });
}

export function claims(uri: ConnectURI, ctx: { inDaemon: boolean }): boolean {
  return ctx.inDaemon && uri.scheme === 'qemu' && uri.transport === null && (uri.host === null || uri.host === '') &&
    (uri.path === '/system' || uri.path === '/session');
}

async function open(uri: ConnectURI, opts: OpenOptions): Promise<DriverConnection> {
  if ((opts.flags & ~1) !== 0) throw virError(ErrorDomain.QEMU, ErrorNumber.INVALID_ARG, `unsupported flags (0x${(opts.flags & ~1).toString(16)}) in function qemuConnectOpen`);
  const privileged = process.getuid?.() === 0;
  if (uri.path === '/system' && !privileged && !process.env['TSVIRT_ROOT']) {
    throw virError(ErrorDomain.QEMU, ErrorNumber.OPERATION_DENIED, 'qemu:///system requires root (use qemu:///session)');
  }
  return openQemuDriver({ uri: `qemu://${uri.path}`, autostart: true });
}

/**
 * The running guest that has `file` open as a disk, or null: the storage driver refuses to
 * delete or wipe such a volume.
 */
export function qemuDomainUsingPath(file: string): string | null {
  const want = path.resolve(file);
  for (const drv of ready.values()) {
    for (const obj of drv.domains.values()) {
      if (obj.live && qemuDiskPaths(obj.live.def).some((p) => path.resolve(p) === want)) return obj.name;
    }
  }
  return null;
}

/**
 * Running guests keep an idle daemon alive. Before the driver was first opened, the status
 * files a previous daemon left say which guests still run.
 */
function qemuActiveCount(): number {
  let n = 0;
  for (const drv of ready.values()) for (const obj of drv.domains.values()) if (obj.active) n++;
  if (ready.size > 0) return n;
  try {
    return fs.readdirSync(path.join(defaultConfig().root, 'run/tsvirt/qemu')).filter((f) => f.endsWith('.status.json')).length;
  } catch { return 0; }
}

/** Daemon exit: status files stay, monitors close, guests keep running (re-attached next time). */
async function qemuShutdown(): Promise<void> {
  for (const key of [...drivers.keys()]) await qemuDriverForget(key);
}

export function register(): void {
  registerDriver({ name: 'qemu', kind: 'hypervisor', claims, open, activeObjects: qemuActiveCount, shutdown: qemuShutdown });
  // The storage driver asks us before it deletes a volume (loaded without registering anything).
  void import('../storage/index.js').then((m) => m.setVolumeInUseCheck(qemuDomainUsingPath), () => undefined);
}
