// Pidfiles that double as an exclusive lock: two daemons never share one state root.
// libvirt counterpart: virPidFileAcquirePath (src/util/virpidfile.c). libvirt holds an fcntl
// lock on the open file; Node has no fcntl locks, so acquisition is an atomic link(2) of a
// fully written temp file (EEXIST = someone holds it) plus a liveness check of the recorded pid
// to take over a file left by a daemon that died without cleaning up.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class PidFileLockedError extends Error {
  constructor(readonly path: string, readonly holder: number) {
    super(`${path} is locked by process ${holder}: another daemon is already running with this state`);
    this.name = 'PidFileLockedError';
  }
}

/** Is `pid` a live process? (EPERM means alive but not ours.) */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** The pid recorded in a pidfile, or null when missing/garbled. */
export function readPidFile(file: string): number | null {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return null; }
  const m = /^\s*(\d+)\s*$/.exec(text);
  return m ? Number(m[1]) : null;
}

export interface PidFileHandle {
  readonly path: string;
  readonly pid: number;
  /** Remove the file if it still records our pid. Idempotent. */
  release(): void;
}

/**
 * Create `file` holding our pid, failing with PidFileLockedError when a live process holds it.
 * A stale file (dead pid, or unreadable content) is taken over.
 */
export function acquirePidFile(file: string, pid = process.pid): PidFileHandle {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${pid}.tmp`;
  fs.writeFileSync(tmp, `${pid}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(tmp, file);
        return handle(file, pid);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readPidFile(file);
      if (holder !== null && holder !== pid && processAlive(holder)) throw new PidFileLockedError(file, holder);
      if (holder === pid) return handle(file, pid);
      // Stale: move it aside under a unique name, then re-check what we moved, so that two
      // starters racing over one stale file cannot both win (the loser gets the live file back).
      const aside = `${file}.${pid}.stale`;
      try { fs.renameSync(file, aside); } catch { continue; }
      const moved = readPidFile(aside);
      if (moved !== null && moved !== holder && processAlive(moved)) {
        try { fs.linkSync(aside, file); } catch { /* the other winner re-created it */ }
        fs.rmSync(aside, { force: true });
        throw new PidFileLockedError(file, moved);
      }
      fs.rmSync(aside, { force: true });
    }
    throw new Error(`could not acquire pidfile ${file}`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function handle(file: string, pid: number): PidFileHandle {
  let released = false;
  return {
    path: file,
    pid,
    release() {
      if (released) return;
      released = true;
      if (readPidFile(file) === pid) fs.rmSync(file, { force: true });
    },
  };
}
