import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  FramingError, PacketReader, decodePacket, encodeHeader, encodePacket, replyHeader, type Packet,
} from '../../src/rpc/packet.js';
import { MessageType, PACKET_MAX, Program } from '../../src/rpc/protocol.js';
import { hex, listCaptures, loadCapture, type CapturedPacket } from './captures.js';

/** Reassemble the packets of `stream` fed as the given chunks. */
function feed(chunks: Buffer[]): Packet[] {
  const r = new PacketReader();
  const out: Packet[] = [];
  for (const c of chunks) out.push(...r.push(c));
  assert.equal(r.bufferedBytes, 0, 'no bytes left over');
  return out;
}

/** Does the reassembled packet carry exactly the captured bytes? */
function same(p: Packet, want: Buffer): boolean {
  const head = encodeHeader(p.header, want.length - 28);
  return p.length === want.length && head.equals(want.subarray(0, 28)) && p.payload.equals(want.subarray(28));
}

function assertSame(got: Packet[], want: CapturedPacket[], what: string): void {
  assert.equal(got.length, want.length, `${what}: packet count`);
  for (let i = 0; i < want.length; i++) {
    if (!same(got[i]!, want[i]!.bytes)) assert.fail(`${what}: packet ${i} (log line ${want[i]!.line}) differs`);
  }
}

const captures = listCaptures();

test('captures exist and parse', () => {
  assert.ok(captures.length >= 20);
  for (const c of captures) assert.ok(loadCapture(c).length > 0, c);
});

for (const name of captures) {
  test(`${name}: every split offset / byte-by-byte / all glued yields the captured packets`, () => {
    const all = loadCapture(name);
    for (const dir of ['C>S', 'S>C'] as const) {
      const pkts = all.filter((p) => p.dir === dir);
      if (pkts.length === 0) continue;
      const stream = Buffer.concat(pkts.map((p) => p.bytes));
      // all packets glued in one chunk
      assertSame(feed([stream]), pkts, `${name} ${dir} glued`);
      // one byte per chunk: every byte boundary is a split point at once (for the big stream
      // captures: the first 64 KiB byte by byte, the rest in one chunk)
      const bytewise = Math.min(stream.length, 65536);
      const bytes: Buffer[] = [];
      for (let i = 0; i < bytewise; i++) bytes.push(stream.subarray(i, i + 1));
      if (bytewise < stream.length) bytes.push(stream.subarray(bytewise));
      assertSame(feed(bytes), pkts, `${name} ${dir} bytewise`);
      // two chunks split at every offset; for captures over 8 KiB at ~300 spread offsets plus
      // every packet boundary -2..+5, so the suite stays fast
      const offsets = new Set<number>();
      if (stream.length <= 8192) {
        for (let i = 1; i < stream.length; i++) offsets.add(i);
      } else {
        const step = Math.ceil(stream.length / 300);
        for (let i = 1; i < stream.length; i += step) offsets.add(i);
        let b = 0;
        for (const p of pkts) {
          for (const d of [-2, -1, 0, 1, 2, 3, 4, 5]) if (b + d > 0 && b + d < stream.length) offsets.add(b + d);
          b += p.bytes.length;
        }
      }
      for (const k of offsets) {
        assertSame(feed([stream.subarray(0, k), stream.subarray(k)]), pkts, `${name} ${dir} split at ${k}`);
      }
    }
  });
}

test('random chunking over every capture concatenated', () => {
  const pkts = captures.flatMap((c) => loadCapture(c));
  const stream = Buffer.concat(pkts.map((p) => p.bytes));
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let round = 0; round < 5; round++) {
    const chunks: Buffer[] = [];
    for (let off = 0; off < stream.length;) {
      const n = 1 + Math.floor(rnd() * 3000);
      chunks.push(stream.subarray(off, off + n));
      off += n;
    }
    assertSame(feed(chunks), pkts, `round ${round}`);
  }
});

test('decoded header fields match the capture (AUTH_LIST call and reply)', () => {
  const [call, reply] = new PacketReader().push(Buffer.concat([
    hex('0000001c 20008086 00000001 00000042 00000000 00000000 00000000'),
    hex('00000024 20008086 00000001 00000042 00000001 00000000 00000000 00000001 00000000'),
  ]));
  assert.deepEqual(call!.header, { prog: Program.REMOTE, vers: 1, proc: 66, type: 0, serial: 0, status: 0 });
  assert.equal(call!.payload.length, 0);
  assert.equal(reply!.header.type, MessageType.REPLY);
  assert.deepEqual(reply!.payload, hex('00000001 00000000'));
  assert.equal(reply!.length, 36);
});

test('length word 27 and 33554437 are framing errors, raised as soon as the word is complete', () => {
  for (const len of [0, 27, PACKET_MAX + 1, 0xffffffff]) {
    const w = Buffer.alloc(4);
    w.writeUInt32BE(len);
    const r = new PacketReader();
    assert.deepEqual(r.push(w.subarray(0, 3)), []);
    assert.throws(() => r.push(w.subarray(3)), FramingError, `len ${len}`);
    // the reader stays failed: the connection must be closed
    assert.throws(() => r.push(hex('0000001c')), FramingError);
  }
  // the limits themselves are legal
  const minimal = new PacketReader().push(hex('0000001c 20008086 00000001 0000003c 00000000 00000001 00000000'));
  assert.equal(minimal.length, 1);
  const max = Buffer.alloc(4);
  max.writeUInt32BE(PACKET_MAX);
  assert.deepEqual(new PacketReader().push(max), []);
});

