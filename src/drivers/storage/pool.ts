// Storage pool objects, the pool list, and the directory backend's pool-level work (build,
// refresh, delete) and per-volume refresh. libvirt counterparts: src/conf/virstorageobj.c,
// src/storage/storage_backend_fs.c and storage_util.c (virStorageBackendRefreshLocal).
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { StoragePoolDef } from '../../conf/storage_pool.js';
import type { StorageVolDef } from '../../conf/storage_vol.js';
import type { PoolRef, VolRef } from '../driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../../util/error.js';
import { runCommand } from '../../util/command.js';
import { probeFile } from './probe.js';
import { PoolObjList } from '../../conf/storage_pool_obj.js';

const D = ErrorDomain.STORAGE;
export const storErr = (code: ErrorNumber, detail: string) => virError(D, code, detail);
/** libvirt's virReportSystemError: "<what>: <strerror>" as VIR_ERR_SYSTEM_ERROR. */
export function sysErr(what: string, e: unknown): never {
  throw virError(D, ErrorNumber.SYSTEM_ERROR, `${what}: ${strerror(e)}`);
}
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const map: Record<string, string> = {
    ENOENT: 'No such file or directory', ENOTDIR: 'Not a directory', EEXIST: 'File exists',
    ENOTEMPTY: 'Directory not empty', EACCES: 'Permission denied', EPERM: 'Operation not permitted',
    EISDIR: 'Is a directory', ENOSPC: 'No space left on device', EBUSY: 'Device or resource busy',
  };
  return (code && map[code]) || (e as Error)?.message || String(e);
}

/** VIR_STORAGE_VOL_* types as numbers (virStorageVolInfo.type). */
export const VolType = { FILE: 0, BLOCK: 1, DIR: 2 } as const;

export interface VolObj {
  def: StorageVolDef;
  /** being created or cloned: may not be deleted or used as a clone source */
  building: boolean;
  /** open upload/download streams */
  streams: number;
}

export class PoolObj {
  /** the definition to apply at the next stop (a re-define while active) */
  newDef: StoragePoolDef | null = null;
  active = false;
  autostart = false;
  /** path of the persistent config, or null for a transient pool (libvirt's configFile) */
  configFile: string | null = null;
  readonly vols = new Map<string, VolObj>();
  /** names reserved by creations in progress */
  readonly reserved = new Set<string>();
  /** async jobs (volume builds) in flight: block destroy/undefine/refresh as libvirt */
  asyncJobs = 0;
  constructor(public def: StoragePoolDef) {}
  get ref(): PoolRef { return { name: this.def.name, uuid: this.def.uuid }; }
  get persistent(): boolean { return this.configFile !== null; }
  volRef(v: VolObj): VolRef { return { pool: this.def.name, name: v.def.name, key: v.def.key ?? '' }; }
}


/** The storage driver's pools (the shared bookkeeping of conf/storage_pool_obj.ts). */
export class PoolList extends PoolObjList<PoolObj> {
  constructor() { super((def) => new PoolObj(def)); }
}


// ---------------------------------------------------------------- directory backend

/** libvirt's VIR_STORAGE_DEFAULT_POOL_PERM_MODE */
export const DEFAULT_POOL_MODE = 0o711;
/** libvirt's VIR_STORAGE_DEFAULT_VOL_PERM_MODE */
export const DEFAULT_VOL_MODE = 0o600;

/** virStorageBackendFileSystemBuild for dir pools: make the target directory and set its perms. */
export async function dirPoolBuild(def: StoragePoolDef): Promise<void> {
  const target = def.target!.path;
  try {
    const st = await fsp.stat(target).catch(() => null);
    if (st && !st.isDirectory()) {
      const e = new Error('Not a directory') as NodeJS.ErrnoException; e.code = 'ENOTDIR'; throw e;
    }
    await fsp.mkdir(target, { recursive: true });
  } catch (e) {
    sysErr(`cannot create path '${target}'`, e);
  }
  const perms = def.target!.permissions;
  try {
    await fsp.chmod(target, perms?.mode ?? DEFAULT_POOL_MODE);
    if (perms?.uid !== undefined || perms?.gid !== undefined) await fsp.chown(target, perms.uid ?? -1, perms.gid ?? -1);
  } catch (e) {
    sysErr(`cannot set permissions on '${target}'`, e);
  }
}

/** virStorageBackendFileSystemDelete for dir pools: remove the (empty) target directory. */
export async function dirPoolDelete(def: StoragePoolDef): Promise<void> {
  try { await fsp.rmdir(def.target!.path); } catch (e) { sysErr(`failed to remove pool '${def.target!.path}'`, e); }
}

/** Is the target still there (virStorageBackendFileSystemCheck for dir pools)? */
export function dirPoolIsActive(def: StoragePoolDef): boolean {
  try { return fs.statSync(def.target!.path).isDirectory(); } catch { return false; }
}

