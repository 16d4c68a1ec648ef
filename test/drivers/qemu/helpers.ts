// Shared by the qemu tests: temporary roots, a bare QEMU with only a QMP socket, and cleanup
// that kills every QEMU a test started even when the test fails.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCommand, type RunningCommand } from '../../../src/util/command.js';

export const QEMU = '/usr/bin/qemu-system-x86_64';

export function tmpRoot(prefix = 'tsvirt-qemu-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const started = new Set<number>();

/** Every pid a test started; killed by killAllStarted() (call it from an after() hook). */
export function track(pid: number): void { started.add(pid); }

export function killAllStarted(): void {
  for (const pid of started) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  started.clear();
}

export interface BareQemu { proc: RunningCommand; sock: string; dir: string; stop(): Promise<void> }

/** `qemu-system-x86_64 -machine none -qmp unix:...`: a real QMP peer with nothing else. */
export async function startBareQemu(extra: string[] = []): Promise<BareQemu> {
  const dir = tmpRoot('tsvirt-qmp-');
  const sock = path.join(dir, 'qmp.sock');
  const proc = await startCommand({
    argv: [QEMU, '-machine', 'none', '-nodefaults', '-nographic', '-qmp', `unix:${sock},server=on,wait=off`, ...extra],
    logFile: path.join(dir, 'qemu.log'),
  });
  track(proc.pid);
  return {
    proc, sock, dir,
    async stop() {
      proc.kill('SIGKILL');
      await proc.exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Alive and not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st[st.lastIndexOf(')') + 2] !== 'Z';
  } catch { return false; }
}
