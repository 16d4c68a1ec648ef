// The remote driver against a scripted peer, for what a real libvirtd cannot be made to do:
// send garbage, ask for SASL or polkit, answer out of order, ping us, speak legacy events.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseURI } from '../../../src/drivers/uri.js';
import { RemoteConnection } from '../../../src/drivers/remote/connection.js';
import type { Packet } from '../../../src/rpc/packet.js';
import { MessageStatus, MessageType, Program } from '../../../src/rpc/protocol.js';
import { pingPacket } from '../../../src/rpc/keepalive.js';
import { encodeDomainEvent, encodeLegacyDomainEvent } from '../../../src/rpc/events.js';
import { XdrReader } from '../../../src/rpc/xdr.js';
import { encodeError } from '../../../src/rpc/types.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../../../src/util/error.js';
import type { DomainEventPayload, DomainRef } from '../../../src/drivers/driver.js';
import { int, sleep, startFakePeer, str, type PeerConn, type PeerScript } from './helpers.js';

const DOM: DomainRef = { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 };
const OTHER: DomainRef = { name: 'other', uuid: '11111111-2222-3333-4444-555555555555', id: -1 };

let dir: string;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsvirt-remote-fake-')); });
after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

async function withPeer(script: PeerScript, uriExtra = '', fn: (conn: RemoteConnection, peer: { conns: PeerConn[] }) => Promise<void>): Promise<void> {
  const peer = await startFakePeer(dir, script);
  const conn = new RemoteConnection(parseURI(`test+unix:///default?socket=${peer.sock}${uriExtra}`), { readonly: false, flags: 0 });
  try {
    await fn(conn, peer);
  } finally {
    await conn.connectClose().catch(() => undefined);
    await peer.close();
  }
}

async function expectVirError(p: Promise<unknown>, code: number, msg?: RegExp): Promise<VirError> {
  try {
    await p;
  } catch (e: unknown) {
    assert.ok(e instanceof VirError, `expected VirError, got ${e}`);
    assert.equal(e.code, code, `code ${e.code}: ${e.message}`);
    if (msg) assert.match(e.message, msg);
    return e;
  }
  return assert.fail('expected a rejection');
}

const calls = (c: PeerConn) => c.received.filter((p) => p.header.type === MessageType.CALL).map((p) => p.header.proc);
const featureArgs = (c: PeerConn) => c.received.filter((p) => p.header.proc === 60).map((p) => p.payload.readInt32BE(0));

describe('remote driver handshake', () => {
  it('follows libvirt\'s client order and sends the URI without transport and client-only params', async () => {
    let openName: string | null = null;
    await withPeer((p) => {
      if (p.header.proc === 1) {
        const r = new XdrReader(p.payload);
        openName = r.optional((x) => x.string(1 << 20));
      }
    }, '&call_timeout=30&keepalive_interval=0', async (conn, peer) => {
      await conn.connect();
      assert.equal(openName, 'test:///default');
      assert.deepEqual(calls(peer.conns[0]!), [66, 60, 1, 60, 60, 60, 360]);
      assert.deepEqual(featureArgs(peer.conns[0]!), [10, 14, 15, 9]);
      assert.equal(await conn.connectGetType!(), 'FAKE');
      await conn.connectClose();
      assert.deepEqual(calls(peer.conns[0]!).slice(-2), [361, 2]);
    });
  });

  it('opens read-only with flags 1 and learns the URI when it sent an empty name', async () => {
    const peer = await startFakePeer(dir, (p, c) => {
      if (p.header.proc === 110) { c.reply(p.header, str('qemu:///system')); return true; }
    });
    const conn = new RemoteConnection(parseURI(`remote+unix:///?socket=${peer.sock}`), { readonly: true, flags: 0 });
    try {
      await conn.connect();
      const open = peer.conns[0]!.received.find((p) => p.header.proc === 1)!;
      const r = new XdrReader(open.payload);
      assert.equal(r.optional((x) => x.string(1 << 20)), '');
      assert.equal(r.uint(), 1);
      assert.ok(calls(peer.conns[0]!).includes(110));
      assert.equal(await conn.connectGetUri(), 'qemu:///system');
      assert.equal(await conn.connectSupportsFeature(2), 1, 'REMOTE is answered locally');
    } finally {
      await conn.connectClose();
      await peer.close();
    }
  });

  it('does polkit authentication when the server offers it', async () => {
    await withPeer((p, c) => {
      if (p.header.proc === 66) { c.reply(p.header, Buffer.concat([int(1), int(2)])); return true; }
      if (p.header.proc === 70) { c.reply(p.header, int(1)); return true; }
    }, '', async (conn, peer) => {
      await conn.connect();
      assert.deepEqual(calls(peer.conns[0]!).slice(0, 2), [66, 70]);
    });
  });

  it('refuses SASL with a clear error and closes the socket', async () => {
    await withPeer((p, c) => {
      if (p.header.proc === 66) { c.reply(p.header, Buffer.concat([int(1), int(1)])); return true; }
    }, '', async (conn, peer) => {
      const e = await expectVirError(conn.connect(), ErrorNumber.AUTH_UNAVAILABLE, /SASL/);
      assert.equal(e.domain, ErrorDomain.RPC);
      assert.deepEqual(calls(peer.conns[0]!), [66]);
      assert.equal(conn.isOpen, false);
    });
  });

  it('passes the server\'s error during open through', async () => {
    await withPeer((p, c) => {
      if (p.header.proc === 1) { c.replyError(p.header, virError(ErrorDomain.RPC, ErrorNumber.RPC, 'authentication required')); return true; }
    }, '', async (conn) => {
      await expectVirError(conn.connect(), ErrorNumber.RPC, /^authentication required$/);
    });
  });
});

