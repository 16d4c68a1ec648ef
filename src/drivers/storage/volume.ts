// Volume building, cloning, wiping, resizing and deletion for file-backed pools.
// libvirt counterpart: src/storage/storage_util.c (storageBackendCreateRaw,
// storageBackendCreateQemuImg, virStorageBackendVolResizeLocal, virStorageBackendVolWipeLocal).
// Every builder removes what it created when it fails: a failed create leaves no file behind.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { StorageVolDef } from '../../conf/storage_vol.js';
import { ErrorNumber } from '../../util/error.js';
import { runCommand } from '../../util/command.js';
import { DEFAULT_VOL_MODE, storErr, sysErr } from './pool.js';
import { probeFile } from './probe.js';
import { copySparse } from './sparse.js';

async function qemuImg(args: string[], what: string): Promise<void> {
  const r = await runCommand({ argv: ['qemu-img', ...args], timeoutMs: 10 * 60 * 1000 });
  if (r.code !== 0) {
    const msg = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
    throw storErr(ErrorNumber.INTERNAL_ERROR, `${what}: ${msg || `qemu-img exited with status ${r.code}`}`);
  }
}

/** Reserve `len` bytes of real disk blocks (posix_fallocate) through util-linux fallocate. */
async function allocate(file: string, len: number): Promise<void> {
  if (len <= 0) return;
  const r = await runCommand({ argv: ['fallocate', '-o', '0', '-l', String(len), file] });
  if (r.code !== 0) throw storErr(ErrorNumber.SYSTEM_ERROR, `cannot allocate ${len} bytes in file '${file}': ${r.stderr.trim()}`);
}

async function applyPerms(file: string, def: StorageVolDef): Promise<void> {
  const p = def.target.permissions;
  await fsp.chmod(file, p?.mode ?? DEFAULT_VOL_MODE);
  if (p?.uid !== undefined || p?.gid !== undefined) await fsp.chown(file, p.uid ?? -1, p.gid ?? -1);
}

/** Creation options for qcow2 the way libvirt passes them (compat, lazy_refcounts, cluster_size). */
function qcow2Options(def: StorageVolDef): string {
  const o = [`compat=${def.target.compat ?? '1.1'}`];
  if (def.target.clusterSize) o.push(`cluster_size=${def.target.clusterSize}`);
  if (def.target.features?.includes('lazy_refcounts')) o.push('lazy_refcounts');
  if (def.target.features?.includes('extended_l2')) o.push('extended_l2=on');
  return o.join(',');
}

/** Resolve and check the backing store of a new volume (its format is probed when not given). */
async function backingArgs(def: StorageVolDef): Promise<string[]> {
  const b = def.backingStore;
  if (!b) return [];
  try { await fsp.access(b.path, fs.constants.R_OK); } catch {
    throw storErr(ErrorNumber.INTERNAL_ERROR, `inaccessible backing store volume ${b.path}`);
  }
  if (!b.format) b.format = (await probeFile(b.path)).format;
  return ['-b', b.path, '-F', b.format];
}

/**
 * Build a new volume file at def.target.path (which must not exist). raw: O_EXCL create,
 * size, preallocate `allocation`; other formats: qemu-img create.
 */
export async function volBuild(def: StorageVolDef): Promise<void> {
  const file = def.target.path!;
  const format = def.target.format ?? 'raw';
  if (def.target.encryption) throw storErr(ErrorNumber.CONFIG_UNSUPPORTED, 'storage pool does not support encrypted volumes');
  if (format === 'raw') {
    if (def.backingStore) throw storErr(ErrorNumber.NO_SUPPORT, 'backing storage not supported for raw volumes');
    let fh: fsp.FileHandle;
    try { fh = await fsp.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, def.target.permissions?.mode ?? DEFAULT_VOL_MODE); }
    catch (e) { sysErr(`cannot create path '${file}'`, e); }
    try {
      await fh.truncate(def.capacity);
      await fh.close();
      await allocate(file, Math.min(def.allocation, def.capacity));
      await applyPerms(file, def);
    } catch (e) {
      await fh.close().catch(() => undefined);
      await fsp.unlink(file).catch(() => undefined);
      throw e;
    }
    return;
  }
  if (format === 'dir') {
    try { await fsp.mkdir(file, def.target.permissions?.mode ?? 0o755); } catch (e) { sysErr(`cannot create path '${file}'`, e); }
    return;
  }
  const args = ['create', '-q', '-f', format];
  args.push(...await backingArgs(def));
  if (format === 'qcow2') args.push('-o', qcow2Options(def));
  args.push(file);
  // with a backing store and no capacity, qemu-img takes the backing file's size
  if (def.capacity || !def.backingStore) args.push(String(def.capacity));
  // qemu-img create truncates an existing file: make sure we own the name first.
  try { await (await fsp.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, DEFAULT_VOL_MODE)).close(); }
  catch (e) { sysErr(`cannot create path '${file}'`, e); }
  try {
    await qemuImg(args, `failed to create volume '${def.name}'`);
    await applyPerms(file, def);
  } catch (e) {
    await fsp.unlink(file).catch(() => undefined);
    throw e;
  }
}

