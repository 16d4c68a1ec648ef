import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { XdrError, XdrReader, XdrWriter } from '../../src/rpc/xdr.js';
import { STRING_MAX } from '../../src/rpc/protocol.js';
import { t } from '../../src/rpc/types.js';
import { hex } from './captures.js';

test('primitives encode big-endian and decode back', () => {
  const b = new XdrWriter(4).int(-1).uint(0xfffffffe).hyper(-2).uhyper(2 ** 53 - 1).double(1.5).bool(true).finish();
  assert.equal(b.toString('hex'),
    'ffffffff' + 'fffffffe' + 'fffffffffffffffe' + '001fffffffffffff' + '3ff8000000000000' + '00000001');
  const r = new XdrReader(b);
  assert.equal(r.int(), -1);
  assert.equal(r.uint(), 0xfffffffe);
  assert.equal(r.hyper(), -2);
  assert.equal(r.uhyper(), 2 ** 53 - 1);
  assert.equal(r.double(), 1.5);
  assert.equal(r.bool(), true);
  assert.equal(r.remaining, 0);
});

test('hypers beyond 2^53 decode as exact bigints and re-encode identically', () => {
  // DOMAIN_GET_INFO cpuTime captured from libvirtd (Appendix A)
  const wire = hex('18eb53eb b7b79b70');
  const v = new XdrReader(wire).uhyper();
  assert.equal(v, 0x18eb53ebb7b79b70n);
  assert.deepEqual(new XdrWriter().uhyper(v).finish(), wire);
  assert.equal(new XdrReader(hex('80000000 00000000')).hyper(), -(2n ** 63n));
  assert.equal(new XdrReader(hex('ffffffff ffffffff')).uhyper(), 2n ** 64n - 1n);
  assert.deepEqual(new XdrWriter().uhyper(2n ** 64n - 1n).finish(), hex('ffffffff ffffffff'));
});

test('writer rejects values outside the XDR type', () => {
  const w = new XdrWriter();
  assert.throws(() => w.int(2 ** 31), XdrError);
  assert.throws(() => w.int(1.5), XdrError);
  assert.throws(() => w.uint(-1), XdrError);
  assert.throws(() => w.uhyper(-1), XdrError);
  assert.throws(() => w.uhyper(2n ** 64n), XdrError);
  assert.throws(() => w.hyper(0.5), XdrError);
  assert.throws(() => w.string('abcd', 3), XdrError);
  assert.throws(() => w.array([1, 2, 3], 2, (w2, v) => w2.int(v)), XdrError);
  assert.throws(() => w.fixedOpaque(Buffer.alloc(15), 16), XdrError);
});

test('strings and opaques are length-prefixed and zero-padded to 4 bytes', () => {
  // "test:///default" as captured in CONNECT_OPEN (15 bytes + 1 pad)
  const b = new XdrWriter().string('test:///default', STRING_MAX).finish();
  assert.deepEqual(b, hex('0000000f 74657374 3a2f2f2f 64656661 756c7400'));
  assert.equal(new XdrReader(b).string(STRING_MAX), 'test:///default');
  const o = new XdrWriter().opaque(Buffer.from([0xff, 0xff]), 2048).finish();
  assert.deepEqual(o, hex('00000002 ffff0000'));
  assert.deepEqual(new XdrReader(o).opaque(2048), Buffer.from([0xff, 0xff]));
  assert.deepEqual(new XdrWriter().string('', 10).finish(), hex('00000000'));
});

test('optional: 0 = absent, 1 + value = present; other flags are errors', () => {
  const ty = t.optString;
  const w = new XdrWriter();
  ty.encode(w, null);
  ty.encode(w, 'x');
  const b = w.finish();
  assert.deepEqual(b, hex('00000000 00000001 00000001 78000000'));
  const r = new XdrReader(b);
  assert.equal(ty.decode(r), null);
  assert.equal(ty.decode(r), 'x');
  assert.throws(() => ty.decode(new XdrReader(hex('00000002 00000000'))), XdrError);
});

test('rpcgen char quirk: one 4-byte word per char, counted arrays include the NUL', () => {
  // NODE_GET_SECURITY_MODEL model "testSecurity" (Appendix A)
  const wire = hex('0000000d 00000074 00000065 00000073 00000074 00000053 00000065 00000063 00000075 00000072 00000069 00000074 00000079 00000000');
  const ty = t.charArray(257);
  assert.equal(ty.decode(new XdrReader(wire)), 'testSecurity');
  const w = new XdrWriter();
  ty.encode(w, 'testSecurity');
  assert.deepEqual(w.finish(), wire);
  const empty = new XdrWriter();
  ty.encode(empty, '');
  assert.deepEqual(empty.finish(), hex('00000001 00000000'));
  // fixed char[32]: "i686" then 28 zero words
  const fixed = new XdrWriter();
  t.fixedCharArray(32).encode(fixed, 'i686');
  const fb = fixed.finish();
  assert.equal(fb.length, 128);
  assert.deepEqual(fb.subarray(0, 20), hex('00000069 00000036 00000038 00000036 00000000'));
  assert.equal(t.fixedCharArray(32).decode(new XdrReader(fb)), 'i686');
  // raw char bytes (SASL data) keep every byte, high bytes are sign-extended words
  const raw = new XdrWriter().chars(Buffer.from([0x00, 0xff]), 65536).finish();
  assert.deepEqual(raw, hex('00000002 00000000 ffffffff'));
  assert.deepEqual(new XdrReader(raw).chars(65536), Buffer.from([0x00, 0xff]));
});

test('reader: every read past the end throws XdrError', () => {
  assert.throws(() => new XdrReader(hex('000000')).int(), XdrError);
  assert.throws(() => new XdrReader(hex('00000000 000000')).hyper(), XdrError);
  // declared 5 bytes, only 4 present (string needs 8 with padding)
  assert.throws(() => new XdrReader(hex('00000005 61626364')).string(100), XdrError);
  assert.throws(() => new XdrReader(hex('00000005 61626364 65')).string(100), XdrError); // padding missing
  assert.throws(() => new XdrReader(hex('00000010')).fixedOpaque(16), XdrError);
  assert.throws(() => new XdrReader(hex('00000002 00000001')).chars(10), XdrError);
});

test('reader: declared lengths over the maximum throw before reading the data', () => {
  // a string claiming REMOTE_STRING_MAX + 1 bytes, with nothing behind it
  const over = new XdrWriter().uint(STRING_MAX + 1).finish();
  assert.throws(() => new XdrReader(over).string(STRING_MAX), /exceeds maximum 4194304/);
  assert.throws(() => new XdrReader(hex('00000011')).opaque(16), /exceeds maximum/);
  assert.throws(() => new XdrReader(hex('00000015')).array(20, (r) => r.int()), /exceeds maximum 20/);
  assert.throws(() => new XdrReader(hex('00000102')).chars(257), /exceeds maximum 257/);
});

test('reader: an array count that cannot fit in the bytes left is rejected without building it', () => {
  // 16384 is within REMOTE_DOMAIN_LIST_MAX, but 8 bytes cannot hold 16384 domains
  const b = hex('00004000 00000000 00000000');
  let calls = 0;
  assert.throws(() => new XdrReader(b).array(16384, (r) => { calls++; return r.int(); }, 24), XdrError);
  assert.equal(calls, 0);
});

test('writer grows past its initial size', () => {
  const w = new XdrWriter(16);
  for (let i = 0; i < 1000; i++) w.uint(i);
  const b = w.finish();
  assert.equal(b.length, 4000);
  assert.equal(b.readUInt32BE(3996), 999);
});
