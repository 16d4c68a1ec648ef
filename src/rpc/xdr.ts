// XDR (RFC 4506) as libvirt's rpcgen uses it: a growable writer and a bounds-checked reader.
// libvirt counterpart: the xdr_* routines of glibc/libtirpc driven by remote_protocol.x.
//
// Every malformed input raises XdrError; the daemon turns it into libvirt's
// "Unable to decode message payload" (VIR_ERR_RPC). The reader checks every declared length
// against its maximum *and* against the bytes actually left before allocating anything.

/** A payload that cannot be encoded or decoded (bad length, past the end, over a maximum). */
export class XdrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XdrError';
  }
}

const TWO_32 = 4294967296;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const UINT_MAX = 4294967295;
const HYPER_MIN = -(2n ** 63n);
const HYPER_MAX = 2n ** 63n - 1n;
const UHYPER_MAX = 2n ** 64n - 1n;

/** Hypers travel as JS numbers when exact, as bigint beyond 2^53 (so a round trip is lossless). */
export type Hyper = number | bigint;

function pad4(n: number): number {
  return (4 - (n & 3)) & 3;
}

function toBigInt(v: Hyper, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new XdrError(`${what}: not an integer: ${String(v)}`);
  return BigInt(v);
}

export class XdrWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initial));
  }

  get length(): number { return this.len; }

  private reserve(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  int(v: number): this {
    if (!Number.isInteger(v) || v < INT_MIN || v > INT_MAX) throw new XdrError(`int out of range: ${v}`);
    this.reserve(4);
    this.put32(v);
    return this;
  }

  uint(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > UINT_MAX) throw new XdrError(`unsigned int out of range: ${v}`);
    this.reserve(4);
    this.put32(v);
    return this;
  }

  /** Four big-endian bytes of an int32/uint32 (byte stores: cheaper than writeUInt32BE's checks). */
  private put32(v: number): void {
    const b = this.buf;
    const o = this.len;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
    this.len = o + 4;
  }

  hyper(v: Hyper): this {
    // Exact JS numbers (the common case: memory sizes, times) skip the bigint round trip.
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      const hi = Math.floor(v / TWO_32);
      this.reserve(8);
      this.put32(hi);
      this.put32(v - hi * TWO_32);
      return this;
    }
    const b = toBigInt(v, 'hyper');
    if (b < HYPER_MIN || b > HYPER_MAX) throw new XdrError(`hyper out of range: ${b}`);
    this.reserve(8);
    this.buf.writeBigInt64BE(b, this.len);
    this.len += 8;
    return this;
  }

  uhyper(v: Hyper): this {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      const hi = Math.floor(v / TWO_32);
      this.reserve(8);
      this.put32(hi);
      this.put32(v - hi * TWO_32);
      return this;
    }
    const b = toBigInt(v, 'unsigned hyper');
    if (b < 0n || b > UHYPER_MAX) throw new XdrError(`unsigned hyper out of range: ${b}`);
    this.reserve(8);
    this.buf.writeBigUInt64BE(b, this.len);
    this.len += 8;
    return this;
  }

  double(v: number): this {
    this.reserve(8);
    this.buf.writeDoubleBE(v, this.len);
    this.len += 8;
    return this;
  }

  /** libvirt's .x files use int for booleans: 0 or 1. */
  bool(v: boolean | number): this {
    return this.int(v ? 1 : 0);
  }

  /** Raw bytes plus zero padding to a multiple of 4 (no length word). */
  private bytes(b: Uint8Array): void {
    const n = b.length;
    const p = pad4(n);
    this.reserve(n + p);
    if (n <= 32) {
      // A UUID or a short opaque: a byte loop beats TypedArray.set's set-up cost.
      const buf = this.buf;
      const o = this.len;
      for (let i = 0; i < n; i++) buf[o + i] = b[i]!;
    } else {
      this.buf.set(b, this.len);
    }
    this.len += n;
    this.zeroPad(n);
  }

  /** `string<max>`: u32 byte length, UTF-8 bytes, padding. */
  string(s: string, max: number): this {
    if (typeof s !== 'string') throw new XdrError(`string expected, got ${typeof s}`);
    const n = s.length;
    // Short ASCII strings (names, URIs, most XML) are copied char by char into place: no
    // intermediate Buffer. Anything else goes through Buffer's UTF-8 encoder.
    if (n <= 256) {
      this.reserve(4 + n + 3);
      const b = this.buf;
      const start = this.len + 4;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[start + i] = c;
      }
      if (i === n) {
        if (n > max) throw new XdrError(`string of ${n} bytes exceeds maximum ${max}`);
        this.put32(n);
        this.len += n;
        this.zeroPad(n);
        return this;
      }
    }
    const byteLen = Buffer.byteLength(s, 'utf8');
    if (byteLen > max) throw new XdrError(`string of ${byteLen} bytes exceeds maximum ${max}`);
    this.reserve(4 + byteLen + 3);
    this.put32(byteLen);
    this.buf.write(s, this.len, byteLen, 'utf8');
    this.len += byteLen;
    this.zeroPad(byteLen);
    return this;
  }

  private zeroPad(n: number): void {
    const p = pad4(n);
    for (let i = 0; i < p; i++) this.buf[this.len++] = 0;
  }

  /** `T *x`: 0 = absent, 1 + T = present (null and undefined are absent). */
  optional<T>(v: T | null | undefined, enc: (w: XdrWriter, v: T) => void): this {
    if (v === null || v === undefined) return this.uint(0);
    this.uint(1);
    enc(this, v);
    return this;
  }

  /** `opaque x[n]`: exactly n bytes, padded. */
  fixedOpaque(b: Uint8Array, n: number): this {
    if (b.length !== n) throw new XdrError(`fixed opaque needs ${n} bytes, got ${b.length}`);
    this.bytes(b);
    return this;
  }

  /** `opaque x<max>`: u32 length, bytes, padding. */
  opaque(b: Uint8Array, max: number): this {
    if (b.length > max) throw new XdrError(`opaque of ${b.length} bytes exceeds maximum ${max}`);
    this.uint(b.length);
    this.bytes(b);
    return this;
  }

  /** `T x<max>`: u32 count, then each element. */
  array<T>(items: readonly T[], max: number, enc: (w: XdrWriter, v: T) => void): this {
    if (!Array.isArray(items)) throw new XdrError('array expected');
    if (items.length > max) throw new XdrError(`array of ${items.length} elements exceeds maximum ${max}`);
    this.uint(items.length);
    for (const it of items) enc(this, it);
    return this;
  }

  /** `T x[n]`: exactly n elements, no count. */
  fixedArray<T>(items: readonly T[], n: number, enc: (w: XdrWriter, v: T) => void): this {
    if (items.length !== n) throw new XdrError(`fixed array needs ${n} elements, got ${items.length}`);
    for (const it of items) enc(this, it);
    return this;
  }

  /**
   * rpcgen quirk: `char x<max>` is a variable array of *4-byte* chars (one word per byte,
   * sign-extended as C char is signed on x86).
   */
  chars(b: Uint8Array, max: number): this {
    if (b.length > max) throw new XdrError(`char array of ${b.length} exceeds maximum ${max}`);
    this.uint(b.length);
    this.charWords(b);
    return this;
  }

  /** `char x[n]`: n 4-byte chars, no count. */
  fixedChars(b: Uint8Array, n: number): this {
    if (b.length !== n) throw new XdrError(`fixed char array needs ${n} chars, got ${b.length}`);
    this.charWords(b);
    return this;
  }

  private charWords(b: Uint8Array): void {
    this.reserve(b.length * 4);
    for (const c of b) {
      this.buf.writeInt32BE((c << 24) >> 24, this.len);
      this.len += 4;
    }
  }

  /** Append already-encoded bytes verbatim (no padding). */
  raw(b: Uint8Array): this {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Leave `n` bytes to be filled later through view() (a packet header before its payload). */
  skip(n: number): this {
    this.reserve(n);
    this.len += n;
    return this;
  }

  /** The encoded bytes (a copy, so the writer can be reused or dropped). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }

  /** The encoded bytes without copying: for a writer that is dropped right after. */
  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export class XdrReader {
  private pos: number;
  private readonly end: number;

  constructor(private readonly buf: Buffer, offset = 0, end = buf.length) {
    if (offset < 0 || end > buf.length || offset > end) throw new XdrError('bad reader bounds');
    this.pos = offset;
    this.end = end;
  }

  get offset(): number { return this.pos; }
  get remaining(): number { return this.end - this.pos; }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new XdrError(`${what}: need ${n} bytes at offset ${this.pos}, only ${this.end - this.pos} left`);
    }
  }

  int(): number {
    this.need(4, 'int');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint(): number {
    this.need(4, 'unsigned int');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  hyper(): Hyper {
    this.need(8, 'hyper');
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    let v: Hyper;
    if (hi >= -0x200000 && hi < 0x200000) v = hi * TWO_32 + lo;
    else v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  uhyper(): Hyper {
    this.need(8, 'unsigned hyper');
    const hi = this.buf.readUInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    let v: Hyper;
    if (hi < 0x200000) v = hi * TWO_32 + lo;
    else v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8, 'double');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    return this.int() !== 0;
  }

  /** n bytes plus their padding; returns a view (no copy). */
  private bytes(n: number, what: string): Buffer {
    const total = n + pad4(n);
    this.need(total, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += total;
    return b;
  }

  private length(max: number, what: string): number {
    const n = this.uint();
    if (n > max) throw new XdrError(`${what} length ${n} exceeds maximum ${max}`);
    return n;
  }

  string(max: number): string {
    const n = this.length(max, 'string');
    const total = n + pad4(n);
    this.need(total, 'string');
    const start = this.pos;
    this.pos += total;
    return this.buf.toString('utf8', start, start + n);
  }

  optional<T>(dec: (r: XdrReader) => T): T | null {
    const flag = this.uint();
    if (flag === 0) return null;
    if (flag !== 1) throw new XdrError(`optional flag must be 0 or 1, got ${flag}`);
    return dec(this);
  }

  /** `opaque x[n]` as a view into the packet (no copy): for callers that do not keep it. */
  fixedOpaqueView(n: number): Buffer {
    return this.bytes(n, 'fixed opaque');
  }

  /** `opaque x[n]` — returns a copy so callers may keep it past the packet's lifetime. */
  fixedOpaque(n: number): Buffer {
    return Buffer.from(this.bytes(n, 'fixed opaque'));
  }

  opaque(max: number): Buffer {
    const n = this.length(max, 'opaque');
    return Buffer.from(this.bytes(n, 'opaque'));
  }

  /**
   * `T x<max>`. The count is checked against max and against what could possibly fit in the
   * remaining bytes (`minSize` bytes per element) before any array is built.
   */
  array<T>(max: number, dec: (r: XdrReader) => T, minSize = 4): T[] {
    const n = this.length(max, 'array');
    if (minSize > 0 && n * minSize > this.remaining) {
      throw new XdrError(`array of ${n} elements cannot fit in ${this.remaining} bytes`);
    }
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(dec(this));
    return out;
  }

  fixedArray<T>(n: number, dec: (r: XdrReader) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(dec(this));
    return out;
  }

  /** rpcgen `char x<max>`: u32 count then one 4-byte word per char; returns the bytes. */
  chars(max: number): Buffer {
    const n = this.length(max, 'char array');
    return this.charWords(n);
  }

  fixedChars(n: number): Buffer {
    return this.charWords(n);
  }

  private charWords(n: number): Buffer {
    this.need(n * 4, 'char array');
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.buf.readInt32BE(this.pos) & 0xff;
      this.pos += 4;
    }
    return out;
  }

  /** Everything left, without interpretation (stream data is not XDR-padded). */
  rest(): Buffer {
    const b = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return b;
  }
}
