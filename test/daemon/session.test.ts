// Client sessions: read-only socket, framing errors that close only the offender, keepalive,
// pipelined calls within max_client_requests, idle-connection floods, events and streams, and
// clients that vanish in the middle of things.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { encodePacket } from '../../src/rpc/packet.js';
import { MessageStatus, MessageType, Program } from '../../src/rpc/protocol.js';
import { streamFinishPacket, streamAbortPacket, streamDataPackets, streamHolePacket } from '../../src/rpc/stream.js';
import { XdrReader } from '../../src/rpc/xdr.js';
import {
  DOM_TEST, RawClient, callHeader, domArgs, errorOf, fake, intOf, startDaemon, waitFor, xdr, type TestDaemon,
} from './helpers.js';

const volArgs = (offset: number, length: number, flags: number) => xdr((w) => {
  w.string('default-pool', 1 << 22); w.string('v.img', 1 << 22); w.string('/default-pool/v.img', 1 << 22);
  w.uhyper(offset); w.uhyper(length); w.uint(flags);
});

describe('read-only socket', () => {
  let d: TestDaemon;
  before(async () => { d = await startDaemon(); });
  after(async () => { await d.stop(); });

  it('forces read-only whatever CONNECT_OPEN\'s flags say; lookups still work', async () => {
    const c = await RawClient.connect(d.ro);
    await c.handshake('test:///default', 0);
    const look = await c.call(23, xdr((w) => w.string('test', 100)));
    assert.equal(look.header.status, 0);
    const r = await c.call(12, domArgs(DOM_TEST));
    assert.equal(r.header.status, MessageStatus.ERROR);
    const e = errorOf(r);
    assert.equal(e.code, 29);
    assert.equal(e.domain, 20);
    assert.equal(e.message, 'operation forbidden: read only access prevents virDomainDestroy');
    c.close();
  });

  it('the read-write socket with flag RO (virsh -r) is read-only too; without it, writes pass', async () => {
    const ro = await RawClient.connect(d.rw);
    await ro.handshake('test:///default', 1);
    assert.equal(errorOf(await ro.call(12, domArgs(DOM_TEST))).code, 29);
    ro.close();
    const rw = await RawClient.connect(d.rw);
    await rw.handshake();
    assert.equal((await rw.call(12, domArgs(DOM_TEST))).header.status, 0);
    rw.close();
  });

  it('socket permissions follow unix_sock_rw_perms / unix_sock_ro_perms', async () => {
    const fs = await import('node:fs');
    assert.equal(fs.statSync(d.rw).mode & 0o777, 0o700);
    assert.equal(fs.statSync(d.ro).mode & 0o777, 0o777);
  });
});

describe('framing errors close only that client', () => {
  let d: TestDaemon;
  before(async () => { d = await startDaemon(); });
  after(async () => { await d.stop(); });

  for (const [what, word] of [['oversized', 33554440], ['too short', 27], ['zero', 0], ['huge', 0xffffffff]] as const) {
    it(`length word ${what} (${word})`, async () => {
      const good = await RawClient.connect(d.rw);
      await good.handshake();
      const bad = await RawClient.connect(d.rw);
      const b = Buffer.alloc(32, 0xee);
      b.writeUInt32BE(word >>> 0, 0);
      bad.send(b);
      await bad.closedPromise;
      assert.equal(bad.packets.length, 0, 'no reply to a bad length');
      const r = await good.call(3);
      assert.equal(r.header.status, 0, 'the other client is unharmed');
      good.close();
    });
  }

  it('the largest legal length is accepted (32 MiB packet of trailing zeros)', async () => {
    const c = await RawClient.connect(d.rw);
    const payload = Buffer.alloc(33554436 - 28);
    payload.writeInt32BE(10, 0);
    c.send(encodePacket(callHeader(60, 1), payload));
    const r = await c.next((p) => p.header.serial === 1, 20000);
    assert.equal(intOf(r), 1);
    c.close();
  });
});