/** Entries we never report as volumes: our own temporary files. */
function isInternalName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.new');
}

/**
 * virStorageBackendRefreshLocal: list the target directory and build a volume per regular file
 * or directory; pool sizes from statvfs. Files that vanish or cannot be read are skipped, as
 * libvirt does.
 */
export async function dirPoolRefresh(o: PoolObj): Promise<void> {
  const dir = o.def.target!.path;
  let names: string[];
  try {
    const st = await fsp.stat(dir);
    if (!st.isDirectory()) { const e = new Error('Not a directory') as NodeJS.ErrnoException; e.code = 'ENOTDIR'; throw e; }
    names = await fsp.readdir(dir);
    // as libvirt, the live XML shows the target directory's actual ownership and mode
    o.def.target!.permissions = { ...o.def.target!.permissions, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch (e) {
    sysErr(`cannot open directory '${dir}'`, e);
  }
  const fresh = new Map<string, VolObj>();
  // Bounded concurrency: enough to overlap the stat/open/read syscalls without exhausting fds.
  const queue = names.filter((n) => !isInternalName(n));
  const workers = Array.from({ length: Math.min(32, queue.length) }, async () => {
    for (let n = queue.pop(); n !== undefined; n = queue.pop()) {
      const prev = o.vols.get(n);
      if (prev?.building) { fresh.set(n, prev); continue; }
      const def = await volFromFile(path.join(dir, n), n).catch(() => null);
      if (!def) continue;
      fresh.set(n, prev ? Object.assign(prev, { def }) : { def, building: false, streams: 0 });
    }
  });
  await Promise.all(workers);
  // volumes being created keep their reservation even if their file is not there yet
  for (const [n, v] of o.vols) if (v.building && !fresh.has(n)) fresh.set(n, v);
  o.vols.clear();
  for (const n of [...fresh.keys()].sort()) o.vols.set(n, fresh.get(n)!);
  await updatePoolSizes(o.def);
}

export async function updatePoolSizes(def: StoragePoolDef): Promise<void> {
  try {
    const s = await fsp.statfs(def.target!.path);
    def.capacity = s.blocks * s.bsize;
    def.available = s.bavail * s.bsize;
    def.allocation = (s.blocks - s.bfree) * s.bsize;
  } catch (e) {
    sysErr(`cannot statvfs path '${def.target!.path}'`, e);
  }
}

function timestamp(ns: bigint): string {
  const sec = ns / 1000000000n;
  const frac = ns % 1000000000n;
  return frac === 0n ? `${sec}` : `${sec}.${frac.toString().padStart(9, '0')}`;
}

/** Sizes of a non-qcow format we do not decode ourselves: ask qemu-img once. */
async function qemuImgVirtualSize(file: string, format: string): Promise<number | undefined> {
  const r = await runCommand({ argv: ['qemu-img', 'info', '-U', '-f', format, '--output=json', file], timeoutMs: 10000 });
  if (r.code !== 0) return undefined;
  try { return (JSON.parse(r.stdout) as { 'virtual-size'?: number })['virtual-size']; } catch { return undefined; }
}

/**
 * Build a volume definition from what is on disk (virStorageBackendRefreshVolTargetUpdate):
 * capacity = virtual size (raw: file size), allocation = blocks used, physical = file size.
 * Returns null for things that are not volumes (FIFOs, sockets, devices).
 */
export async function volFromFile(file: string, name: string): Promise<StorageVolDef | null> {
  const st = await fsp.stat(file, { bigint: true });
  const def: StorageVolDef = { name, key: file, capacity: 0, allocation: Number(st.blocks * 512n), target: { path: file } };
  def.target.permissions = { mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid) };
  def.target.timestamps = { atime: timestamp(st.atimeNs), mtime: timestamp(st.mtimeNs), ctime: timestamp(st.ctimeNs) };
  if (st.isDirectory()) {
    def.type = 'dir';
    def.target.format = 'dir';
    def.capacity = Number(st.size);
    return def;
  }
  if (!st.isFile()) return null;
  def.type = 'file';
  const size = Number(st.size);
  def.physical = size;
  const probe = size > 0 ? await probeFile(file) : { format: 'raw' as string, capacity: 0 };
  def.target.format = probe.format;
  if (probe.format === 'raw') def.capacity = size;
  else def.capacity = probe.capacity ?? (await qemuImgVirtualSize(file, probe.format)) ?? size;
  if (probe.compat) def.target.compat = probe.compat;
  if (probe.clusterSize) def.target.clusterSize = probe.clusterSize;
  if (probe.features?.length) def.target.features = probe.features;
  if (probe.backing) {
    def.backingStore = { path: probe.backing };
    if (probe.backingFormat) def.backingStore.format = probe.backingFormat;
    else {
      const b = await probeFile(probe.backing).catch(() => null);
      if (b) def.backingStore.format = b.format;
    }
  }
  return def;
}
