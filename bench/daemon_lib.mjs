// Shared by the daemon benchmarks: start tsvirtd and the real libvirtd (test driver, each in
// its own temp root, torn down by pid), time "start to first answered call" with a raw client,
// and run the shared harness (/work/shared/bench: rpcbench.py, rssprobe.py) on their URIs.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
/** The daemon as shipped; BENCH_TSVIRTD points at another launcher (e.g. a copy of the tree). */
export const TSVIRTD = process.env.BENCH_TSVIRTD ?? path.join(REPO, 'bin', 'tsvirtd');
export const LIBVIRTD = '/usr/sbin/libvirtd';
export const RUNUSER = '/usr/sbin/runuser';
export const PY = '/usr/bin/python3';
export const HARNESS = process.env.BENCH_HARNESS ?? '/work/shared/bench';

const live = new Set();
function killAll() { for (const p of live) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } } }
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });

export const uriFor = (sock) => `test+unix:///default?socket=${sock}`;

function mkRoot(prefix) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(root, 0o777);
  return root;
}

async function waitExit(proc, ms) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise((resolve) => {
    const t = setTimeout(() => { try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ } }, ms);
    proc.once('exit', () => { clearTimeout(t); resolve(); });
  });
}

/**
 * One daemon: { name, proc, root, sock, uri, pid() , stop() }. `pid()` is the daemon process
 * itself (libvirtd runs under runuser, so the spawned pid is not the daemon's).
 */
function daemonHandle(name, proc, root, sock) {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  let err = '';
  proc.stderr?.on('data', (b) => { if (err.length < 65536) err += b; });
  return {
    name, proc, root, sock, uri: uriFor(sock), spawnedAt: 0, pid: null,
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        // runuser forwards SIGTERM to the daemon it started; the daemon's own pid (when known)
        // is signalled too, so nothing outlives the run.
        try { process.kill(proc.pid, 'SIGTERM'); } catch { /* gone */ }
        if (this.pid && this.pid !== proc.pid) { try { process.kill(this.pid, 'SIGTERM'); } catch { /* gone */ } }
      }
      await waitExit(proc, 8000);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** tsvirtd serving only the test driver, in a fresh root. */
export function spawnTsvirtd({ nodeArgs = [], extraConfig = '' } = {}) {
  const root = mkRoot('tsvirt-bench-');
  const cfg = path.join(root, 'etc', 'tsvirt', 'tsvirtd.conf');
  fs.mkdirSync(path.dirname(cfg), { recursive: true });
  fs.writeFileSync(cfg, `drivers = [ "test" ]\n${extraConfig}`);
  const sock = path.join(root, 'run', 'tsvirt', 'tsvirt-sock');
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...nodeArgs, TSVIRTD, '--root', root, '--timeout', '900'],
    { stdio: ['ignore', process.env.BENCH_DAEMON_STDOUT ? 'pipe' : 'ignore', 'pipe'], cwd: root });
  const d = daemonHandle('tsvirtd', proc, root, sock);
  d.spawnedAt = t0;
  return d;
}

/**
 * The real libvirtd 9.0, unprivileged (nobody, session mode) with its own config and socket
 * directory in a temp root, as test/interop/libvirtd.test.ts runs it. It loads every driver
 * it has (monolithic daemon), serves test:///default through its test driver.
 */
