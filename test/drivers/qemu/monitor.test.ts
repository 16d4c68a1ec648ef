// The QMP client against a real QEMU (-machine none): greeting, commands with ids, QMP errors,
// async events, timeouts that keep later replies aligned, and EOF failing every pending call.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { QemuMonitor, type QmpEvent } from '../../../src/drivers/qemu/monitor.js';
import { ErrorNumber, VirError } from '../../../src/util/error.js';
import { killAllStarted, startBareQemu } from './helpers.js';

after(killAllStarted);

test('greeting, capabilities negotiation and a command', async () => {
  const q = await startBareQemu();
  try {
    const mon = await QemuMonitor.connect(q.sock, { name: 'bare' });
    assert.equal(mon.greeting!.version.qemu.major, 7);
    const v = await mon.execute<{ qemu: { major: number } }>('query-version');
    assert.equal(v.qemu.major, 7);
    const [a, b] = await Promise.all([mon.execute('query-status'), mon.execute('query-kvm')]);
    assert.ok(typeof (a as { status: string }).status === 'string');
    assert.ok('present' in (b as object));
    mon.close();
  } finally { await q.stop(); }
});

test('a QMP error becomes a VirError naming the command', async () => {
  const q = await startBareQemu();
  try {
    const mon = await QemuMonitor.connect(q.sock);
    await assert.rejects(mon.execute('no-such-command'), (e: VirError) => {
      assert.equal(e.code, ErrorNumber.INTERNAL_ERROR);
      assert.equal(e.message, "internal error: unable to execute QEMU command 'no-such-command': The command no-such-command has not been found");
      return true;
    });
    // The connection is still usable afterwards.
    assert.ok(await mon.execute('query-version'));
    mon.close();
  } finally { await q.stop(); }
});

test('asynchronous events are emitted (STOP, RESUME)', async () => {
  const q = await startBareQemu();
  try {
    const mon = await QemuMonitor.connect(q.sock);
    const events: QmpEvent[] = [];
    mon.on('event', (e) => events.push(e));
    await mon.execute('stop');
    await mon.execute('cont');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(events.map((e) => e.event), ['STOP', 'RESUME']);
    assert.ok(events[0]!.timestamp.seconds > 0);
    mon.close();
  } finally { await q.stop(); }
});

test('a timed-out call fails alone; later replies stay matched to their calls', async () => {
  const q = await startBareQemu();
  try {
    const mon = await QemuMonitor.connect(q.sock);
    process.kill(q.proc.pid, 'SIGSTOP');
    const slow = mon.execute('query-status', undefined, { timeout: 200 });
    const next = mon.execute<{ qemu: { major: number } }>('query-version', undefined, { timeout: 10_000 });
    await assert.rejects(slow, (e: VirError) => e.code === ErrorNumber.OPERATION_TIMEOUT && /query-status/.test(e.message));
    process.kill(q.proc.pid, 'SIGCONT');
    const v = await next;
    assert.equal(v.qemu.major, 7, 'query-version got its own reply, not the late query-status one');
    mon.close();
  } finally { await q.stop(); }
});

test('EOF fails every pending call at once and later calls immediately', async () => {
  const q = await startBareQemu();
  try {
    const mon = await QemuMonitor.connect(q.sock, { name: 'vm-eof' });
    let closed: VirError | null = null;
    mon.on('close', (e) => { closed = e; });
    process.kill(q.proc.pid, 'SIGSTOP');
    const calls = [mon.execute('query-status'), mon.execute('query-version'), mon.execute('query-kvm')];
    q.proc.kill('SIGKILL');
    const results = await Promise.allSettled(calls);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const e = (r as PromiseRejectedResult).reason as VirError;
      assert.equal(e.message, "internal error: End of file from qemu monitor (vm='vm-eof')");
    }
    assert.ok(closed);
    assert.ok(mon.closed);
    await assert.rejects(mon.execute('query-status'), /End of file from qemu monitor/);
  } finally { await q.stop(); }
});

test('connect gives up with a clear error when nothing listens', async () => {
  const t0 = Date.now();
  await assert.rejects(QemuMonitor.connect('/nonexistent/dir/qmp.sock', { timeout: 300 }),
    (e: VirError) => /failed to connect to monitor socket \/nonexistent\/dir\/qmp.sock/.test(e.message));
  assert.ok(Date.now() - t0 < 3000);
  await assert.rejects(QemuMonitor.connect('/nonexistent/qmp.sock', { timeout: 60_000, isAlive: () => false }), /failed to connect/);
});
