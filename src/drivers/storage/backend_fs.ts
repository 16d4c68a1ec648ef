// The file-system backends: 'dir' (a directory), 'fs' (a block device holding a file system,
// mounted on the target) and 'netfs' (an NFS / CIFS / GlusterFS export, mounted on the target).
// All three serve volumes as files in the target directory (pool.ts); fs and netfs add mkfs on
// build, mount on start, umount on stop. libvirt counterparts: src/storage/storage_backend_fs.c
// and the mount/mkfs/blkid helpers of storage_util.c.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { StoragePoolDef } from '../../conf/storage_pool.js';
import { ErrorNumber } from '../../util/error.js';
import { quoteArg, runCommand } from '../../util/command.js';
import { logger } from '../../util/log.js';
import { type PoolObj, dirPoolBuild, dirPoolDelete, dirPoolIsActive, dirPoolRefresh, storErr, sysErr } from './pool.js';

const log = logger.child('storage');

/** VIR_STORAGE_POOL_BUILD_* as the backends see them. */
export const BUILD_NO_OVERWRITE = 4;
export const BUILD_OVERWRITE = 8;

/** One pool type's operations (libvirt's virStorageBackend table, the pool-level part). */
export interface StorageBackend {
  /** buildPool: make the target directory; fs pools may also make the file system. */
  build(def: StoragePoolDef, flags: number): Promise<void>;
  /** checkPool: after a daemon restart, is the pool's storage still in place? */
  check(def: StoragePoolDef): Promise<boolean>;
  /** startPool: bring the storage up (mount); absent for dir pools. */
  start?(def: StoragePoolDef): Promise<void>;
  /** stopPool: take it down again (umount); absent for dir pools. */
  stop?(def: StoragePoolDef): Promise<void>;
  refresh(o: PoolObj): Promise<void>;
  delete(def: StoragePoolDef): Promise<void>;
}

// ---------------------------------------------------------------- helper programs

/** Where the programs live: sbin first (mkfs, blkid), then bin (mount). */
const HELPER_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/** The absolute path of a helper program, as libvirt logs and reports it; null when missing. */
export function findProgram(name: string): string | null {
  for (const dir of HELPER_PATH.split(':')) {
    const p = path.join(dir, name);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

/** Can this host mount file systems at all (root, mount and umount present)? */
export function hostCanMount(): boolean {
  return process.getuid?.() === 0 && findProgram('mount') !== null && findProgram('umount') !== null;
}

/**
 * Run a helper; a non-zero exit becomes libvirt's virCommandRun error, which carries the
 * program's own stderr: "internal error: Child process (ARGV) unexpected exit status N: MSG".
 */
async function runHelper(argv: string[]): Promise<void> {
  const prog = findProgram(argv[0]!) ?? argv[0]!;
  const full = [prog, ...argv.slice(1)];
  log.debug('running', { argv: full });
  const r = await runCommand({ argv: full, path: HELPER_PATH }).catch((e: Error) => {
    throw storErr(ErrorNumber.INTERNAL_ERROR, `Unable to run ${prog}: ${e.message}`);
  });
  if (r.code === 0) return;
  const status = r.signal ? `fatal signal ${r.signal}` : `exit status ${r.code}`;
  const msg = (r.stderr.trim() || r.stdout.trim());
  throw storErr(ErrorNumber.INTERNAL_ERROR,
    `Child process (${full.map(quoteArg).join(' ')}) unexpected ${status}${msg ? `: ${msg}` : ''}`);
}

// ---------------------------------------------------------------- mount command (pure)

/** Linux's default_mount_opts in libvirt: pool file systems never honour devices, setuid or exec. */
const DEFAULT_MOUNT_OPTS = 'nodev,nosuid,noexec';

/** virStorageBackendFileSystemGetPoolSource: what mount is given as the source. */
export function fsPoolSource(def: StoragePoolDef): string {
  const s = def.source;
  if (def.type === 'netfs') {
    const host = s.hosts[0]?.name ?? '';
    return s.format === 'cifs' ? `//${host}/${s.dir}` : `${host}:${s.dir}`;
  }
  return s.devices[0]?.path ?? '';
}

/**
 * virStorageBackendFileSystemMountCmd: the mount argv for an fs/netfs pool. netfs 'auto' gives
 * no -t (mount -t auto does not detect nfs or cifs; plain mount does), glusterfs adds
 * direct-io-mode=1, cifs mounts as guest, <protocol ver> becomes nfsvers=.
 */
export function fsMountArgv(def: StoragePoolDef): string[] {
  const s = def.source;
  const src = fsPoolSource(def);
  const target = def.target!.path;
  const fmt = s.format ?? 'auto';
  const opts = [DEFAULT_MOUNT_OPTS];
  const nfsVers = def.type === 'netfs' && s.protocolVer !== undefined ? `nfsvers=${s.protocolVer}` : undefined;
  if (def.type === 'netfs' && fmt === 'auto') {
    if (nfsVers) opts.push(nfsVers);
    return ['mount', '-o', opts.join(','), src, target];
  }
  if (def.type === 'netfs' && fmt === 'glusterfs') opts.push('direct-io-mode=1');
  else if (def.type === 'netfs' && fmt === 'cifs') opts.push('guest');
  else if (nfsVers) opts.push(nfsVers);
  return ['mount', '-o', opts.join(','), '-t', fmt, src, target];
}

/** virStorageBackendExecuteMKFS's argv: each mkfs needs its own "force" switch to overwrite. */
export function mkfsArgv(device: string, format: string): string[] {
  const argv = ['mkfs', '-t', format];
  if (format === 'xfs') argv.push('-f');
  else if (format === 'ext2' || format === 'ext3' || format === 'ext4') argv.push('-F');
  else if (format === 'vfat') argv.push('-I');
  argv.push(device);
  return argv;
}

// ---------------------------------------------------------------- is it mounted?

export interface MountEntry { source: string; target: string; fstype: string }

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parse /proc/self/mountinfo: "id parent maj:min root target opts [tags...] - fstype source superopts". */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (f.length < 7 || dash < 0 || f[dash + 2] === undefined) continue;
    out.push({ target: unescapeMount(f[4]!), fstype: f[dash + 1]!, source: unescapeMount(f[dash + 2]!) });
  }
  return out;
}