export function spawnLibvirtd() {
  const root = mkRoot('libvirtd-bench-');
  const home = path.join(root, 'home');
  const sockDir = path.join(root, 'sock');
  for (const d of [home, sockDir]) { fs.mkdirSync(d); fs.chmodSync(d, 0o777); }
  const conf = path.join(root, 'libvirtd.conf');
  fs.writeFileSync(conf, `unix_sock_dir = "${sockDir}"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\nunix_sock_rw_perms = "0777"\n`, { mode: 0o644 });
  const env = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: home, XDG_RUNTIME_DIR: path.join(home, 'run'),
    XDG_CONFIG_HOME: path.join(home, 'cfg'), XDG_CACHE_HOME: path.join(home, 'cache'), XDG_DATA_HOME: path.join(home, 'data'),
  };
  const t0 = performance.now();
  const proc = spawn(RUNUSER, ['-u', 'nobody', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    LIBVIRTD, '-f', conf, '--timeout', '900'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const d = daemonHandle('libvirtd', proc, root, path.join(sockDir, 'libvirt-sock'));
  d.spawnedAt = t0;
  return d;
}

// ------------------------------------------------------------------ a raw client

function packet(proc, serial, payload = Buffer.alloc(0)) {
  const b = Buffer.alloc(28 + payload.length);
  b.writeUInt32BE(b.length, 0);
  b.writeUInt32BE(0x20008086, 4);
  b.writeUInt32BE(1, 8);
  b.writeInt32BE(proc, 12);
  b.writeInt32BE(0, 16); // CALL
  b.writeUInt32BE(serial, 20);
  b.writeInt32BE(0, 24);
  payload.copy(b, 28);
  return b;
}

function openPayload(uri) {
  const s = Buffer.from(uri);
  const pad = (4 - (s.length & 3)) & 3;
  const b = Buffer.alloc(12 + s.length + pad + 4);
  b.writeUInt32BE(1, 0);
  b.writeUInt32BE(s.length, 4);
  s.copy(b, 8);
  return b; // flags word (0) is the trailing zeroes
}

/** The call sequence a client needs for its first hypervisor answer; resolves when answered. */
function converse(sock) {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock);
    const steps = [packet(66, 0), packet(1, 1, openPayload('test:///default')), packet(157, 2)];
    let i = 0;
    let buf = Buffer.alloc(0);
    s.on('connect', () => s.write(steps[0]));
    s.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= buf.readUInt32BE(0)) {
        const len = buf.readUInt32BE(0);
        const status = buf.readInt32BE(24);
        buf = buf.subarray(len);
        if (status !== 0) { s.destroy(); reject(new Error(`call ${i} failed`)); return; }
        if (++i === steps.length) { s.end(); resolve(); return; }
        s.write(steps[i]);
      }
    });
    s.on('error', reject);
  });
}

/**
 * Milliseconds from spawn to the first answered hypervisor call (AUTH_LIST, CONNECT_OPEN
 * test:///default, CONNECT_GET_LIB_VERSION), polling the socket every 2 ms.
 */
export async function timeFirstCall(d, timeoutMs = 30000) {
  for (;;) {
    if (d.proc.exitCode !== null) throw new Error(`${d.name} exited ${d.proc.exitCode}: ${d.stderr()}`);
    if (performance.now() - d.spawnedAt > timeoutMs) throw new Error(`${d.name} did not answer within ${timeoutMs} ms: ${d.stderr()}`);
    try {
      await converse(d.sock);
      return performance.now() - d.spawnedAt;
    } catch { await new Promise((r) => setTimeout(r, 2)); }
  }
}

/** The pid that owns the listening socket (the daemon itself, not runuser). */
export function socketPid(sock) {
  const r = spawnSync(PY, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(HARNESS)}); import rpcbench; print(rpcbench.detect_daemon_pid(${JSON.stringify(uriFor(sock))}) or 0)`], { encoding: 'utf8' });
  return Number(r.stdout.trim()) || null;
}

// ------------------------------------------------------------------ harness wrappers

/** Run rpcbench.py; returns { runs, summaries, ratio } parsed from its JSON lines. */
export function rpcbench(args, { log = true } = {}) {
  const r = spawnSync(PY, [path.join(HARNESS, 'rpcbench.py'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (log && r.stderr) process.stderr.write(r.stderr.split('\n').filter((l) => /ratio|ops\/s|error/i.test(l)).map((l) => `    ${l}\n`).join(''));
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  if (r.status !== 0) throw new Error(`rpcbench ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return {
    runs: lines.filter((l) => l.type === 'run'),
    summaries: lines.filter((l) => l.type === 'summary'),
    ratios: lines.filter((l) => l.type === 'ratio'),
  };
}

/** rssprobe.py on one daemon: samples (VmRSS, RssAnon, Pss, VmHWM) at idle, connected, K domains, ... */
export function rssprobe(uri, pid, steps = '1000') {
  const r = spawnSync(PY, [path.join(HARNESS, 'rssprobe.py'), '--uri', uri, '--daemon-pid', String(pid), '--steps', steps, '--settle', '0.5'],
    { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`rssprobe exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  return JSON.parse(line);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}
