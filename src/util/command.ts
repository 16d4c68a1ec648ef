// The command runner: start helper processes (QEMU, qemu-img, dnsmasq) with a cleared
// environment, resource limits, a dropped uid/gid, output appended to a log file that starts
// with the command line, a pidfile, their own process group, and optionally daemonized so they
// outlive the daemon. libvirt counterpart: virCommand (src/util/vircommand.c).
//
// Node cannot setrlimit() or double-fork, so the child is reached through a short chain of
// util-linux programs that each exec() the next one (the pid never changes):
//
//   [sh -c '... &' (daemonize only)] -> [setsid (daemonize only)] -> [prlimit --nofile=...]
//     -> [setpriv --reuid --regid --clear-groups] -> the program
//
// Why prlimit as an exec wrapper rather than `prlimit --pid` after spawn: the limits hold from
// the program's first instruction (QEMU opens files and may mlock while starting, racing a
// later prlimit), and they are set while still root, before setpriv drops privileges, so a
// memlock limit above the hard limit can be granted (CAP_SYS_RESOURCE is gone after the drop).
// Why not `sh -c 'ulimit ...; exec "$@"'`: dash's ulimit lacks -l/-u on some builds and the
// values would travel through shell text; prlimit takes them as plain arguments.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { writeFileAtomicSync } from './atomic_file.js';

export interface RLimits {
  /** RLIMIT_NOFILE */ nofile?: number;
  /** RLIMIT_NPROC */ nproc?: number;
  /** RLIMIT_MEMLOCK in bytes; Infinity for unlimited */ memlock?: number;
  /** RLIMIT_CORE in bytes */ core?: number;
}

export interface CommandOptions {
  /** argv[0] is the program (looked up in PATH when not absolute). */
  argv: string[];
  /** Extra variables; the rest of the environment is cleared (allow-list, as virCommand). */
  env?: Record<string, string>;
  /** HOME for the child (default "/"). */
  home?: string;
  /** Add LC_ALL=C so the program's messages are stable for parsing (default true). */
  lcAllC?: boolean;
  /** PATH for the child (default /usr/bin:/bin). */
  path?: string;
  cwd?: string;
  uid?: number;
  gid?: number;
  rlimits?: RLimits;
  /** Append stdout and stderr here; the command line is written first. */
  logFile?: string;
  /** Record the child's pid here (atomically). */
  pidFile?: string;
  /**
   * Open file descriptors handed to the child as fd 3, 4, ... in order (tap fds, sockets).
   * The caller keeps ownership of its copies.
   */
  passFds?: number[];
  /**
   * Detach completely: the child is re-parented to init and survives the daemon (even SIGKILL).
   * The runner then cannot observe the exit status; watch the pid or a socket instead.
   */
  daemonize?: boolean;
}

export interface RunningCommand {
  readonly pid: number;
  /** Exit of a non-daemonized child (code or signal); null for a daemonized one. */
  readonly exited: Promise<ExitStatus> | null;
  /** Signal the child's process group (it leads its own group). */
  kill(signal?: NodeJS.Signals | number): boolean;
}

export interface ExitStatus { code: number | null; signal: NodeJS.Signals | null }

