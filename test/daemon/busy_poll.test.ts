import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { BusyPoller, noteClientInput } from '../../src/daemon/busy_poll.js';
import { socketFd } from '../../src/util/fdpass.js';
import { open } from '../../src/api/index.js';
import { spawnDaemon } from './spawn.js';

/**
 * A unix socket served here whose peer is another process running `script` (with the socket
 * path as argv[1]): the peer writes while this process is busy polling, as a real client does.
 */
async function peerProcess(script: string): Promise<{ srv: net.Socket; child: ChildProcess; done: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-bp-'));
  const sock = path.join(dir, 's');
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((r) => server.listen(sock, r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const child = spawn(process.execPath, ['-e', script, sock], { stdio: 'ignore' });
  const srv = await accepted;
  return { srv, child, done: () => { child.kill(); srv.destroy(); server.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('busy poller: a call that arrives while it polls is read at once, behind the event loop', async () => {
  // the peer writes 50 ms after connecting; the poller (armed right away) waits up to 3 s
  const { srv, done } = await peerProcess("const s = require('net').connect(process.argv[1], () => setTimeout(() => s.write('next call'), 50)); setTimeout(() => {}, 5000);");
  try {
    const got: Buffer[] = [];
    const fd = socketFd(srv);
    assert.equal(typeof fd, 'number');
    const p = new BusyPoller(fd!, 3_000_000, { id: 101, pollable: () => true, input: (b) => got.push(b) });
    noteClientInput(101);
    await sleep(5); // no other client within the sharing window
    const t0 = performance.now();
    p.arm();
    await tick();
    const waited = performance.now() - t0;
    assert.equal(Buffer.concat(got).toString(), 'next call');
    assert.ok(waited < 2500, `returned as soon as the call came (${waited} ms)`);
  } finally { done(); }
});

test('busy poller: gives up after busy_poll_us with nothing to read, and never polls for a shared daemon', async () => {
  const { srv, done } = await peerProcess("const s = require('net').connect(process.argv[1], () => s.write('x')); setTimeout(() => {}, 5000);");
  try {
    const got: Buffer[] = [];
    await sleep(100); // the peer's byte is waiting
    // another client was just heard from: no polling, the byte stays for the event loop
    const p = new BusyPoller(socketFd(srv)!, 3000, { id: 202, pollable: () => true, input: (b) => got.push(b) });
    noteClientInput(202);
    noteClientInput(203);
    p.arm();
    await tick();
    assert.equal(got.length, 0);
    // nor when the client is not pollable (a call running, paused, streaming)
    noteClientInput(202);
    await sleep(5);
    const q = new BusyPoller(socketFd(srv)!, 3000, { id: 202, pollable: () => false, input: (b) => got.push(b) });
    q.arm();
    await tick();
    assert.equal(got.length, 0);
    // alone and pollable: the byte is read
    p.arm();
    await tick();
    assert.equal(Buffer.concat(got).toString(), 'x');
    // and with nothing more to read it stops after about busy_poll_us (3 ms)
    const t0 = performance.now();
    p.arm();
    await tick();
    const spent = performance.now() - t0;
    assert.equal(got.length, 1);
    assert.ok(spent >= 2.5 && spent < 1000, `polled for ${spent} ms (3 ms asked)`);
  } finally { done(); }
});

test('busy poller: a peer that hung up is left to the event loop (no input, the socket ends)', async () => {
  const { srv, done } = await peerProcess("const s = require('net').connect(process.argv[1], () => s.end());");
  try {
    await sleep(150);
    const got: Buffer[] = [];
    const p = new BusyPoller(socketFd(srv)!, 2000, { id: 303, pollable: () => true, input: (b) => got.push(b) });
    noteClientInput(303);
    await sleep(5);
    p.arm();
    await tick();
    assert.equal(got.length, 0);
    const ended = new Promise<void>((r) => srv.once('end', () => r()));
    srv.resume();
    await ended;
  } finally { done(); }
});

test('tsvirtd with busy_poll_us: back-to-back calls of one client and interleaved clients are all answered', async () => {
  const d = await spawnDaemon({ config: 'drivers = [ "test" ]\nbusy_poll_us = 2000\n' });
  try {
    const uri = `test+unix:///default?socket=${d.rw}`;
    const a = await open(uri);
    const b = await open(uri);
    // one client alone: the poller picks up each next call
    for (let i = 0; i < 300; i++) assert.equal((await (await a.lookupDomainByName('test')).info()).nrVirtCpu, 2);
    // two clients at once: both progress, neither waits behind the other's polling
    const loop = async (c: typeof a, n: number) => { for (let i = 0; i < n; i++) assert.equal((await c.lookupDomainByName('test')).name, 'test'); };
    await Promise.all([loop(a, 200), loop(b, 200)]);
    // a client that leaves right after a reply (while the daemon polls for it)
    await a.lookupDomainByName('test');
    await a.close();
    assert.equal((await b.lookupDomainByName('test')).name, 'test');
    await b.close();
    const c = await open(uri);
    assert.equal((await c.lookupDomainByName('test')).name, 'test');
    await c.close();
    assert.equal(d.proc.exitCode, null, d.stderr());
  } finally {
    await d.stop();
  }
});
