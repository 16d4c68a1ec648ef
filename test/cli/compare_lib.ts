// Running the real virsh 9.0 and tsvirsh side by side for the byte-for-byte comparison tests.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const VIRSH = '/usr/bin/virsh';
export const ROOT = new URL('../../../', import.meta.url).pathname;
export const TSVIRSH = join(ROOT, 'bin/tsvirsh');
/** tsvirsh as a command line */
export const TSVIRSH_CMD = [process.execPath, TSVIRSH];
/** node:test's `skip` for the comparison tests */
export const noVirsh: string | false = existsSync(VIRSH) ? false : `${VIRSH} is not installed`;

export interface Result { stdout: string; stderr: string; status: number | null }

export interface RunOptions {
  cwd?: string;
  /** added to (or, as undefined, removed from) the environment */
  env?: Record<string, string | undefined>;
  timeout?: number;
  input?: string;
  /** stdin closed rather than an empty pipe (virsh's job watcher hangs less often so) */
  closedStdin?: boolean;
}

function environment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', TZ: 'UTC', TSVIRSH_HISTORY: '/dev/null' };
  for (const [k, v] of Object.entries(extra)) { if (v === undefined) delete env[k]; else env[k] = v; }
  return env;
}

/** One run in the C locale, UTC, without tsvirsh's history file. */
export function run(bin: readonly string[], args: readonly string[], o: RunOptions = {}): Result {
  const r = spawnSync(bin[0]!, [...bin.slice(1), ...args], {
    encoding: 'utf8', timeout: o.timeout ?? 10000, cwd: o.cwd, input: o.input,
    ...(o.closedStdin ? { stdio: ['ignore', 'pipe', 'pipe'] as const } : {}),
    env: environment(o.env),
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/**
 * The real virsh. virsh 9.0's job watcher (save, dump) now and then never returns on a busy
 * machine; such a run says nothing about tsvirsh, so a timed-out run is retried.
 */
export function runVirsh(args: readonly string[], o: RunOptions = {}, tries = 3): Result {
  let r = run([VIRSH], args, o);
  for (let i = 1; i < tries && r.status === null; i++) r = run([VIRSH], args, o);
  return r;
}

/** The same arguments through virsh and tsvirsh: equal stdout, stderr and status (after `norm`). */
export function same(args: readonly string[], o: RunOptions = {}, norm: (r: Result) => Result = (r) => r, virshTries = 3): Result {
  const want = norm(runVirsh(args, o, virshTries));
  const got = norm(run(TSVIRSH_CMD, args, o));
  assert.deepEqual(got, want, `tsvirsh ${args.join(' ')}`);
  return got;
}

/** `-c test:///default CMDS` */
export const def = (cmds: string): string[] => ['-c', 'test:///default', cmds];