describe('keepalive', () => {
  let d: TestDaemon;
  before(async () => { d = await startDaemon({ keepalive_interval: 1, keepalive_count: 1 }); });
  after(async () => { await d.stop(); });

  it('answers PING with PONG even without negotiation', async () => {
    const c = await RawClient.connect(d.rw);
    c.send(encodePacket({ prog: Program.KEEPALIVE, vers: 1, proc: 1, type: MessageType.MESSAGE, serial: 0, status: 0 }));
    const pong = await c.next((p) => p.header.prog === Program.KEEPALIVE);
    assert.equal(pong.header.proc, 2);
    c.close();
  });

  it('drops a silent client after interval × (count + 1), having pinged it', async () => {
    const c = await RawClient.connect(d.rw);
    await c.call(66);
    await c.call(60, xdr((w) => w.int(10)));
    const t0 = Date.now();
    await c.closedPromise;
    const elapsed = Date.now() - t0;
    assert.ok(c.packets.some((p) => p.header.prog === Program.KEEPALIVE && p.header.proc === 1), 'a PING was sent');
    assert.ok(elapsed >= 1500 && elapsed < 4500, `dropped after ${elapsed} ms`);
  });

  it('keeps a client that answers PINGs', async () => {
    const c = await RawClient.connect(d.rw);
    await c.call(60, xdr((w) => w.int(10)));
    const answer = setInterval(() => {
      for (const p of c.packets.splice(0)) {
        if (p.header.prog === Program.KEEPALIVE && p.header.proc === 1) {
          c.send(encodePacket({ ...p.header, proc: 2 }));
        }
      }
    }, 100);
    await new Promise((r) => setTimeout(r, 3500));
    clearInterval(answer);
    assert.equal(c.closed, false);
    c.close();
  });
});

describe('pipelining and limits', () => {
  let d: TestDaemon;
  before(async () => { d = await startDaemon({ max_client_requests: 3, max_anonymous_clients: 4 }); });
  after(async () => { await d.stop(); fake.infoDelay = 0; });

  it('runs at most max_client_requests calls at once and matches replies by serial', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    fake.maxConcurrent = 0;
    fake.infoDelay = 50;
    const serials = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109];
    const replies = serials.map((s) => c.next((p) => p.header.serial === s));
    c.send(Buffer.concat(serials.map((s) => encodePacket(callHeader(16, s), domArgs(DOM_TEST)))));
    const got = await Promise.all(replies);
    fake.infoDelay = 0;
    assert.deepEqual(got.map((p) => p.header.status), serials.map(() => 0));
    assert.equal(fake.maxConcurrent, 3);
    c.close();
  });

  it('a flood of idle connections never locks a real client out', async () => {
    const idle = await Promise.all(Array.from({ length: 12 }, () => RawClient.connect(d.rw)));
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    assert.equal((await c.call(3)).header.status, 0);
    await waitFor(() => idle.filter((x) => x.closed).length >= 8, 2000, 'oldest idle clients to be dropped');
    for (const x of idle) x.close();
    c.close();
  });

  it('a client that disconnects with calls in flight does not disturb others', async () => {
    const a = await RawClient.connect(d.rw);
    await a.handshake();
    fake.infoDelay = 100;
    a.send(Buffer.concat([0, 1, 2, 3, 4, 5].map((s) => encodePacket(callHeader(16, 50 + s), domArgs(DOM_TEST)))));
    await new Promise((r) => setTimeout(r, 20));
    a.close();
    const b = await RawClient.connect(d.rw);
    await b.handshake();
    fake.infoDelay = 0;
    assert.equal((await b.call(16, domArgs(DOM_TEST))).header.status, 0);
    b.close();
    await waitFor(() => d.daemon.clients.size === 0, 3000, 'both clients released');
  });
});

