// The storage driver's state: pool objects, their persistent config and run state on disk,
// start-up (reload, re-attach, autostart), events and the pool lifecycle.
// libvirt counterpart: src/storage/storage_driver.c (storageStateInitialize, storagePool*).
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { type StoragePoolDef, formatStoragePoolXml, parseStoragePoolXml, sanitizePath } from '../../conf/storage_pool.js';
import type { PoolEventPayload, PoolRef } from '../driver.js';
import { EventBus } from '../events.js';
import { ErrorDomain, ErrorNumber, checkFlags, virError } from '../../util/error.js';
import { writeFileAtomic } from '../../util/atomic_file.js';
import { logger } from '../../util/log.js';
import { PoolList, PoolObj, storErr, sysErr } from './pool.js';
import { BUILD_NO_OVERWRITE, BUILD_OVERWRITE, type StorageBackend, hostCanMount, storageBackendFor } from './backend_fs.js';
import { Mutex } from '../../util/mutex.js';

const D = ErrorDomain.STORAGE;
const log = logger.child('storage');

export enum PoolEventType { DEFINED = 0, UNDEFINED = 1, STARTED = 2, STOPPED = 3, CREATED = 4, DELETED = 5 }
export const POOL_EVENT_LIFECYCLE = 0;
export const POOL_EVENT_REFRESH = 1;

export const PoolBuildFlags = { NEW: 0, REPAIR: 1, RESIZE: 2, NO_OVERWRITE: 4, OVERWRITE: 8 } as const;
export const PoolCreateFlags = { WITH_BUILD: 1, WITH_BUILD_OVERWRITE: 2, WITH_BUILD_NO_OVERWRITE: 4 } as const;


export interface StorageDriverOptions {
  /** Everything lives under this root (default "/"): etc/tsvirt/storage, run/tsvirt/storage. */
  root?: string;
  /** Start autostart pools during init (default true). */
  autostart?: boolean;
  /**
   * Serve fs and netfs pools (they need mount, so root). Default: whether this host can mount;
   * false refuses them at define as a host without mount would.
   */
  mountPools?: boolean;
}

/** Answers "which running guest uses this file?" (set by the QEMU driver); null = nobody. */
export type VolumeInUseCheck = (volPath: string) => string | null;

export class StorageDriver {
  readonly root: string;
  readonly configDir: string;
  readonly autostartDir: string;
  readonly stateDir: string;
  readonly pools = new PoolList();
  readonly events = new EventBus<PoolEventPayload>((p) => p.pool.uuid);
  private readonly locks = new WeakMap<PoolObj, Mutex>();
  inUseCheck: VolumeInUseCheck | null = null;
  /** Pool types this host serves; the rest parse but are refused. */
  readonly supportedTypes: ReadonlySet<string>;

  constructor(opts: StorageDriverOptions = {}) {
    this.supportedTypes = new Set(opts.mountPools ?? hostCanMount() ? ['dir', 'fs', 'netfs'] : ['dir']);
    this.root = path.resolve(opts.root ?? '/');
    this.configDir = path.join(this.root, 'etc', 'tsvirt', 'storage');
    this.autostartDir = path.join(this.configDir, 'autostart');
    this.stateDir = path.join(this.root, 'run', 'tsvirt', 'storage');
  }

  lock<T>(o: PoolObj, fn: () => Promise<T>): Promise<T> {
    let m = this.locks.get(o);
    if (!m) { m = new Mutex(); this.locks.set(o, m); }
    return m.run(fn);
  }

  // ------------------------------------------------------------ start-up

