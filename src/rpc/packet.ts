// Packet framing: the 28-byte header, whole-packet encoding, and a streaming reader that turns
// socket chunks into packets. No sockets here (pg-protocol style: push(chunk) -> packets).
// libvirt counterpart: virnetmessage.c (virNetMessageDecodeLength/Header/NumFDs).

import { MessageStatus, MessageType, NUM_FDS_MAX, PACKET_MAX, PACKET_MIN } from './protocol.js';

const EMPTY = Buffer.alloc(0);

export interface Header {
  prog: number;
  vers: number;
  proc: number;
  type: MessageType | number;
  serial: number;
  status: number;
}

export interface Packet {
  header: Header;
  /** Payload after the header (and after the nfds word for *_WITH_FDS types). */
  payload: Buffer;
  /** Number of fds announced by CALL_WITH_FDS / REPLY_WITH_FDS; 0 otherwise. */
  nfds: number;
  /** Total length as announced by the length word. */
  length: number;
  /**
   * Set only by a reader with `splitStreamData` for a STREAM/CONTINUE packet that arrived in
   * several socket chunks: the data as views of those chunks, in order (payload is then empty).
   */
  parts?: Buffer[];
}

/**
 * The byte stream cannot be trusted any more (bad length word, too many fds): the caller must
 * close that connection, as libvirtd does, without replying.
 */
export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

export function hasFds(type: number): boolean {
  return type === MessageType.CALL_WITH_FDS || type === MessageType.REPLY_WITH_FDS;
}

/** The 28 bytes of length word + header for a packet carrying `bodyLength` more bytes. */
export function encodeHeader(header: Header, bodyLength: number): Buffer {
  const len = PACKET_MIN + bodyLength;
  if (len > PACKET_MAX) throw new FramingError(`packet of ${len} bytes exceeds maximum ${PACKET_MAX}`);
  const b = Buffer.allocUnsafe(PACKET_MIN);
  b.writeUInt32BE(len, 0);
  b.writeUInt32BE(header.prog >>> 0, 4);
  b.writeUInt32BE(header.vers >>> 0, 8);
  b.writeInt32BE(header.proc | 0, 12);
  b.writeInt32BE(header.type | 0, 16);
  b.writeUInt32BE(header.serial >>> 0, 20);
  b.writeInt32BE(header.status | 0, 24);
  return b;
}

/**
 * Fill the first 28 bytes of `b`, a whole packet whose payload already follows them, with the
 * length word and header (the daemon encodes a reply's payload after 28 reserved bytes, so a
 * reply is built in one buffer with no copy).
 */
export function writePacketHeader(b: Buffer, prog: number, vers: number, proc: number, type: number, serial: number, status: number): Buffer {
  const len = b.length;
  if (len > PACKET_MAX) throw new FramingError(`packet of ${len} bytes exceeds maximum ${PACKET_MAX}`);
  b.writeUInt32BE(len, 0);
  b.writeUInt32BE(prog >>> 0, 4);
  b.writeUInt32BE(vers >>> 0, 8);
  b.writeInt32BE(proc | 0, 12);
  b.writeInt32BE(type | 0, 16);
  b.writeUInt32BE(serial >>> 0, 20);
  b.writeInt32BE(status | 0, 24);
  return b;
}

/**
 * A whole packet. For *_WITH_FDS types `nfds` is written between header and payload; the fds
 * themselves (and their 1-byte carriers) are the transport's business.
 */
export function encodePacket(header: Header, payload: Uint8Array = Buffer.alloc(0), nfds = 0): Buffer {
  const withFds = hasFds(header.type);
  if (withFds && (nfds < 0 || nfds > NUM_FDS_MAX)) throw new FramingError(`too many fds: ${nfds}`);
  const extra = withFds ? 4 : 0;
  const head = encodeHeader(header, extra + payload.length);
  const out = Buffer.allocUnsafe(head.length + extra + payload.length);
  head.copy(out, 0);
  if (withFds) out.writeUInt32BE(nfds, PACKET_MIN);
  out.set(payload, PACKET_MIN + extra);
  return out;
}

/**
 * The header answering `call`: REPLY echoes prog, vers, proc and serial and only changes type
 * and status (§1.4); REPLY_WITH_FDS when fds come back.
 */
export function replyHeader(call: Header, status: number, withFds = false): Header {
  return {
    prog: call.prog, vers: call.vers, proc: call.proc, serial: call.serial, status,
    type: withFds ? MessageType.REPLY_WITH_FDS : MessageType.REPLY,
  };
}

/** Decode the header of a complete packet buffer (length word included). */
export function decodeHeader(b: Buffer): Header {
  return {
    prog: b.readUInt32BE(4),
    vers: b.readUInt32BE(8),
    proc: b.readInt32BE(12),
    type: b.readInt32BE(16),
    serial: b.readUInt32BE(20),
    status: b.readInt32BE(24),
  };
}

/** Parse one complete packet (exactly `len` bytes). */
export function decodePacket(b: Buffer): Packet {
  const length = b.readUInt32BE(0);
  if (length < PACKET_MIN || length > PACKET_MAX) throw new FramingError(`bad packet length ${length}`);
  if (b.length !== length) throw new FramingError(`packet has ${b.length} bytes, length word says ${length}`);
  const header = decodeHeader(b);
  let off = PACKET_MIN;
  let nfds = 0;
  if (hasFds(header.type)) {
    if (length < PACKET_MIN + 4) throw new FramingError('packet with fds lacks the fd count');
    nfds = b.readUInt32BE(PACKET_MIN);
    if (nfds > NUM_FDS_MAX) throw new FramingError(`too many fds: ${nfds}`);
    off += 4;
  }
  return { header, payload: b.subarray(off), nfds, length };
}