describe('remote driver calls', () => {
  it('matches replies by serial when the server answers out of order', async () => {
    const held: Packet[] = [];
    await withPeer((p, c) => {
      if (p.header.proc === 59 || p.header.proc === 3) {
        held.push(p);
        if (held.length === 3) {
          for (const h of held.reverse()) c.reply(h.header, str(h.header.proc === 3 ? `type-${h.header.serial}` : `host-${h.header.serial}`));
        }
        return true;
      }
    }, '', async (conn) => {
      await conn.connect();
      const [a, b, t] = await Promise.all([conn.connectGetHostname!(), conn.connectGetHostname!(), conn.connectGetType!()]);
      const serials = held.map((p) => p.header.serial).sort((x, y) => x - y);
      assert.deepEqual([a, b, t], [`host-${serials[0]}`, `host-${serials[1]}`, `type-${serials[2]}`]);
    });
  });

  it('answers the server\'s keepalive PING with PONG', async () => {
    await withPeer(() => false, '', async (conn, peer) => {
      await conn.connect();
      peer.conns[0]!.raw(pingPacket());
      await sleep(50);
      const pong = peer.conns[0]!.received.find((p) => p.header.prog === Program.KEEPALIVE);
      assert.ok(pong, 'a keepalive packet came back');
      assert.equal(pong.header.proc, 2);
      assert.equal(pong.header.type, MessageType.MESSAGE);
    });
  });

  it('pings an idle server and gives up after the configured misses', async () => {
    const closes: number[] = [];
    await withPeer(() => false, '&keepalive_interval=0.05&keepalive_count=2', async (conn, peer) => {
      await conn.connect();
      conn.onConnectionClosed((reason) => closes.push(reason));
      await sleep(400);
      const pings = peer.conns[0]!.received.filter((p) => p.header.prog === Program.KEEPALIVE && p.header.proc === 1);
      assert.equal(pings.length, 2);
      assert.equal(conn.isOpen, false);
      assert.deepEqual(closes, [2]); // VIR_CONNECT_CLOSE_REASON_KEEPALIVE
      await expectVirError(conn.connectGetType!(), ErrorNumber.INTERNAL_ERROR, /client socket is closed/);
    });
  });

  it('a bad length word from the server closes the connection and fails pending calls, no crash', async () => {
    await withPeer((p, c) => {
      if (p.header.proc === 59) { c.raw(Buffer.from([0, 0, 0, 4, 1, 2, 3, 4])); return true; }
    }, '', async (conn) => {
      await conn.connect();
      const slow = conn.connectGetType!(); // held by nobody: must fail with the same error
      const e = await expectVirError(conn.connectGetHostname!(), ErrorNumber.RPC, /malformed packet from server/);
      assert.equal(e.domain, ErrorDomain.RPC);
      await assert.rejects(slow);
      assert.equal(conn.isOpen, false);
    });
  });

  it('an undecodable reply closes the connection with an RPC error', async () => {
    await withPeer((p, c) => {
      if (p.header.proc === 6) { c.reply(p.header, Buffer.from([0, 0, 0, 1])); return true; } // NODE_GET_INFO: 4 of 160 bytes
    }, '', async (conn) => {
      await conn.connect();
      await expectVirError(conn.nodeGetInfo!(), ErrorNumber.RPC, /Unable to decode message payload/);
      assert.equal(conn.isOpen, false);
    });
  });

  it('a reply with a garbled error body closes the connection', async () => {
    await withPeer((p, c) => {
      if (p.header.proc === 59) { c.send({ ...p.header, type: MessageType.REPLY, status: MessageStatus.ERROR }, Buffer.from([0, 0])); return true; }
    }, '', async (conn) => {
      await conn.connect();
      await expectVirError(conn.connectGetHostname!(), ErrorNumber.RPC);
      assert.equal(conn.isOpen, false);
    });
  });

  it('a deadline expiring leaves the connection usable and drops the late reply', async () => {
    let hold: Packet | null = null;
    await withPeer((p) => {
      if (p.header.proc === 59 && !hold) { hold = p; return true; }
    }, '&call_timeout=0.1', async (conn, peer) => {
      await conn.connect();
      await expectVirError(conn.connectGetHostname!(), ErrorNumber.OPERATION_TIMEOUT);
      peer.conns[0]!.reply(hold!.header, str('late'));
      assert.equal(await conn.connectGetHostname!(), 'fakehost');
      assert.equal(conn.rpc!.pendingCalls, 0);
    });
  });

  it('ORs VIR_TYPED_PARAM_STRING_OKAY into get-parameters flags once feature 9 is on', async () => {
    await withPeer((p, c) => {
      if (p.header.proc === 198) { c.reply(p.header, Buffer.concat([int(0), int(3)])); return true; }
    }, '', async (conn, peer) => {
      await conn.connect();
      assert.deepEqual(await conn.domainGetMemoryParameters!(DOM, 0, 0), { params: [], nparams: 3 });
      const call = peer.conns[0]!.received.find((p) => p.header.proc === 198)!;
      assert.equal(call.payload.readUInt32BE(call.payload.length - 4), 4);
    });
  });
});