  /** storageStateInitialize: load configs, re-attach pools that were active, autostart. */
  async init(opts: { autostart?: boolean } = {}): Promise<void> {
    await fsp.mkdir(this.configDir, { recursive: true });
    await fsp.mkdir(this.stateDir, { recursive: true });
    for (const f of await xmlFiles(this.configDir)) {
      const def = await loadDef(path.join(this.configDir, f));
      if (!def) continue;
      if (`${def.name}.xml` !== f) { log.warn('pool config name does not match its file; skipped', { file: f, name: def.name }); continue; }
      if (this.pools.findByName(def.name)) continue;
      const o = this.pools.add(def);
      o.configFile = path.join(this.configDir, f);
      o.autostart = fs.existsSync(this.autostartLink(def.name));
    }
    for (const f of await xmlFiles(this.stateDir)) {
      const stateFile = path.join(this.stateDir, f);
      const def = await loadDef(stateFile);
      if (!def) continue;
      let o = this.pools.findByName(def.name);
      if (!o) { o = this.pools.add(def); }
      else if (o.def.uuid === def.uuid) { o.newDef = o.def; o.def = def; }
      // storagePoolUpdateState: still there (mounted) -> active again, without a second mount
      const backend = this.supportedTypes.has(def.type) ? storageBackendFor(def.type) : null;
      if (backend && await backend.check(def).catch(() => false)) {
        try {
          await backend.refresh(o);
          o.active = true;
          continue;
        } catch (e) {
          log.warn(`Failed to restart storage pool '${def.name}': ${(e as Error).message}`);
          await backend.stop?.(def).catch((e2) => log.warn(`Failed to stop storage pool '${def.name}': ${(e2 as Error).message}`));
        }
      }
      await fsp.unlink(stateFile).catch(() => undefined);
      if (o.newDef) { o.def = o.newDef; o.newDef = null; }
      if (!o.persistent) this.pools.remove(o);
    }
    if (opts.autostart ?? true) {
      for (const o of [...this.pools.values()]) {
        if (!o.autostart || o.active) continue;
        try { await this.lock(o, () => this.startPool(o, 0)); } catch (e) {
          log.error(`Failed to autostart storage pool '${o.def.name}': ${(e as Error).message}`);
        }
      }
    }
  }

  autostartLink(name: string): string { return path.join(this.autostartDir, `${name}.xml`); }
  private stateFile(name: string): string { return path.join(this.stateDir, `${name}.xml`); }

  // ------------------------------------------------------------ lookups (libvirt's wording)

  byName(name: string): PoolObj {
    const o = this.pools.findByName(name);
    if (!o) throw storErr(ErrorNumber.NO_STORAGE_POOL, `no storage pool with matching name '${name}'`);
    return o;
  }
  byUuid(uuid: string): PoolObj {
    const o = this.pools.findByUuid(uuid);
    if (!o) throw storErr(ErrorNumber.NO_STORAGE_POOL, `no storage pool with matching uuid '${uuid}'`);
    return o;
  }
  /** storagePoolObjFromStoragePool: the object behind a pool handle. */
  fromRef(ref: PoolRef): PoolObj {
    const o = this.pools.findByUuid(ref.uuid);
    if (!o) throw storErr(ErrorNumber.NO_STORAGE_POOL, `no storage pool with matching uuid '${ref.uuid}' (${ref.name})`);
    return o;
  }
  byTargetPath(p: string): PoolObj {
    const want = sanitizePath(p);
    for (const o of this.pools.values()) if (o.active && o.def.target?.path === want) return o;
    throw storErr(ErrorNumber.NO_STORAGE_POOL, `no storage pool with matching target path '${p}'`);
  }
  requireActive(o: PoolObj): void {
    if (!o.active) throw storErr(ErrorNumber.OPERATION_INVALID, `storage pool '${o.def.name}' is not active`);
  }
  private requireNoJobs(o: PoolObj): void {
    if (o.asyncJobs > 0) throw storErr(ErrorNumber.INTERNAL_ERROR, `pool '${o.def.name}' has asynchronous jobs running.`);
  }

  emitLifecycle(o: PoolObj, event: PoolEventType): void {
    this.events.emit(POOL_EVENT_LIFECYCLE, { pool: o.ref, event, detail: 0 });
  }

  // ------------------------------------------------------------ definitions

  private checkSupported(def: StoragePoolDef): void {
    if (!this.supportedTypes.has(def.type)) {
      throw virError(D, ErrorNumber.CONFIG_UNSUPPORTED,
        `storage pool type '${def.type}' is not supported on this host (supported: ${[...this.supportedTypes].join(', ')})`);
    }
  }

  /** The backend of a supported pool type (checkSupported first). */
  private backend(def: StoragePoolDef): StorageBackend {
    this.checkSupported(def);
    return storageBackendFor(def.type)!;
  }

  private async saveConfig(def: StoragePoolDef): Promise<string> {
    const file = path.join(this.configDir, `${def.name}.xml`);
    await fsp.mkdir(this.configDir, { recursive: true });
    // persistent XML carries no sizes: they are run-time facts
    await writeFileAtomic(file, formatStoragePoolXml({ ...def, capacity: 0, allocation: 0, available: 0 }), { mode: 0o600 });
    return file;
  }