const DEFAULT_PATH = '/usr/bin:/bin';
/** Characters that never need quoting in the logged command line. */
const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Shell-quote one word the way libvirt logs command lines (single quotes only when needed). */
export function quoteArg(a: string): string {
  if (a !== '' && SAFE_ARG.test(a)) return a;
  return `'${a.replace(/'/g, `'\\''`)}'`;
}

/** The environment the child sees: an explicit allow-list, nothing inherited. */
export function commandEnv(opts: Pick<CommandOptions, 'env' | 'home' | 'lcAllC' | 'path'>): Record<string, string> {
  const env: Record<string, string> = {};
  if (opts.lcAllC ?? true) env['LC_ALL'] = 'C';
  env['PATH'] = opts.path ?? DEFAULT_PATH;
  env['HOME'] = opts.home ?? '/';
  for (const [k, v] of Object.entries(opts.env ?? {})) env[k] = v;
  return env;
}

/** "LC_ALL=C PATH=/usr/bin:/bin HOME=/ /usr/bin/qemu-system-x86_64 -name ...": the log's first line. */
export function commandToString(opts: CommandOptions): string {
  const env = commandEnv(opts);
  return [...Object.entries(env).map(([k, v]) => `${k}=${quoteArg(v)}`), ...opts.argv.map(quoteArg)].join(' ');
}

function limitArg(v: number): string {
  return v === Infinity ? 'unlimited' : String(Math.floor(v));
}

/** The exec chain in front of the program: rlimits, then the uid/gid drop. */
export function wrapperArgv(opts: CommandOptions): string[] {
  const out: string[] = [];
  const l = opts.rlimits ?? {};
  const limits: string[] = [];
  if (l.nofile !== undefined) limits.push(`--nofile=${limitArg(l.nofile)}:${limitArg(l.nofile)}`);
  if (l.nproc !== undefined) limits.push(`--nproc=${limitArg(l.nproc)}:${limitArg(l.nproc)}`);
  if (l.memlock !== undefined) limits.push(`--memlock=${limitArg(l.memlock)}:${limitArg(l.memlock)}`);
  if (l.core !== undefined) limits.push(`--core=${limitArg(l.core)}:${limitArg(l.core)}`);
  if (limits.length) out.push('prlimit', ...limits, '--');
  const myUid = process.getuid?.() ?? -1;
  const myGid = process.getgid?.() ?? -1;
  const needUid = opts.uid !== undefined && opts.uid !== myUid;
  const needGid = opts.gid !== undefined && opts.gid !== myGid;
  if (needUid || needGid) {
    out.push('setpriv');
    if (needGid) out.push(`--regid=${opts.gid}`);
    if (needUid) out.push(`--reuid=${opts.uid}`);
    out.push('--clear-groups', '--');
  }
  return out;
}

/** Open (append) the log file and write the command line as its first line for this run. */
function openLog(opts: CommandOptions): number | 'ignore' {
  if (!opts.logFile) return 'ignore';
  const fd = fs.openSync(opts.logFile, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o600);
  fs.writeSync(fd, commandToString(opts) + '\n');
  if (opts.uid !== undefined || opts.gid !== undefined) {
    // The child writes here after dropping privileges; it inherits the fd, so ownership only
    // matters to tools that reopen the file, but keep it readable by the guest's user.
    try { fs.fchownSync(fd, opts.uid ?? -1, opts.gid ?? -1); } catch { /* not root: keep ours */ }
  }
  return fd;
}

/** Start a long-running child (QEMU). Resolves once the child exists and its pid is known. */
export async function startCommand(opts: CommandOptions): Promise<RunningCommand> {
  if (opts.argv.length === 0) throw new Error('startCommand: empty argv');
  const passFds = opts.passFds ?? [];
  const logFd = openLog(opts);
  try {
    return opts.daemonize ? await startDaemonized(opts, passFds, logFd) : await startChild(opts, passFds, logFd);
  } finally {
    if (typeof logFd === 'number') fs.closeSync(logFd);
  }
}

function recordPid(opts: CommandOptions, pid: number): void {
  if (opts.pidFile) writeFileAtomicSync(opts.pidFile, `${pid}\n`, { mode: 0o644, durable: false });
}

function killGroup(pid: number, signal: NodeJS.Signals | number): boolean {
  try { process.kill(-pid, signal); return true; } catch { /* not a group leader (any more) */ }
  try { process.kill(pid, signal); return true; } catch { return false; }
}

function waitSpawn(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
}

async function startChild(opts: CommandOptions, passFds: number[], logFd: number | 'ignore'): Promise<RunningCommand> {
  const argv = [...wrapperArgv(opts), ...opts.argv];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: commandEnv(opts),
    cwd: opts.cwd ?? '/',
    // detached = setsid(): its own session and process group, so signals aimed at the daemon's
    // group (Ctrl-C in a terminal) do not reach the guest, and we can signal the whole group.
    detached: true,
    stdio: ['ignore', logFd, logFd, ...passFds],
  });
  await waitSpawn(child);
  const pid = child.pid!;
  // Kept referenced: a caller awaiting `exited` must keep the event loop alive.
  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  recordPid(opts, pid);
  return { pid, exited, kill: (sig = 'SIGTERM') => killGroup(pid, sig) };
}

/**
 * Double fork through sh: sh starts the chain in the background, prints its pid and exits, so
 * the program is re-parented to init (or the nearest subreaper) and no longer depends on us.
 * `setsid` (not a group leader there, so it does not fork) gives it its own session and group.
 */
async function startDaemonized(opts: CommandOptions, passFds: number[], logFd: number | 'ignore'): Promise<RunningCommand> {
  // The log fd sits just above the passed fds; dash only parses single-digit fd numbers.
  const logSlot = 3 + passFds.length;
  if (logSlot > 9) throw new Error('startCommand: at most 6 fds can be passed to a daemonized child');
  const redirect = logFd === 'ignore' ? '>/dev/null 2>&1' : `>&${logSlot} 2>&${logSlot} ${logSlot}>&-`;
  const script = `cd "$0" || exit 127; setsid "$@" </dev/null ${redirect} & echo $!`;
  const argv = [...wrapperArgv(opts), ...opts.argv];
  const sh = spawn('sh', ['-c', script, opts.cwd ?? '/', ...argv], {
    env: commandEnv(opts),
    cwd: '/',
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...passFds, ...(logFd === 'ignore' ? [] : [logFd])],
  });
  let out = '';
  let err = '';
  sh.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  sh.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  await waitSpawn(sh);
  const status = await new Promise<ExitStatus>((resolve) => sh.once('close', (code, signal) => resolve({ code, signal })));
  const pid = Number(out.trim());
  if (status.code !== 0 || !Number.isInteger(pid) || pid <= 0) {
    throw new Error(`failed to daemonize ${opts.argv[0]}: ${err.trim() || `exit status ${status.code}`}`);
  }
  recordPid(opts, pid);
  return { pid, exited: null, kill: (sig = 'SIGTERM') => killGroup(pid, sig) };
}

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/**
 * Run a short command to completion and capture its output (qemu-img, ip, nft). Never throws
 * for a non-zero exit; the caller decides. `timeoutMs` kills its process group.
 */
export async function runCommand(opts: Omit<CommandOptions, 'daemonize' | 'logFile' | 'pidFile'> & { input?: string | Buffer; timeoutMs?: number }): Promise<RunResult> {
  const argv = [...wrapperArgv(opts), ...opts.argv];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: commandEnv(opts),
    cwd: opts.cwd ?? '/',
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe', ...(opts.passFds ?? [])],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(opts.input ?? '');
  let timer: NodeJS.Timeout | undefined;
  try {
    await waitSpawn(child);
    if (opts.timeoutMs) timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), opts.timeoutMs);
    const { code, signal } = await new Promise<ExitStatus>((resolve) => child.once('close', (c, s) => resolve({ code: c, signal: s })));
    return { code, signal, stdout, stderr };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