describe('remote driver events', () => {
  it('routes callback-form events by the server\'s callback id and filters nothing else', async () => {
    let nextServerId = 7;
    await withPeer((p, c) => {
      if (p.header.proc === 316) { c.reply(p.header, int(nextServerId++)); return true; }
    }, '', async (conn, peer) => {
      await conn.connect();
      const a: DomainEventPayload[] = [];
      const b: DomainEventPayload[] = [];
      const idA = await conn.connectDomainEventCallbackRegisterAny(0, null, (_id, p) => a.push(p));
      const idB = await conn.connectDomainEventCallbackRegisterAny(0, DOM, (_id, p) => b.push(p));
      assert.deepEqual([idA, idB], [0, 1], 'local ids, not the server\'s');
      const ev1 = encodeDomainEvent(0, 7, { dom: OTHER, event: 0, detail: 0 });
      const ev2 = encodeDomainEvent(0, 8, { dom: DOM, event: 3, detail: 0 });
      const evUnknown = encodeDomainEvent(0, 99, { dom: DOM, event: 5, detail: 1 });
      for (const ev of [ev1, ev2, evUnknown]) peer.conns[0]!.send({ proc: ev.proc, type: MessageType.MESSAGE, serial: 1 }, ev.body);
      await sleep(50);
      assert.deepEqual(a.map((p) => [p.dom.name, p.event]), [['other', 0]]);
      assert.deepEqual(b.map((p) => [p.dom.name, p.event]), [['test', 3]]);
      await conn.connectDomainEventCallbackDeregisterAny(idA);
      const dereg = peer.conns[0]!.received.filter((p) => p.header.proc === 317).map((p) => p.payload.readInt32BE(0));
      assert.deepEqual(dereg, [7]);
    });
  });

  it('falls back to legacy registration when the server lacks feature 14', async () => {
    await withPeer((p, c) => {
      if (p.header.proc === 60 && p.payload.readInt32BE(0) === 14) { c.reply(p.header, int(0)); return true; }
    }, '', async (conn, peer) => {
      await conn.connect();
      const seen: string[] = [];
      const id1 = await conn.connectDomainEventCallbackRegisterAny(0, null, (_i, p) => seen.push(`all:${p.dom.name}`));
      const id2 = await conn.connectDomainEventCallbackRegisterAny(0, DOM, (_i, p) => seen.push(`test:${p.dom.name}`));
      assert.deepEqual(calls(peer.conns[0]!).filter((n) => n === 167), [167], 'one server registration per event id');
      for (const dom of [DOM, OTHER]) {
        const ev = encodeLegacyDomainEvent(0, { dom, event: 2, detail: 0 });
        peer.conns[0]!.send({ proc: ev.proc, type: MessageType.MESSAGE, serial: 1 }, ev.body);
      }
      await sleep(50);
      assert.deepEqual(seen.sort(), ['all:other', 'all:test', 'test:test']);
      await conn.connectDomainEventCallbackDeregisterAny(id1);
      assert.ok(!calls(peer.conns[0]!).includes(168), 'still one registration left');
      await conn.connectDomainEventCallbackDeregisterAny(id2);
      assert.ok(calls(peer.conns[0]!).includes(168));
    });
  });

  it('an event callback that throws does not break the connection', async () => {
    await withPeer((p, c) => {
      if (p.header.proc === 316) { c.reply(p.header, int(0)); return true; }
    }, '', async (conn, peer) => {
      await conn.connect();
      const warnings: string[] = [];
      const onWarn = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarn);
      try {
        await conn.connectDomainEventCallbackRegisterAny(0, null, () => { throw new Error('user bug'); });
        const ev = encodeDomainEvent(0, 0, { dom: DOM, event: 3, detail: 0 });
        peer.conns[0]!.send({ proc: ev.proc, type: MessageType.MESSAGE, serial: 1 }, ev.body);
        await sleep(50);
        assert.equal(await conn.connectGetType!(), 'FAKE');
        assert.ok(warnings.some((w) => /user bug/.test(w)));
      } finally {
        process.off('warning', onWarn);
      }
    });
  });
});