  async define(xml: string, flags: number): Promise<PoolObj> {
    checkFlags(D, flags, 1 /* VALIDATE */, 'storagePoolDefineXML');
    const def = parseStoragePoolXml(xml);
    this.checkSupported(def);
    const existing = this.pools.check(def);
    const file = await this.saveConfig(def).catch((e) => sysErr(`cannot write config file for pool '${def.name}'`, e));
    let o: PoolObj;
    if (existing) {
      o = existing;
      if (o.active) o.newDef = def; else o.def = def;
    } else o = this.pools.add(def);
    o.configFile = file;
    log.info(`Defining storage pool '${def.name}'`);
    this.emitLifecycle(o, PoolEventType.DEFINED);
    return o;
  }

  async undefine(o: PoolObj): Promise<void> {
    if (o.active) throw storErr(ErrorNumber.OPERATION_INVALID, `storage pool '${o.def.name}' is still active`);
    this.requireNoJobs(o);
    if (!o.configFile) throw storErr(ErrorNumber.INTERNAL_ERROR, `no config file for ${o.def.name}`);
    await fsp.unlink(o.configFile).catch((e) => { if (e.code !== 'ENOENT') sysErr(`cannot remove config ${o.configFile}`, e); });
    await fsp.unlink(this.autostartLink(o.def.name)).catch(() => undefined);
    o.configFile = null;
    o.autostart = false;
    this.pools.remove(o);
    log.info(`Undefining storage pool '${o.def.name}'`);
    this.emitLifecycle(o, PoolEventType.UNDEFINED);
  }

  /** storagePoolCreateXML: a transient pool, started at once; gone when destroyed. */
  async createTransient(xml: string, flags: number): Promise<PoolObj> {
    checkFlags(D, flags, 7, 'storagePoolCreateXML');
    exclusiveBuildFlags(flags);
    const def = parseStoragePoolXml(xml);
    this.checkSupported(def);
    const existing = this.pools.check(def, { checkActive: true });
    if (existing) throw storErr(ErrorNumber.OPERATION_INVALID, `storage pool '${def.name}' is already defined`);
    const o = this.pools.add(def);
    try {
      await this.lock(o, () => this.startPool(o, flags));
    } catch (e) {
      this.pools.remove(o);
      throw e;
    }
    return o;
  }

  // ------------------------------------------------------------ lifecycle (call under the pool lock)

  /** Build on request, start (mount), refresh, record the run state, mark active. */
  async startPool(o: PoolObj, createFlags: number): Promise<void> {
    if (o.active) throw storErr(ErrorNumber.OPERATION_INVALID, `storage pool '${o.def.name}' is already active`);
    const backend = this.backend(o.def);
    if (createFlags & (PoolCreateFlags.WITH_BUILD | PoolCreateFlags.WITH_BUILD_OVERWRITE | PoolCreateFlags.WITH_BUILD_NO_OVERWRITE)) {
      const buildFlags = (createFlags & PoolCreateFlags.WITH_BUILD_OVERWRITE ? BUILD_OVERWRITE : 0)
        | (createFlags & PoolCreateFlags.WITH_BUILD_NO_OVERWRITE ? BUILD_NO_OVERWRITE : 0);
      await backend.build(o.def, buildFlags);
    }
    log.info(`Starting up storage pool '${o.def.name}'`);
    await backend.start?.(o.def);
    o.vols.clear();
    const stateFile = this.stateFile(o.def.name);
    try {
      await backend.refresh(o);
      await writeFileAtomic(stateFile, formatStoragePoolXml(o.def), { mode: 0o600 })
        .catch((e) => sysErr(`cannot write state file for pool '${o.def.name}'`, e));
    } catch (e) {
      // undo the start: nothing stays mounted for a pool that is not active
      o.vols.clear();
      await fsp.unlink(stateFile).catch(() => undefined);
      await backend.stop?.(o.def).catch((e2) => log.error(`Failed to stop storage pool '${o.def.name}': ${(e2 as Error).message}`));
      throw e;
    }
    o.active = true;
    this.emitLifecycle(o, PoolEventType.STARTED);
  }

