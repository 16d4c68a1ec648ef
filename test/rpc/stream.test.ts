import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { decodePacket, type Packet } from '../../src/rpc/packet.js';
import { MessageType, Program } from '../../src/rpc/protocol.js';
import {
  classifyStreamPacket, parseHole, streamAbortPacket, streamDataPackets, streamEndPacket, streamErrorPacket,
  streamFinishPacket, streamHolePacket,
} from '../../src/rpc/stream.js';
import { ErrorDomain, ErrorNumber, virError } from '../../src/util/error.js';
import { hex, listCaptures, loadCapture } from './captures.js';

test('upload of 300000 bytes is cut like virsh does: 262120 + 37880', () => {
  const data = Buffer.alloc(300000, 0xab);
  const pkts = streamDataPackets({ proc: 208, serial: 15 }, data);
  assert.deepEqual(pkts.map((b) => b.readUInt32BE(0)), [262148, 37908]);
  const p0 = decodePacket(pkts[0]!);
  assert.deepEqual(p0.header, { prog: Program.REMOTE, vers: 1, proc: 208, type: MessageType.STREAM, serial: 15, status: 2 });
  assert.deepEqual(Buffer.concat(pkts.map((b) => decodePacket(b).payload)), data);
  assert.deepEqual(streamDataPackets({ proc: 208, serial: 15 }, Buffer.alloc(0)), []);
});

test('stream data is not padded: a 2-byte console packet has len 30 (captured)', () => {
  const [p] = streamDataPackets({ proc: 201, serial: 8 }, Buffer.from('ab'));
  assert.deepEqual(p, hex('0000001e 20008086 00000001 000000c9 00000003 00000008 00000002 6162'));
});

test('control packets match the captured ones', () => {
  const dl = { proc: 209, serial: 0x15 };
  assert.deepEqual(streamEndPacket(dl), hex('0000001c 20008086 00000001 000000d1 00000003 00000015 00000002'));
  assert.deepEqual(streamFinishPacket(dl), hex('0000001c 20008086 00000001 000000d1 00000003 00000015 00000000'));
  assert.deepEqual(streamAbortPacket(dl), hex('0000001c 20008086 00000001 000000d1 00000003 00000015 00000001'));
  const hole = hex('00000028 20008086 00000001 000000d1 00000006 0000002d 00000002 00000000 00100000 00000000');
  assert.deepEqual(streamHolePacket({ proc: 209, serial: 0x2d }, 1048576), hole);
  assert.deepEqual(parseHole(decodePacket(hole).payload), { length: 1048576, flags: 0 });
});

test('classification of every captured STREAM / STREAM_HOLE packet', () => {
  const kinds = new Map<string, number>();
  for (const name of listCaptures()) {
    for (const c of loadCapture(name)) {
      const p: Packet = decodePacket(c.bytes);
      if (p.header.type !== MessageType.STREAM && p.header.type !== MessageType.STREAM_HOLE) continue;
      const e = classifyStreamPacket(p);
      kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
      if (e.kind === 'data') assert.equal(Buffer.concat(e.data).length, c.bytes.length - 28);
      if (e.kind === 'hole') assert.deepEqual(e, { kind: 'hole', length: 1048576, flags: 0 });
      // the client's abort is ERROR with an empty body
      if (e.kind === 'abort') assert.equal(c.dir, 'C>S');
    }
  }
  for (const k of ['data', 'end', 'finish', 'abort', 'hole']) assert.ok(kinds.get(k), `${k} seen in captures`);
});

test('server-side stream error carries a remote_error', () => {
  const err = virError(ErrorDomain.STORAGE, ErrorNumber.OPERATION_FAILED, 'cannot read volume');
  const p = decodePacket(streamErrorPacket({ proc: 209, serial: 3 }, err));
  assert.equal(p.header.status, 1);
  const e = classifyStreamPacket(p);
  assert.equal(e.kind, 'error');
  if (e.kind === 'error') {
    assert.equal(e.error.code, ErrorNumber.OPERATION_FAILED);
    assert.equal(e.error.domain, ErrorDomain.STORAGE);
    assert.equal(e.error.message, 'operation failed: cannot read volume');
  }
  assert.throws(() => classifyStreamPacket(decodePacket(hex('0000001c 20008086 00000001 000000d1 00000001 00000003 00000000'))), RangeError);
});
