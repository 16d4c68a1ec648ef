// The command runner as a user of it sees it: what the child's environment, limits, identity,
// log, pidfile and process group really are, and that a daemonized child outlives its parent.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { commandToString, runCommand, startCommand } from '../../src/util/command.js';

function tmpdir(): string { return fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-cmd-')); }

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Fields of /proc/PID/stat after the command name: state ppid pgrp session ... */
function procStat(pid: number): { ppid: number; pgrp: number; session: number } {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]) };
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the environment is cleared down to the allow-list plus explicit extras', async () => {
  process.env['TSVIRT_SHOULD_NOT_LEAK'] = 'secret';
  try {
    const r = await runCommand({ argv: ['env'], env: { XDG_CACHE_HOME: '/x/cache' }, home: '/var/lib/x' });
    assert.equal(r.code, 0);
    const vars = r.stdout.trim().split('\n').sort();
    assert.deepEqual(vars, ['HOME=/var/lib/x', 'LC_ALL=C', 'PATH=/usr/bin:/bin', 'XDG_CACHE_HOME=/x/cache']);
  } finally {
    delete process.env['TSVIRT_SHOULD_NOT_LEAK'];
  }
});

test('resource limits are in force in the child (memlock below the hard limit: this host lacks CAP_SYS_RESOURCE)', async () => {
  const r = await runCommand({
    argv: ['cat', '/proc/self/limits'],
    rlimits: { nofile: 321, nproc: 4321, memlock: 4 * 1024 * 1024 },
  });
  assert.equal(r.code, 0, r.stderr);
  const line = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(name))!.split(/\s{2,}/);
  assert.deepEqual(line('Max open files').slice(1, 3), ['321', '321']);
  assert.deepEqual(line('Max processes').slice(1, 3), ['4321', '4321']);
  assert.deepEqual(line('Max locked memory').slice(1, 3), [String(4 * 1024 * 1024), String(4 * 1024 * 1024)]);
});

test('the child runs as the configured uid and gid with no supplementary groups', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const r = await runCommand({ argv: ['sh', '-c', 'id -u; id -g; id -G'], uid: 65534, gid: 65534, rlimits: { nofile: 100 } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['65534', '65534', '65534']);
});

test('output is appended to the log after the command line; pidfile and process group', async () => {
  const dir = tmpdir();
  const log = path.join(dir, 'vm.log');
  const pidFile = path.join(dir, 'vm.pid');
  const opts = { argv: ['sh', '-c', 'echo "to stdout"; echo "to stderr" >&2; sleep 0.3'], logFile: log, pidFile };
  const c = await startCommand(opts);
  assert.equal(fs.readFileSync(pidFile, 'utf8'), `${c.pid}\n`);
  const st = procStat(c.pid);
  assert.equal(st.pgrp, c.pid, 'leads its own process group');
  assert.equal(st.session, c.pid, 'leads its own session');
  const ex = await c.exited!;
  assert.equal(ex.code, 0);
  await startCommand({ ...opts, argv: ['sh', '-c', 'echo second'] }).then((c2) => c2.exited);
  const lines = fs.readFileSync(log, 'utf8').split('\n');
  assert.equal(lines[0], commandToString(opts));
  assert.equal(lines[0], `LC_ALL=C PATH=/usr/bin:/bin HOME=/ sh -c 'echo "to stdout"; echo "to stderr" >&2; sleep 0.3'`);
  assert.deepEqual(lines.slice(1, 3).sort(), ['to stderr', 'to stdout']);
  assert.equal(lines[3], `LC_ALL=C PATH=/usr/bin:/bin HOME=/ sh -c 'echo second'`);
  assert.equal(lines[4], 'second');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('kill() signals the whole process group', async () => {
  const c = await startCommand({ argv: ['sh', '-c', 'sleep 30 & wait'] });
  await new Promise((r) => setTimeout(r, 100));
  const members = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number)
    .filter((p) => { try { return procStat(p).pgrp === c.pid; } catch { return false; } });
  assert.ok(members.length >= 2, 'sh and its sleep share the group');
  c.kill('SIGKILL');
  await c.exited;
  await waitFor(() => members.every((p) => !alive(p) || procStat(p).pgrp !== c.pid));
});

test('passed fds arrive as fd 3, 4, ...', async () => {
  const dir = tmpdir();
  const f = path.join(dir, 'out');
  const fd = fs.openSync(f, 'w');
  const c = await startCommand({ argv: ['sh', '-c', 'echo via-fd3 >&3'], passFds: [fd] });
  fs.closeSync(fd);
  await c.exited;
  assert.equal(fs.readFileSync(f, 'utf8'), 'via-fd3\n');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a daemonized child survives its SIGKILLed parent and keeps its log and limits', async () => {
  const dir = tmpdir();
  const log = path.join(dir, 'd.log');
  const pidFile = path.join(dir, 'd.pid');
  const runner = new URL('../../src/util/command.js', import.meta.url).href;
  // A stand-in for the daemon: starts the child daemonized, reports its pid, then waits forever.
  const script = `
    const { startCommand } = await import(${JSON.stringify(runner)});
    const c = await startCommand({ argv: ['sh', '-c', 'echo started; exec sleep 30'], daemonize: true,
      logFile: ${JSON.stringify(log)}, pidFile: ${JSON.stringify(pidFile)}, rlimits: { nofile: 222 } });
    process.stdout.write(String(c.pid) + '\\n');
    setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let childPid = 0;
  try {
    childPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout!.on('data', (d) => { out += d; if (out.includes('\n')) resolve(Number(out.trim())); });
      parent.once('exit', () => reject(new Error('parent exited early')));
    });
    assert.equal(fs.readFileSync(pidFile, 'utf8'), `${childPid}\n`);
    assert.notEqual(procStat(childPid).ppid, parent.pid, 'not a child of the daemon');
    assert.equal(procStat(childPid).pgrp, childPid);
    parent.kill('SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(alive(childPid), 'child outlived the SIGKILLed daemon');
    const limits = fs.readFileSync(`/proc/${childPid}/limits`, 'utf8');
    assert.match(limits, /Max open files\s+222\s+222/);
    await waitFor(() => fs.readFileSync(log, 'utf8').includes('started'));
  } finally {
    if (childPid) try { process.kill(childPid, 'SIGKILL'); } catch { /* gone */ }
    parent.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('runCommand reports exit status and stderr; timeout kills', async () => {
  const r = await runCommand({ argv: ['sh', '-c', 'echo oops >&2; exit 3'] });
  assert.equal(r.code, 3);
  assert.equal(r.stderr, 'oops\n');
  const t0 = Date.now();
  const t = await runCommand({ argv: ['sleep', '10'], timeoutMs: 200 });
  assert.equal(t.signal, 'SIGKILL');
  assert.ok(Date.now() - t0 < 5000);
  await assert.rejects(runCommand({ argv: ['/nonexistent/prog'] }), /ENOENT/);
});