  async destroyPool(o: PoolObj): Promise<void> {
    this.requireActive(o);
    this.requireNoJobs(o);
    const busy = [...o.vols.values()].find((v) => v.streams > 0);
    if (busy) throw storErr(ErrorNumber.OPERATION_INVALID, `volume '${busy.def.name}' is still in use.`);
    log.info(`Destroying storage pool '${o.def.name}'`);
    // a busy mount stays mounted and the pool stays active, as libvirt
    await storageBackendFor(o.def.type)?.stop?.(o.def);
    await fsp.unlink(this.stateFile(o.def.name)).catch(() => undefined);
    o.vols.clear();
    o.active = false;
    this.emitLifecycle(o, PoolEventType.STOPPED);
    if (!o.persistent) this.pools.remove(o);
    else if (o.newDef) { o.def = o.newDef; o.newDef = null; }
  }

  async buildPool(o: PoolObj, flags: number): Promise<void> {
    checkFlags(D, flags, PoolBuildFlags.OVERWRITE | PoolBuildFlags.NO_OVERWRITE, 'storagePoolBuild');
    if ((flags & PoolBuildFlags.OVERWRITE) && (flags & PoolBuildFlags.NO_OVERWRITE)) {
      throw virError(D, ErrorNumber.INVALID_ARG, "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive");
    }
    if (o.active) throw storErr(ErrorNumber.OPERATION_INVALID, `storage pool '${o.def.name}' is already active`);
    await this.backend(o.def).build(o.def, flags);
    this.emitLifecycle(o, PoolEventType.CREATED);
  }

  async deletePool(o: PoolObj, flags: number): Promise<void> {
    checkFlags(D, flags, 0, 'storagePoolDelete');
    if (o.active) throw storErr(ErrorNumber.OPERATION_INVALID, `storage pool '${o.def.name}' is still active`);
    this.requireNoJobs(o);
    log.info(`Deleting storage pool '${o.def.name}'`);
    await this.backend(o.def).delete(o.def);
    this.emitLifecycle(o, PoolEventType.DELETED);
  }

  /** storagePoolRefresh: a pool whose directory vanished is stopped, as libvirt does. */
  async refreshPool(o: PoolObj): Promise<void> {
    this.requireActive(o);
    this.requireNoJobs(o);
    const backend = this.backend(o.def);
    try {
      await backend.refresh(o);
    } catch (e) {
      await backend.stop?.(o.def).catch(() => undefined);
      await fsp.unlink(this.stateFile(o.def.name)).catch(() => undefined);
      o.vols.clear();
      o.active = false;
      this.emitLifecycle(o, PoolEventType.STOPPED);
      if (!o.persistent) this.pools.remove(o);
      throw e;
    }
    this.events.emit(POOL_EVENT_REFRESH, { pool: o.ref });
  }

  async setAutostart(o: PoolObj, on: boolean): Promise<void> {
    if (!o.configFile) throw storErr(ErrorNumber.INTERNAL_ERROR, 'pool has no config file');
    if (o.autostart === on) return;
    const link = this.autostartLink(o.def.name);
    if (on) {
      await fsp.mkdir(this.autostartDir, { recursive: true }).catch((e) => sysErr(`cannot create autostart directory ${this.autostartDir}`, e));
      await fsp.symlink(o.configFile, link).catch((e) => sysErr(`Failed to create symlink '${link}' to '${o.configFile}'`, e));
    } else {
      await fsp.unlink(link).catch((e) => { if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') sysErr(`Failed to delete symlink '${link}'`, e); });
    }
    o.autostart = on;
  }
}

function exclusiveBuildFlags(flags: number): void {
  if ((flags & PoolCreateFlags.WITH_BUILD_OVERWRITE) && (flags & PoolCreateFlags.WITH_BUILD_NO_OVERWRITE)) {
    throw virError(D, ErrorNumber.INVALID_ARG,
      "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive");
  }
}
export { exclusiveBuildFlags };

async function xmlFiles(dir: string): Promise<string[]> {
  try { return (await fsp.readdir(dir)).filter((f) => f.endsWith('.xml') && !f.startsWith('.')).sort(); } catch { return []; }
}

async function loadDef(file: string): Promise<StoragePoolDef | null> {
  try {
    return parseStoragePoolXml(await fsp.readFile(file, 'utf8'));
  } catch (e) {
    log.error('cannot load storage pool config', { file, error: (e as Error).message });
    return null;
  }
}