export interface PacketReaderOptions {
  /**
   * After a packet announcing n fds, the sender does n sendmsg() calls of one 0x00 byte each
   * (the fds ride on them). A plain stream socket sees those bytes in-band, so by default the
   * reader consumes them. A transport that receives fds itself with recvmsg() and strips those
   * bytes sets this to false.
   */
  skipFdBytes?: boolean;
  /**
   * Stream data packets (STREAM, CONTINUE) that span several chunks are not concatenated:
   * their data comes as `parts`. A volume transfer is mostly such packets, and a concatenation
   * copies, and allocates fresh memory for, every byte of it once more.
   */
  splitStreamData?: boolean;
}

/** Below this, a concatenation costs less than handling parts. */
const SPLIT_MIN = 16 * 1024;

/**
 * Streaming reassembly: `push(chunk)` returns every packet completed by the chunk. Packets may
 * be split at any byte and several may share a chunk. The length word is validated as soon as
 * its 4 bytes are present, before anything is allocated for the packet; a bad one throws
 * FramingError and the reader stays failed.
 */
export class PacketReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the packet being assembled, once its length word is known. */
  private want = 0;
  /** In-band fd carrier bytes still to discard. */
  private skip = 0;
  private failed: FramingError | null = null;
  private readonly skipFdBytes: boolean;
  private readonly splitStreamData: boolean;

  constructor(opts: PacketReaderOptions = {}) {
    this.skipFdBytes = opts.skipFdBytes ?? true;
    this.splitStreamData = opts.splitStreamData ?? false;
  }

  /** Bytes held for an incomplete packet (for back-pressure decisions and tests). */
  get bufferedBytes(): number { return this.buffered; }

  /** fd carrier bytes still to discard (0: every announced carrier has been read). */
  get pendingFdBytes(): number { return this.skip; }

  push(chunk: Buffer): Packet[] {
    if (this.failed) throw this.failed;
    const out: Packet[] = [];
    let data = chunk;
    while (data.length > 0) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length);
        this.skip -= n;
        data = data.subarray(n);
        continue;
      }
      if (this.want === 0) {
        // Still collecting the length word.
        const needLen = 4 - this.buffered;
        if (data.length < needLen) {
          this.hold(data);
          break;
        }
        let len: number;
        if (this.buffered === 0) {
          len = data.readUInt32BE(0);
        } else {
          const w = Buffer.concat([...this.chunks, data.subarray(0, needLen)], 4);
          len = w.readUInt32BE(0);
        }
        if (len < PACKET_MIN || len > PACKET_MAX) {
          this.chunks = [];
          this.buffered = 0;
          this.failed = new FramingError(`packet length ${len} outside ${PACKET_MIN}..${PACKET_MAX}`);
          throw this.failed;
        }
        this.want = len;
      }
      // Fast path: the whole packet is in this chunk and nothing is pending.
      if (this.buffered === 0 && data.length >= this.want) {
        if (data.length === this.want) {
          // The usual case, one whole packet per chunk: no views to cut.
          this.want = 0;
          out.push(this.complete(data));
          break;
        }
        const pkt = data.subarray(0, this.want);
        data = data.subarray(this.want);
        this.want = 0;
        out.push(this.complete(pkt));
        continue;
      }
      const missing = this.want - this.buffered;
      if (data.length < missing) {
        this.hold(data);
        break;
      }
      this.hold(data.subarray(0, missing));
      data = data.subarray(missing);
      if (this.splitStreamData && this.want >= SPLIT_MIN) {
        const split = this.splitData();
        if (split) {
          this.chunks = [];
          this.buffered = 0;
          this.want = 0;
          out.push(split);
          continue;
        }
      }
      const pkt = Buffer.concat(this.chunks, this.want);
      this.chunks = [];
      this.buffered = 0;
      this.want = 0;
      out.push(this.complete(pkt));
    }
    return out;
  }

  /** The held chunks as a STREAM/CONTINUE packet with its data in parts; null for any other packet. */
  private splitData(): Packet | null {
    const first = this.chunks[0];
    const head = first.length >= PACKET_MIN ? first : Buffer.concat(this.chunks, PACKET_MIN);
    if (head.readInt32BE(16) !== MessageType.STREAM || head.readInt32BE(24) !== MessageStatus.CONTINUE) return null;
    const parts: Buffer[] = [];
    let skip = PACKET_MIN;
    for (const c of this.chunks) {
      if (skip >= c.length) { skip -= c.length; continue; }
      parts.push(skip > 0 ? c.subarray(skip) : c);
      skip = 0;
    }
    return { header: decodeHeader(head), payload: EMPTY, nfds: 0, length: this.want, parts };
  }

  private hold(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.buffered += b.length;
  }

  private complete(b: Buffer): Packet {
    let p: Packet;
    try {
      p = decodePacket(b);
    } catch (e) {
      this.failed = e instanceof FramingError ? e : new FramingError(String(e));
      throw this.failed;
    }
    if (this.skipFdBytes) this.skip = p.nfds;
    return p;
  }
}