describe('remote driver streams (scripted peer)', () => {
  it('a server-side stream error mid-download reaches the reader with its code', async () => {
    await withPeer((p, c) => {
      if (p.header.proc === 209) {
        c.reply(p.header);
        const sid = { ...p.header, type: MessageType.STREAM };
        c.send({ ...sid, status: MessageStatus.CONTINUE }, Buffer.from('abc'));
        c.send({ ...sid, status: MessageStatus.ERROR }, encodeError(virError(ErrorDomain.STORAGE, ErrorNumber.INTERNAL_ERROR, 'disk on fire')));
        return true;
      }
    }, '', async (conn) => {
      await conn.connect();
      const s = await conn.storageVolDownload!({ pool: 'p', name: 'v', key: '/p/v' }, 0, 0, 0);
      const got: Buffer[] = [];
      await assert.rejects(async () => { for await (const c of s.incoming!) got.push(c as Buffer); },
        (e: unknown) => e instanceof VirError && e.code === ErrorNumber.INTERNAL_ERROR && /disk on fire/.test(e.message));
      assert.equal(Buffer.concat(got).toString(), 'abc');
      await assert.rejects(s.finish(), /disk on fire/);
      assert.equal(await conn.connectGetType!(), 'FAKE');
    });
  });

  it('upload finish waits for the server\'s OK; a dropped socket fails the stream', async () => {
    let okSent = false;
    await withPeer((p, c) => {
      if (p.header.proc === 208 && p.header.type === MessageType.CALL) { c.reply(p.header); return true; }
      if (p.header.proc === 208 && p.header.type === MessageType.STREAM && p.header.status === MessageStatus.OK) {
        setTimeout(() => { okSent = true; c.send({ ...p.header }, Buffer.alloc(0)); }, 100);
        return true;
      }
      if (p.header.proc === 209 && p.header.type === MessageType.CALL) {
        c.reply(p.header);
        setTimeout(() => c.socket.destroy(), 50);
        return true;
      }
      return p.header.type === MessageType.STREAM;
    }, '', async (conn, peer) => {
      await conn.connect();
      const up = await conn.storageVolUpload!({ pool: 'p', name: 'v', key: '/p/v' }, 0, 0, 0);
      await up.send!(Buffer.alloc(600000, 7));
      await up.finish();
      assert.equal(okSent, true, 'finish resolved only after the server acknowledged');
      const data = peer.conns[0]!.received.filter((p) => p.header.proc === 208 && p.header.type === MessageType.STREAM && p.header.status === MessageStatus.CONTINUE);
      assert.deepEqual(data.map((p) => p.payload.length), [262120, 262120, 75760]);
      const down = await conn.storageVolDownload!({ pool: 'p', name: 'v', key: '/p/v' }, 0, 0, 0);
      await assert.rejects(async () => { for await (const _ of down.incoming!) { /* nothing arrives */ } },
        (e: unknown) => e instanceof VirError && e.code === ErrorNumber.SYSTEM_ERROR);
    });
  });
});
