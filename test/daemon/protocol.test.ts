// tsvirtd's answers to the handshake and to malformed or unexpected input (protocol §1.5, §5),
// checked on the wire with a raw client against an in-process daemon.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { encodePacket } from '../../src/rpc/packet.js';
import { fdPass } from '../../src/util/fdpass.js';
import { MessageStatus, MessageType } from '../../src/rpc/protocol.js';
import { loadCapture } from '../rpc/captures.js';
import {
  DOM_TEST, RawClient, callHeader, domArgs, errorOf, fake, intOf, openArgs, startDaemon, waitFor, xdr, type TestDaemon,
} from './helpers.js';

let d: TestDaemon;
before(async () => { d = await startDaemon(); });
after(async () => { await d.stop(); });

describe('handshake', () => {
  it('answers virsh\'s opening exchange byte for byte as libvirtd did (capture conn-1.log)', async () => {
    const cap = loadCapture('conn-1.log');
    const c = await RawClient.connect(d.rw);
    // Serials 0..5: AUTH_LIST, feature 10, CONNECT_OPEN, features 14 and 15, REGISTER_CLOSE_CALLBACK.
    for (let i = 0; i < 12; i += 2) {
      const call = cap[i]!;
      const want = cap[i + 1]!;
      assert.equal(call.dir, 'C>S');
      c.send(call.bytes);
      const serial = call.bytes.readUInt32BE(20);
      const got = await c.next((p) => p.header.serial === serial && p.header.type === MessageType.REPLY);
      const bytes = encodePacket(got.header, got.payload);
      assert.equal(bytes.toString('hex'), want.bytes.toString('hex'), `reply to capture line ${call.line}`);
    }
    c.close();
  });

  it('CONNECT_GET_URI names the opened driver, and name "" opens the default', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake('');
    const r = await c.call(110);
    assert.equal(r.header.status, 0);
    assert.match(r.payload.subarray(4, 4 + r.payload.readUInt32BE(0)).toString(), /^test:\/\/\/default$/);
    c.close();
  });

  it('features before CONNECT_OPEN: only keepalive (10); others say the connection is not open', async () => {
    const c = await RawClient.connect(d.rw);
    const ok = await c.call(60, xdr((w) => w.int(10)));
    assert.equal(intOf(ok), 1);
    const bad = await c.call(60, xdr((w) => w.int(14)));
    assert.equal(bad.header.status, MessageStatus.ERROR);
    const e = errorOf(bad);
    assert.equal(e.code, 1);
    assert.equal(e.domain, 7);
    assert.equal(e.message, 'internal error: hypervisor connection not open');
    c.close();
  });

  it('features after open: daemon-level 14/15 = 1, REMOTE (2) = 0, TYPED_PARAM_STRING (9) = 1', async () => {
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    const ans = async (f: number) => intOf(await c.call(60, xdr((w) => w.int(f))));
    assert.deepEqual([await ans(14), await ans(15), await ans(2), await ans(9), await ans(5)], [1, 1, 0, 1, 0]);
    c.close();
  });

  it('CONNECT_CLOSE replies OK, closes the socket and releases the driver connection', async () => {
    await waitFor(() => d.daemon.clients.size === 0, 5000, 'earlier clients to be released');
    const before = fake.closed;
    const c = await RawClient.connect(d.rw);
    await c.handshake();
    const r = await c.call(2);
    assert.equal(r.header.status, 0);
    await c.closedPromise;
    assert.equal(fake.closed, before + 1);
  });
});