describe('events', () => {
  let d: TestDaemon;
  before(async () => { d = await startDaemon(); });
  after(async () => { await d.stop(); });

  it('delivers MESSAGE 318 with serial 1 and the callback ID; deregistration stops it', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    const reg = await c.call(316, xdr((w) => w.int(0).uint(0)));
    assert.equal(reg.header.status, 0);
    const id = intOf(reg);
    assert.equal(id, 0, 'first callback ID of a connection is 0');
    await c.call(34, domArgs(DOM_TEST)); // suspend raises lifecycle SUSPENDED
    const ev = await c.next((p) => p.header.type === MessageType.MESSAGE && p.header.prog === Program.REMOTE);
    assert.equal(ev.header.proc, 318);
    assert.equal(ev.header.serial, 1);
    const r = new XdrReader(ev.payload);
    assert.equal(r.int(), id);
    assert.equal(r.string(100), 'test');
    r.fixedOpaque(16); r.int();
    assert.deepEqual([r.int(), r.int()], [3, 0]);
    assert.equal((await c.call(317, xdr((w) => w.int(id)))).header.status, 0);
    await c.call(34, domArgs(DOM_TEST));
    await c.call(66);
    assert.equal(c.packets.filter((p) => p.header.type === MessageType.MESSAGE && p.header.prog === Program.REMOTE).length, 0);
    c.close();
  });

  it('an unsupported event ID is refused', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    const r = await c.call(316, xdr((w) => w.int(27).uint(0)));
    assert.equal(errorOf(r).message, 'internal error: unsupported event ID 27');
    c.close();
  });

  it('a client that leaves with registrations releases them', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    await c.call(316, xdr((w) => w.int(0).uint(0)));
    await c.call(316, xdr((w) => w.int(1).uint(0)));
    const listeners = fake.bus.listenerCount;
    assert.ok(listeners >= 2);
    c.close();
    await waitFor(() => fake.bus.listenerCount === listeners - 2, 3000, 'registrations released');
  });
});

describe('streams', () => {
  let d: TestDaemon;
  before(async () => { d = await startDaemon(); });
  after(async () => { await d.stop(); });

  it('download: REPLY, data chunked at 262120 bytes, hole when sparse, empty CONTINUE, OK/OK', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    const rep = await c.call(209, volArgs(0, 0, 1), { serial: 40 });
    assert.equal(rep.header.status, 0);
    const got: { type: number; status: number; len: number }[] = [];
    for (;;) {
      const p = await c.next((x) => x.header.serial === 40 && x.header.type !== MessageType.REPLY);
      assert.equal(p.header.proc, 209);
      got.push({ type: p.header.type, status: p.header.status, len: p.payload.length });
      if (p.header.type === MessageType.STREAM && p.payload.length === 0) break;
    }
    assert.deepEqual(got, [
      { type: 3, status: 2, len: 200000 },
      { type: 6, status: 2, len: 12 },
      { type: 3, status: 2, len: 100000 },
      { type: 3, status: 2, len: 0 },
    ]);
    c.send(streamFinishPacket({ proc: 209, serial: 40 }));
    const fin = await c.next((x) => x.header.serial === 40);
    assert.deepEqual([fin.header.type, fin.header.status], [3, 0]);
    c.close();
  });

  it('upload: data and holes reach the driver in order; OK is acknowledged after the commit', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    fake.uploaded = [];
    await c.call(208, volArgs(0, 0, 0), { serial: 41 });
    const data = Buffer.alloc(600000);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    const id = { proc: 208, serial: 41 };
    c.send(Buffer.concat([...streamDataPackets(id, data), streamHolePacket(id, 4096), streamFinishPacket(id)]));
    const fin = await c.next((x) => x.header.serial === 41);
    assert.deepEqual([fin.header.type, fin.header.status], [3, 0]);
    assert.equal(fake.uploaded.length, 1);
    assert.ok(fake.uploaded[0]!.equals(data));
    c.close();
  });

  it('back-pressure: while the driver is busy the daemon stops reading, then catches up', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    fake.uploaded = [];
    let open!: () => void;
    fake.uploadGate = new Promise((r) => { open = r; });
    await c.call(208, volArgs(0, 0, 0), { serial: 42 });
    const id = { proc: 208, serial: 42 };
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    c.sock.write(Buffer.concat([...streamDataPackets(id, big), streamFinishPacket(id)]));
    await new Promise((r) => setTimeout(r, 300));
    const server = [...d.daemon.clients].find((x) => x.streams.size > 0)!;
    assert.ok(server.socket.isPaused(), 'the daemon stopped reading the socket');
    assert.ok(server.socket.bytesRead < big.length / 2, `read only ${server.socket.bytesRead} bytes while the driver waits`);
    fake.uploadGate = null;
    open();
    const fin = await c.next((x) => x.header.serial === 42, 10000);
    assert.equal(fin.header.status, 0);
    assert.equal(fake.uploaded[0]!.length, big.length);
    c.close();
  });

  it('abort from the client is acknowledged with OK and reaches the driver', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    fake.aborted = [];
    await c.call(208, volArgs(0, 0, 0), { serial: 43 });
    c.send(streamAbortPacket({ proc: 208, serial: 43 }));
    const ack = await c.next((x) => x.header.serial === 43);
    assert.deepEqual([ack.header.type, ack.header.status], [3, 0]);
    assert.deepEqual(fake.aborted, ['upload']);
    c.close();
  });

  it('a client that disconnects mid-stream aborts the driver stream', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    fake.aborted = [];
    await c.call(208, volArgs(0, 0, 0), { serial: 44 });
    c.send(streamDataPackets({ proc: 208, serial: 44 }, Buffer.alloc(1000))[0]!);
    c.close();
    await waitFor(() => fake.aborted.includes('upload'), 3000, 'driver abort');
  });

  it('packets for a stream that does not exist are dropped', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    c.send(streamDataPackets({ proc: 208, serial: 999 }, Buffer.alloc(10))[0]!);
    c.send(encodePacket({ ...callHeader(208, 999), type: MessageType.STREAM, status: MessageStatus.OK }));
    assert.equal((await c.call(3)).header.status, 0);
    assert.equal(c.packets.length, 0);
    c.close();
  });
});

