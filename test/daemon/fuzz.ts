// A bounded, seed-reproducible protocol fuzzer for tsvirtd, built from the real captured client
// packets: it mutates lengths, header fields and payload bytes, truncates, splits writes at
// random offsets and interleaves packets, over many concurrent connections. Invariants: the
// daemon never sends a malformed packet, never dies, and a normal client still works after
// every round. Exported so a benchmark can run it longer: runFuzz({ socket, seed, durationMs }).
import * as net from 'node:net';
import { PacketReader } from '../../src/rpc/packet.js';
import { listCaptures, loadCapture } from '../rpc/captures.js';
import { RawClient } from './helpers.js';

/** mulberry32: small, fast, good enough to make runs reproducible from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Procedures whose arguments name host files the driver would write or read (save images,
 * core dumps): a mutated path must not touch the machine running the tests.
 */
const HOST_FILE_PROCS = new Set([53, 54, 55, 232, 233, 235, 236, 334, 440, 441]);

let corpusCache: Buffer[] | null = null;
/** Every client→server packet of the captures (small enough to mutate quickly). */
export function corpus(): Buffer[] {
  if (corpusCache) return corpusCache;
  const out: Buffer[] = [];
  for (const f of listCaptures()) {
    for (const p of loadCapture(f)) if (p.dir === 'C>S' && p.bytes.length <= 65536) out.push(p.bytes);
  }
  corpusCache = out;
  return out;
}

export interface FuzzOptions {
  /** the daemon's read-write socket */
  socket: string;
  seed: number;
  durationMs: number;
  /** connections fuzzed at once */
  parallel?: number;
  /** called after every round; throw to stop (e.g. "the daemon process died") */
  check?: () => void | Promise<void>;
}

export interface FuzzReport {
  seed: number;
  rounds: number;
  sessions: number;
  packetsSent: number;
  bytesSent: number;
  repliesReceived: number;
  closedByDaemon: number;
}