describe('malformed and unexpected input (§1.5)', () => {
  let c: RawClient;
  before(async () => { c = await RawClient.connect(d.rw); });
  after(() => c.close());

  const expectRpcError = async (p: Promise<import('../../src/rpc/packet.js').Packet>, code: number, domain: number, message: string) => {
    const r = await p;
    assert.equal(r.header.type, MessageType.REPLY);
    assert.equal(r.header.status, MessageStatus.ERROR);
    const e = errorOf(r);
    assert.deepEqual([e.code, e.domain, e.message], [code, domain, message]);
    return r;
  };

  it('unknown program and wrong version', async () => {
    const r = await expectRpcError(c.call(3, Buffer.alloc(0), { prog: 0x12345678 }), 39, 7, 'Cannot find program 305419896 version 1');
    assert.equal(r.header.prog, 0x12345678, 'the reply echoes the program');
    await expectRpcError(c.call(3, Buffer.alloc(0), { vers: 2 }), 39, 7, 'Cannot find program 536903814 version 2');
  });

  it('a CALL with a non-zero status', async () => {
    await expectRpcError(c.call(3, Buffer.alloc(0), { status: 2 }), 39, 7, 'Unexpected message status 2');
  });

  it('unknown procedures: 0, negative, 444, and event-only numbers', async () => {
    for (const n of [0, -1, 444, 107, 318]) {
      await expectRpcError(c.call(n), 39, 7, `unknown procedure: ${n}`);
    }
  });

  it('a procedure libvirt knows but tsvirtd does not speak is NO_SUPPORT', async () => {
    // 443 DOMAIN_FD_ASSOCIATE needs fd passing, which Node cannot receive.
    const r = await c.call(443, Buffer.alloc(64));
    assert.equal(r.header.status, MessageStatus.ERROR);
    assert.equal(errorOf(r).code, 3);
  });

  it('args that fail to decode; trailing bytes after good args are ignored', async () => {
    await expectRpcError(c.call(60), 39, 7, 'Unable to decode message payload');
    const ok = await c.call(60, Buffer.concat([xdr((w) => w.int(10)), Buffer.alloc(4096)]));
    assert.equal(ok.header.status, 0);
  });

  it('a call needing the hypervisor before CONNECT_OPEN', async () => {
    await expectRpcError(c.call(3), 1, 7, 'internal error: hypervisor connection not open');
    await expectRpcError(c.call(283, xdr((w) => w.int(1).uint(3))), 1, 7, 'internal error: connection not open');
  });

  it('a second CONNECT_OPEN fails and, as in libvirtd, drops the open connection', async () => {
    const c2 = await RawClient.connect(d.rw);
    await c2.handshake();
    const r = await c2.call(1, openArgs('test:///default'));
    assert.equal(errorOf(r).message, 'internal error: connection already open');
    assert.equal(errorOf(await c2.call(3)).message, 'internal error: hypervisor connection not open');
    c2.close();
  });

  it('REPLY, MESSAGE and STREAM packets from a client are never answered', async () => {
    for (const type of [MessageType.REPLY, MessageType.MESSAGE, MessageType.STREAM, MessageType.STREAM_HOLE]) {
      c.send(encodePacket(callHeader(3, 900 + type, { type }), Buffer.alloc(0)));
    }
    const r = await c.call(66);
    assert.equal(r.header.status, 0);
    assert.equal(c.packets.filter((p) => p.header.serial >= 900).length, 0);
  });

  it('SASL and polkit are refused as libvirtd does without them', async () => {
    await expectRpcError(c.call(67), 45, 7, 'authentication failed: authentication failed');
    await expectRpcError(c.call(70), 45, 7, 'authentication failed: authentication failed');
  });

  it('CALL_WITH_FDS whose carrier byte brings no fd: the client is closed (as libvirtd), others go on', async () => {
    const c2 = await RawClient.connect(d.rw);
    const pkt = encodePacket(callHeader(310, 7, { type: MessageType.CALL_WITH_FDS }), domArgs(DOM_TEST, 0), 1);
    c2.send(Buffer.concat([pkt, Buffer.from([0])])); // a plain byte: no SCM_RIGHTS on it
    if (fdPass()) {
      await c2.closedPromise;
      assert.equal(c2.packets.filter((p) => p.header.serial === 7).length, 0, 'no reply');
    } else {
      // built without the fd module: the carrier is skipped and fd procedures are not supported
      const r = await c2.next((p) => p.header.serial === 7);
      assert.equal(r.header.type, MessageType.REPLY, 'never REPLY_WITH_FDS');
      assert.equal(errorOf(r).code, 3);
      const after = await c2.call(66, Buffer.alloc(0), { serial: 8 });
      assert.equal(after.header.status, 0, 'the stream is still in sync after the carrier byte');
      c2.close();
    }
    assert.equal((await c.call(66)).header.status, 0, 'the daemon serves the others');
  });
});