test('no allocation for an announced 32 MiB packet until its bytes arrive', () => {
  const r = new PacketReader();
  const head = encodeHeader({ prog: Program.REMOTE, vers: 1, proc: 60, type: 0, serial: 1, status: 0 }, PACKET_MAX - 28);
  const before = process.memoryUsage().arrayBuffers;
  assert.deepEqual(r.push(head), []);
  assert.deepEqual(r.push(Buffer.alloc(100)), []);
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 4 * 1024 * 1024, `grew by ${grown} bytes`);
  assert.equal(r.bufferedBytes, 128);
});

test('a full 33554436-byte packet is accepted and reassembled from chunks', () => {
  const payload = Buffer.alloc(PACKET_MAX - 28, 7);
  const pkt = encodePacket({ prog: Program.REMOTE, vers: 1, proc: 3, type: MessageType.STREAM, serial: 9, status: 2 }, payload);
  assert.equal(pkt.length, PACKET_MAX);
  const r = new PacketReader();
  const out: Packet[] = [];
  for (let off = 0; off < pkt.length; off += 1 << 20) out.push(...r.push(pkt.subarray(off, off + (1 << 20))));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.payload.length, payload.length);
  assert.throws(() => encodePacket(out[0]!.header, Buffer.alloc(PACKET_MAX - 27)), FramingError);
});

test('CALL_WITH_FDS: nfds word after the header, then one in-band carrier byte per fd is skipped', () => {
  const args = hex('0000000a'); // CONNECT_SUPPORTS_FEATURE(10)
  const pkt = encodePacket({ prog: Program.REMOTE, vers: 1, proc: 60, type: MessageType.CALL_WITH_FDS, serial: 4, status: 0 }, args, 2);
  assert.equal(pkt.length, 36);
  assert.equal(pkt.readUInt32BE(28), 2);
  const next = encodePacket({ prog: Program.REMOTE, vers: 1, proc: 60, type: MessageType.CALL, serial: 5, status: 0 }, args);
  const stream = Buffer.concat([pkt, Buffer.from([0, 0]), next]);
  for (let k = 1; k < stream.length; k++) {
    const r = new PacketReader();
    const got = [...r.push(stream.subarray(0, k)), ...r.push(stream.subarray(k))];
    assert.equal(got.length, 2, `split ${k}`);
    assert.equal(got[0]!.nfds, 2);
    assert.deepEqual(got[0]!.payload, args);
    assert.equal(got[1]!.header.serial, 5);
  }
  // a transport that strips the carrier bytes itself
  const r2 = new PacketReader({ skipFdBytes: false });
  assert.equal(r2.push(Buffer.concat([pkt, next])).length, 2);
  // too many fds / missing count are framing errors
  const bad = Buffer.from(pkt);
  bad.writeUInt32BE(33, 28);
  assert.throws(() => new PacketReader().push(bad), FramingError);
  const short = encodePacket({ prog: Program.REMOTE, vers: 1, proc: 60, type: MessageType.REPLY, serial: 4, status: 0 });
  short.writeInt32BE(MessageType.REPLY_WITH_FDS, 16);
  assert.throws(() => decodePacket(short), FramingError);
  assert.throws(() => encodePacket({ prog: 1, vers: 1, proc: 1, type: MessageType.CALL_WITH_FDS, serial: 0, status: 0 }, Buffer.alloc(0), 33), FramingError);
});

test('encodeHeader writes signed proc/type/status and unsigned prog/serial', () => {
  const h = encodeHeader({ prog: 0x6b656570, vers: 1, proc: -1, type: 2, serial: 0xffffffff, status: 0 }, 0);
  assert.deepEqual(h, hex('0000001c 6b656570 00000001 ffffffff 00000002 ffffffff 00000000'));
  const p = decodePacket(h);
  assert.equal(p.header.proc, -1);
  assert.equal(p.header.serial, 0xffffffff);
});

test('replyHeader echoes the call (captured AUTH_LIST exchange)', () => {
  const call = decodePacket(hex('0000001c 20008086 00000001 00000042 00000000 00000000 00000000'));
  const reply = encodePacket(replyHeader(call.header, 0), hex('00000001 00000000'));
  assert.deepEqual(reply, hex('00000024 20008086 00000001 00000042 00000001 00000000 00000000 00000001 00000000'));
  assert.equal(replyHeader(call.header, 1, true).type, MessageType.REPLY_WITH_FDS);
});

test('splitStreamData: a large stream data packet split over chunks arrives as views, other packets whole', () => {
  const data = Buffer.alloc(200_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  const streamHdr = { prog: Program.REMOTE, vers: 1, proc: 209, type: MessageType.STREAM, serial: 9, status: 2 };
  const stream = encodePacket(streamHdr, data);
  const reply = encodePacket({ ...streamHdr, type: MessageType.REPLY, status: 0 }, data);
  const wire = Buffer.concat([stream, reply, stream]);
  // 64 KiB socket reads, and one cut inside the second stream packet's header
  const cuts = [65536, 131072, stream.length + reply.length + 10, wire.length];
  const r = new PacketReader({ splitStreamData: true });
  const out: Packet[] = [];
  let at = 0;
  for (const c of cuts) { out.push(...r.push(wire.subarray(at, c))); at = c; }
  assert.equal(out.length, 3);
  assert.ok(out[0].parts && out[0].parts.length > 1, 'stream data in parts');
  assert.deepEqual(Buffer.concat(out[0].parts!), data);
  assert.equal(out[0].header.serial, 9);
  assert.equal(out[1].parts, undefined, 'a reply is concatenated');
  assert.deepEqual(out[1].payload, data);
  assert.ok(out[2].parts);
  assert.deepEqual(Buffer.concat(out[2].parts!), data);
  // without the option the same bytes come out whole
  assert.deepEqual(feed([wire.subarray(0, 65536), wire.subarray(65536)]).map((p) => p.payload.length), [data.length, data.length, data.length]);
});