type Rand = () => number;
const pick = <T>(r: Rand, a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/**
 * One mutated packet derived from a captured one. Mutations that break the framing (lying
 * length word, truncation, garbage) end the byte stream's usefulness, so they are only chosen
 * when `mayBreakFraming` (the last packet of a session).
 */
export function mutate(r: Rand, src: Buffer, mayBreakFraming = true): Buffer {
  let b = Buffer.from(src);
  const n = int(r, 1, 3);
  const kinds = mayBreakFraming ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : [0, 0, 1, 1, 2, 2, 5, 6, 6, 7, 9];
  for (let i = 0; i < n; i++) {
    switch (pick(r, kinds)) {
      case 0: // payload byte flips
        for (let k = int(r, 1, 8); k > 0 && b.length > 28; k--) b[int(r, 28, b.length - 1)] ^= 1 << int(r, 0, 7);
        break;
      case 1: // a header field gets an interesting value
        if (b.length >= 28) {
          const off = pick(r, [4, 8, 12, 16, 20, 24]);
          b.writeUInt32BE(pick(r, [0, 1, 2, 3, 4, 5, 6, 7, 0xffffffff, 0x7fffffff, 0x80000000, int(r, 0, 500), 0x20008086, 0x6b656570]) >>> 0, off);
        }
        break;
      case 2: // procedure number anywhere in and around libvirt's range
        if (b.length >= 28) b.writeInt32BE(int(r, -3, 460), 12);
        break;
      case 3: // length word lies (the rest of the bytes stay)
        if (b.length >= 4) b.writeUInt32BE(pick(r, [0, 4, 27, 28, b.length - 1, b.length + 1, b.length + 4, 33554436, 33554437, 0xffffffff, int(r, 28, 4096)]) >>> 0, 0);
        break;
      case 4: // truncate
        b = b.subarray(0, int(r, 0, b.length));
        break;
      case 5: // append trailing bytes, length word kept consistent
        b = Buffer.concat([b, Buffer.alloc(int(r, 1, 64), int(r, 0, 255))]);
        if ((!mayBreakFraming || r() < 0.8) && b.length >= 4) b.writeUInt32BE(b.length, 0);
        break;
      case 6: // a declared string/array length in the payload gets huge or negative
        if (b.length >= 32) b.writeUInt32BE(pick(r, [0xffffffff, 0x7fffffff, 4194305, 16385, 65537]) >>> 0, 28 + 4 * int(r, 0, Math.floor((b.length - 32) / 4)));
        break;
      case 7: // type becomes STREAM / STREAM_HOLE / CALL_WITH_FDS
        if (b.length >= 28) b.writeInt32BE(pick(r, [3, 6, 4, 4]), 16);
        break;
      case 8: // pure garbage
        b = Buffer.alloc(int(r, 1, 64));
        for (let k = 0; k < b.length; k++) b[k] = int(r, 0, 255);
        break;
      default: // unchanged
        break;
    }
  }
  if (b.length >= 28 && HOST_FILE_PROCS.has(b.readInt32BE(12))) b.writeInt32BE(3, 12);
  return b;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One fuzzed connection: an optional real handshake, then mutated packets in random writes. */
async function session(opts: FuzzOptions, r: Rand, rep: FuzzReport): Promise<void> {
  const cs = corpus();
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.createConnection(opts.socket, () => resolve(s));
    s.once('error', reject);
  });
  const reader = new PacketReader({ skipFdBytes: false });
  let protocolError: Error | null = null;
  let closed = false;
  sock.on('data', (chunk) => {
    try { rep.repliesReceived += reader.push(chunk).length; } catch (e) { protocolError = e as Error; }
  });
  sock.on('error', () => { /* the daemon may close us: that is allowed */ });
  sock.on('close', () => { closed = true; });
  rep.sessions++;
  const pieces: Buffer[] = [];
  if (r() < 0.6) {
    // A real start (AUTH_LIST, CONNECT_OPEN test:///default) gets the fuzz past the "not open" checks.
    pieces.push(Buffer.from('0000001c200080860000000100000042000000000000000000000000', 'hex'));
    pieces.push(Buffer.from('00000038200080860000000100000001000000000000000200000000000000010000000f746573743a2f2f2f64656661756c740000000000', 'hex'));
  }
  for (let i = int(r, 1, 12); i > 0; i--) {
    const src = pick(r, cs);
    pieces.push(r() < 0.25 ? Buffer.from(src) : mutate(r, src, i === 1));
  }
  // Interleave: glue everything, then cut the byte stream at random points.
  const all = Buffer.concat(pieces);
  rep.packetsSent += pieces.length;
  let off = 0;
  while (off < all.length && !closed) {
    const n = r() < 0.3 ? int(r, 1, 7) : int(r, 8, 2048);
    sock.write(all.subarray(off, off + n));
    rep.bytesSent += Math.min(n, all.length - off);
    off += n;
    if (r() < 0.2) await sleep(int(r, 0, 3));
  }
  await sleep(int(r, 5, 40));
  if (r() < 0.1) sock.end(); else sock.destroy();
  if (closed) rep.closedByDaemon++;
  if (protocolError) throw new Error(`daemon sent a malformed packet: ${(protocolError as Error).message}`);
}

/** A normal client must still get through the whole handshake and a call. */
export async function canary(socket: string): Promise<void> {
  const c = await RawClient.connect(socket);
  try {
    await c.handshake('test:///default');
    const r = await c.call(3);
    if (r.header.status !== 0) throw new Error('canary CONNECT_GET_TYPE failed');
    await c.call(2);
  } finally {
    c.close();
  }
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const r = prng(opts.seed);
  const rep: FuzzReport = { seed: opts.seed, rounds: 0, sessions: 0, packetsSent: 0, bytesSent: 0, repliesReceived: 0, closedByDaemon: 0 };
  const end = Date.now() + opts.durationMs;
  const parallel = opts.parallel ?? 4;
  while (Date.now() < end) {
    // Sub-generators per connection keep each connection's choices tied to the seed.
    const seeds = Array.from({ length: parallel }, () => Math.floor(r() * 2 ** 32));
    await Promise.all(seeds.map((s) => session(opts, prng(s), rep)));
    rep.rounds++;
    await canary(opts.socket);
    await opts.check?.();
  }
  return rep;
}
