// Run the real bin/tsvirtd as a child process in its own temporary root (for process-level
// tests and the interop tests with the real virsh and python3-libvirt). Every daemon is killed
// at the end, whatever happened.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpRoot } from './helpers.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const TSVIRTD = path.join(REPO, 'bin', 'tsvirtd');

export interface SpawnedDaemon {
  proc: ChildProcess;
  root: string;
  rw: string;
  ro: string;
  pidFile: string;
  stderr(): string;
  exited: Promise<number | null>;
  /** SIGTERM and wait; SIGKILL if it does not go. Removes the root unless keepRoot. */
  stop(opts?: { keepRoot?: boolean }): Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => { for (const p of live) try { p.kill('SIGKILL'); } catch { /* gone */ } });

export function writeConfig(root: string, text: string): string {
  const file = path.join(root, 'etc', 'tsvirt', 'tsvirtd.conf');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** Start `tsvirtd --root ROOT ...args`; resolves when the read-write socket exists. */
export async function spawnDaemon(opts: { args?: string[]; config?: string; root?: string; waitReady?: boolean } = {}): Promise<SpawnedDaemon> {
  const root = opts.root ?? tmpRoot();
  if (opts.config !== undefined) writeConfig(root, opts.config);
  const rw = path.join(root, 'run', 'tsvirt', 'tsvirt-sock');
  const proc = spawn(process.execPath, [TSVIRTD, '--root', root, ...(opts.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let err = '';
  proc.stderr!.on('data', (b) => { err += b; });
  proc.stdout!.on('data', (b) => { err += b; });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => { live.delete(proc); resolve(code); }));
  const d: SpawnedDaemon = {
    proc, root, rw, ro: `${rw}-ro`, pidFile: path.join(root, 'run', 'tsvirt', 'tsvirtd.pid'),
    stderr: () => err,
    exited,
    async stop(o = {}) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      if (!o.keepRoot) fs.rmSync(root, { recursive: true, force: true });
      return code;
    },
  };
  if (opts.waitReady !== false) {
    const start = Date.now();
    while (!fs.existsSync(rw) || !fs.existsSync(d.ro)) {
      if (proc.exitCode !== null) throw new Error(`tsvirtd exited with ${proc.exitCode}: ${err}`);
      if (Date.now() - start > 15000) { await d.stop(); throw new Error(`tsvirtd did not start: ${err}`); }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return d;
}