/**
 * Build `def` as a copy of `src` (virStorageBackendVolBuildFromLocal): raw to raw is copied
 * here keeping holes; anything involving another format goes through `qemu-img convert`.
 * The new volume's capacity is at least the source's.
 */
export async function volBuildFrom(def: StorageVolDef, src: StorageVolDef): Promise<void> {
  const file = def.target.path!;
  const fmt = def.target.format ?? 'raw';
  const srcFmt = src.target.format ?? 'raw';
  if (src.type === 'dir' || fmt === 'dir') throw storErr(ErrorNumber.INTERNAL_ERROR, 'cannot copy from volume to a directory volume');
  if (def.backingStore) throw storErr(ErrorNumber.CONFIG_UNSUPPORTED, 'backing storage not supported for cloned volumes');
  let created = false;
  try {
    const fh = await fsp.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, def.target.permissions?.mode ?? DEFAULT_VOL_MODE).catch((e) => sysErr(`cannot create path '${file}'`, e));
    created = true;
    if (fmt === 'raw' && srcFmt === 'raw') {
      try {
        await copySparse(src.target.path!, fh);
        await fh.truncate(Math.max(def.capacity, src.capacity));
        await fh.sync();
      } finally { await fh.close(); }
      if (def.allocation > src.allocation) await allocate(file, Math.min(def.allocation, def.capacity));
    } else {
      await fh.close();
      const args = ['convert', '-q', '-f', srcFmt, '-O', fmt];
      if (fmt === 'qcow2') args.push('-o', qcow2Options(def));
      args.push(src.target.path!, file);
      await qemuImg(args, `failed to clone volume '${src.name}' to '${def.name}'`);
      if (def.capacity > src.capacity) await volResizeFile(def, def.capacity, false);
    }
    await applyPerms(file, def);
  } catch (e) {
    if (created) await fsp.unlink(file).catch(() => undefined);
    throw e;
  }
}

/** Change a volume file's capacity (virStorageBackendVolResizeLocal). */
export async function volResizeFile(def: StorageVolDef, capacity: number, preallocate: boolean, shrink = false): Promise<void> {
  const file = def.target.path!;
  const fmt = def.target.format ?? 'raw';
  if (fmt === 'raw') {
    try { await fsp.truncate(file, capacity); } catch (e) { sysErr(`Failed to truncate volume with path '${file}' to ${capacity} bytes`, e); }
    if (preallocate) await allocate(file, capacity);
    return;
  }
  if (def.target.encryption) throw storErr(ErrorNumber.OPERATION_UNSUPPORTED, 'resize of qcow2 encrypted image is not supported');
  const args = ['resize', '-q'];
  if (preallocate) args.push('--preallocation=falloc');
  if (shrink) args.push('--shrink');
  args.push('-f', fmt, file, String(capacity));
  await qemuImg(args, `failed to resize volume '${def.name}'`);
}

/**
 * Wipe with zeros (VIR_STORAGE_VOL_WIPE_ALG_ZERO). A raw file is cut to 0 and extended back,
 * which reads as zeros and frees its blocks; other formats are re-created empty with the same
 * size and options so they stay valid images.
 */
export async function volWipe(def: StorageVolDef): Promise<void> {
  const file = def.target.path!;
  const fmt = def.target.format ?? 'raw';
  if (fmt === 'raw') {
    try {
      const size = (await fsp.stat(file)).size;
      await fsp.truncate(file, 0);
      await fsp.truncate(file, size);
    } catch (e) { sysErr(`Failed to truncate volume with path '${file}' to 0 bytes`, e); }
    return;
  }
  if (fmt === 'dir') throw storErr(ErrorNumber.OPERATION_UNSUPPORTED, `cannot wipe directory volume '${def.name}'`);
  const args = ['create', '-q', '-f', fmt];
  args.push(...await backingArgs(def));
  if (fmt === 'qcow2') args.push('-o', qcow2Options(def));
  args.push(file, String(def.capacity));
  await qemuImg(args, `failed to wipe volume '${def.name}'`);
}

/** Remove the volume's file (or empty directory). */
export async function volDeleteFile(def: StorageVolDef): Promise<void> {
  const file = def.target.path!;
  try {
    if (def.type === 'dir') await fsp.rmdir(file); else await fsp.unlink(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    sysErr(`cannot unlink file '${file}'`, e);
  }
}