/** virFileComparePaths: equal after resolving symlinks where the paths exist. */
function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  const real = (p: string) => { try { return fs.realpathSync(p); } catch { return p; } };
  return real(a) === real(b);
}

/** A loop device's backing file (mount of an image file shows /dev/loopN as the source). */
function loopBackingFile(dev: string): string | null {
  const m = /^\/dev\/(loop\d+)$/.exec(dev);
  if (!m) return null;
  try { return fs.readFileSync(`/sys/block/${m[1]}/loop/backing_file`, 'utf8').trim(); } catch { return null; }
}

/**
 * virStorageBackendFileSystemIsMounted: is this pool's source mounted on its target? Both must
 * match, so another file system mounted there is not taken for the pool.
 */
export async function fsPoolIsMounted(def: StoragePoolDef): Promise<boolean> {
  let text: string;
  try { text = await fsp.readFile('/proc/self/mountinfo', 'utf8'); } catch (e) {
    sysErr("cannot read mount list '/proc/self/mountinfo'", e);
  }
  const src = fsPoolSource(def);
  const target = def.target!.path;
  return parseMountInfo(text).some((m) => samePath(m.target, target)
    && (samePath(m.source, src) || (loopBackingFile(m.source) ?? '\0') === src));
}

// ---------------------------------------------------------------- blkid

/**
 * virStorageBackendDeviceIsEmpty for a build that writes a file system: refuse a device that
 * already holds one (or a partition table). libvirt asks libblkid; we ask blkid(8) for a
 * low-level probe (exit 2 = nothing found).
 */
async function deviceCheckEmpty(device: string, format: string): Promise<void> {
  const prog = findProgram('blkid');
  if (!prog) {
    throw storErr(ErrorNumber.OPERATION_INVALID, `Unable to probe '${device}' for existing data, forced overwrite is necessary`);
  }
  const r = await runCommand({ argv: [prog, '-p', '-o', 'export', device], path: HELPER_PATH });
  if (r.code === 2) return;
  if (r.code !== 0) {
    throw storErr(ErrorNumber.STORAGE_PROBE_FAILED, `Failed to probe for format type '${format}'`);
  }
  const vals = new Map(r.stdout.split('\n').map((l) => { const i = l.indexOf('='); return [l.slice(0, i), l.slice(i + 1)] as const; }));
  const found = vals.get('TYPE') ?? vals.get('PTTYPE');
  if (found === undefined) return;
  if (found === format) {
    throw storErr(ErrorNumber.STORAGE_POOL_BUILT, `Device '${device}' already formatted using '${format}'`);
  }
  throw storErr(ErrorNumber.STORAGE_POOL_BUILT,
    `Format of device '${device}' does not match the expected format '${format}', forced overwrite is necessary`);
}