describe('connection limits and observability', () => {
  let d: TestDaemon;
  before(async () => { d = await startDaemon({ max_clients: 3, anonymous_client_timeout: 1 }); });
  after(async () => { await d.stop(); });

  it('a connection that never opens is dropped after anonymous_client_timeout; an opened one stays', async () => {
    const idle = await RawClient.connect(d.rw);
    const opened = await RawClient.connect(d.rw);
    await opened.handshake();
    await idle.closedPromise;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(opened.closed, false);
    assert.equal((await opened.call(3)).header.status, 0);
    opened.close();
  });

  it('beyond max_clients new connections are refused; the existing ones keep working', async () => {
    await waitFor(() => d.daemon.clients.size === 0, 3000, 'earlier clients gone');
    const cs = await Promise.all([1, 2, 3].map(() => RawClient.connect(d.rw)));
    for (const c of cs) await c.handshake();
    const extra = await RawClient.connect(d.rw);
    await extra.closedPromise;
    assert.equal((await cs[0]!.call(3)).header.status, 0);
    for (const c of cs) c.close();
  });

  it('publishes every answered call on the tsvirt:daemon:call diagnostics channel', async () => {
    const dc = await import('node:diagnostics_channel');
    const seen: { proc: string; serial: number; error?: string }[] = [];
    const sub = (m: unknown) => { seen.push(m as { proc: string; serial: number }); };
    await waitFor(() => d.daemon.clients.size === 0, 3000, 'earlier clients gone');
    dc.subscribe('tsvirt:daemon:call', sub);
    try {
      const c = await RawClient.connect(d.rw);
      await c.handshake();
      await c.call(23, xdr((w) => w.string('nosuch', 100)), { serial: 77 });
      c.close();
    } finally { dc.unsubscribe('tsvirt:daemon:call', sub); }
    assert.deepEqual(seen.map((x) => x.proc), ['AUTH_LIST', 'CONNECT_OPEN', 'DOMAIN_LOOKUP_BY_NAME']);
    assert.equal(seen[2]!.serial, 77);
    assert.equal(seen[2]!.error, 'Domain not found');
  });
});
