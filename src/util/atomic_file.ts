// Atomic state files: write a temp file beside the target, fsync it, rename over the target,
// fsync the directory. A reader sees the old or the new content, never a torn one.
// libvirt counterpart: virFileRewrite (src/util/virfile.c).
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o600: state may hold secrets). */
  mode?: number;
  /**
   * fsync the file and its directory (default true). Runtime state under the run directory
   * (pid and status files) passes false: it must survive a daemon crash, which the rename alone
   * guarantees, but not a host crash, after which the processes it describes are gone anyway;
   * an fsync there would stall the daemon's event loop on the disk for every guest started.
   */
  durable?: boolean;
}

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.new`);
}

/** Replace `target` with `data` atomically (synchronous). */
export function writeFileAtomicSync(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const tmp = tempName(target);
  let fd = -1;
  try {
    fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, opts.mode ?? 0o600);
    fs.writeFileSync(fd, data);
    if (opts.durable !== false) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd >= 0) try { fs.closeSync(fd); } catch { /* already failing */ }
    try { fs.unlinkSync(tmp); } catch { /* never created or already renamed */ }
    throw e;
  }
  if (opts.durable !== false) syncDirSync(path.dirname(target));
}

/** Replace `target` with `data` atomically. */
export async function writeFileAtomic(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempName(target);
  let fh: fsp.FileHandle | null = null;
  try {
    fh = await fsp.open(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, opts.mode ?? 0o600);
    await fh.writeFile(data);
    if (opts.durable !== false) await fh.sync();
    await fh.close();
    fh = null;
    await fsp.rename(tmp, target);
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    await fsp.unlink(tmp).catch(() => undefined);
    throw e;
  }
  if (opts.durable === false) return;
  try {
    const d = await fsp.open(path.dirname(target), 'r');
    try { await d.sync(); } finally { await d.close(); }
  } catch { /* some filesystems refuse fsync on directories; the rename is still atomic */ }
}

function syncDirSync(dir: string): void {
  try {
    const d = fs.openSync(dir, 'r');
    try { fs.fsyncSync(d); } finally { fs.closeSync(d); }
  } catch { /* see writeFileAtomic */ }
}