/**
 * virStorageBackendMakeFileSystem, split in two so a refused build changes nothing: the checks
 * (device present; with NO_OVERWRITE, nothing on it yet) run before the target directory is
 * made, mkfs after.
 */
async function fsMakeFileSystemCheck(def: StoragePoolDef, flags: number): Promise<{ device: string; format: string }> {
  const device = def.source.devices[0]?.path;
  if (device === undefined) {
    throw storErr(ErrorNumber.OPERATION_INVALID, `No source device specified when formatting pool '${def.name}'`);
  }
  const format = def.source.format ?? 'auto';
  if (!fs.existsSync(device)) {
    throw storErr(ErrorNumber.OPERATION_INVALID, `Source device does not exist when formatting pool '${def.name}'`);
  }
  if (!(flags & BUILD_OVERWRITE)) await deviceCheckEmpty(device, format);
  if (!findProgram('mkfs')) {
    throw storErr(ErrorNumber.INTERNAL_ERROR,
      `mkfs is not available on this platform: Failed to make filesystem of type '${format}' on device '${device}'`);
  }
  return { device, format };
}

// ---------------------------------------------------------------- the backends

/** virStorageBackendFileSystemIsValid: exactly one host (netfs) or device (fs). */
function fsPoolIsValid(def: StoragePoolDef): void {
  const s = def.source;
  if (def.type === 'netfs') {
    if (s.hosts.length !== 1) throw storErr(ErrorNumber.CONFIG_UNSUPPORTED, 'expected exactly 1 host for the storage pool');
    if (s.dir === undefined) throw storErr(ErrorNumber.INTERNAL_ERROR, 'missing source path');
  } else if (s.devices.length !== 1) {
    if (s.devices.length === 0) throw storErr(ErrorNumber.INTERNAL_ERROR, 'missing source device');
    throw storErr(ErrorNumber.CONFIG_UNSUPPORTED, 'expected exactly 1 device for the storage pool');
  }
}

export const dirBackend: StorageBackend = {
  async build(def) { await dirPoolBuild(def); },
  async check(def) { return dirPoolIsActive(def); },
  refresh: dirPoolRefresh,
  delete: dirPoolDelete,
};

export const fsBackend: StorageBackend = {
  /** virStorageBackendFileSystemBuild: the target directory, then mkfs only when a flag asks. */
  async build(def, flags) {
    // as libvirt, any flag means "make the file system", which a netfs pool has no device for
    const mk = flags & (BUILD_OVERWRITE | BUILD_NO_OVERWRITE) ? await fsMakeFileSystemCheck(def, flags) : null;
    const existed = fs.existsSync(def.target!.path);
    await dirPoolBuild(def);
    if (!mk) return;
    log.info(`Making '${mk.format}' file system on '${mk.device}' for storage pool '${def.name}'`);
    try {
      await runHelper(mkfsArgv(mk.device, mk.format));
    } catch (e) {
      if (!existed) await fsp.rmdir(def.target!.path).catch(() => undefined);
      throw e;
    }
  },
  async check(def) {
    fsPoolIsValid(def);
    return fsPoolIsMounted(def);
  },
  /** virStorageBackendFileSystemMount: a no-op when already mounted (a restart, an admin's mount). */
  async start(def) {
    fsPoolIsValid(def);
    if (await fsPoolIsMounted(def)) {
      log.info(`Target '${def.target!.path}' is already mounted`);
      return;
    }
    await runHelper(fsMountArgv(def));
  },
  /** virStorageBackendFileSystemStop: umount, a no-op when not mounted. */
  async stop(def) {
    fsPoolIsValid(def);
    if (!(await fsPoolIsMounted(def))) return;
    await runHelper(['umount', def.target!.path]);
  },
  refresh: dirPoolRefresh,
  delete: dirPoolDelete,
};

/** The backend serving a pool type, or null when none does. */
export function storageBackendFor(type: string): StorageBackend | null {
  if (type === 'dir') return dirBackend;
  if (type === 'fs' || type === 'netfs') return fsBackend;
  return null;
}
