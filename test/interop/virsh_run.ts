// Running the real virsh for the interop tests (C locale, bounded time).
import { spawnSync } from 'node:child_process';

export const VIRSH = '/usr/bin/virsh';

export interface Result { stdout: string; stderr: string; status: number | null }

export function virsh(uri: string, args: string[], extra: string[] = []): Result {
  const r = spawnSync(VIRSH, [...extra, '-c', uri, ...args], { encoding: 'utf8', timeout: 30000, env: { ...process.env, LC_ALL: 'C' } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
