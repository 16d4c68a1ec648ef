// Stream packets (§8): data, end-of-data, finish, abort, error and hole, plus classification
// of received stream packets. Pure helpers; the daemon and the remote driver own the state.
// libvirt counterpart: virnetclientstream.c / remote_daemon_stream.c packet construction.
//
// A stream is named by the (proc, serial) of the CALL that opened it. Data packets are raw bytes
// (no XDR length, no padding) cut at 262120 bytes like libvirt does.

import { encodeHeader, encodePacket, type Header, type Packet } from './packet.js';
import { LEGACY_PAYLOAD_MAX, MessageStatus, MessageType, Program, PROGRAM_VERSION } from './protocol.js';
import { XdrReader, XdrWriter, type Hyper } from './xdr.js';
import { decodeError, encodeError } from './types.js';
import type { VirError } from '../util/error.js';

export interface StreamId {
  proc: number;
  serial: number;
  /** defaults to the remote program */
  prog?: number;
}

function header(id: StreamId, type: MessageType, status: MessageStatus): Header {
  return { prog: id.prog ?? Program.REMOTE, vers: PROGRAM_VERSION, proc: id.proc, type, serial: id.serial, status };
}

/** Data packets (STREAM/CONTINUE), at most `chunk` bytes each; no packet for empty data. */
export function streamDataPackets(id: StreamId, data: Uint8Array, chunk = LEGACY_PAYLOAD_MAX): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += chunk) {
    out.push(encodePacket(header(id, MessageType.STREAM, MessageStatus.CONTINUE), data.subarray(off, off + chunk)));
  }
  return out;
}

/**
 * The same data packets as header + payload pairs ([head, view, head, view, ...]): written
 * corked they leave in one writev, and the payload bytes are never copied into a packet buffer
 * (a 1 GiB upload would otherwise copy, and allocate, every byte once more on each side).
 */
export function streamDataFrames(id: StreamId, data: Uint8Array, chunk = LEGACY_PAYLOAD_MAX): Buffer[] {
  const out: Buffer[] = [];
  const h = header(id, MessageType.STREAM, MessageStatus.CONTINUE);
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let off = 0; off < buf.length; off += chunk) {
    const view = buf.subarray(off, off + chunk);
    out.push(encodeHeader(h, view.length), view);
  }
  return out;
}

/** Empty CONTINUE: the sender has no more data. */
export function streamEndPacket(id: StreamId): Buffer {
  return encodePacket(header(id, MessageType.STREAM, MessageStatus.CONTINUE));
}

/** Empty OK: "finished" from the client, and the server's acknowledgement (also of an abort). */
export function streamFinishPacket(id: StreamId): Buffer {
  return encodePacket(header(id, MessageType.STREAM, MessageStatus.OK));
}

/** Empty ERROR from the client: abort. */
export function streamAbortPacket(id: StreamId): Buffer {
  return encodePacket(header(id, MessageType.STREAM, MessageStatus.ERROR));
}

/** ERROR carrying a remote_error, from the server when the transfer failed. */
export function streamErrorPacket(id: StreamId, err: VirError): Buffer {
  return encodePacket(header(id, MessageType.STREAM, MessageStatus.ERROR), encodeError(err));
}

/** virNetStreamHole { hyper length; unsigned int flags; } */
export function encodeHole(length: Hyper, flags = 0): Buffer {
  return new XdrWriter(12).hyper(length).uint(flags).finish();
}

export function parseHole(payload: Buffer): { length: Hyper; flags: number } {
  const r = new XdrReader(payload);
  return { length: r.hyper(), flags: r.uint() };
}

/** STREAM_HOLE packet (type 6, status CONTINUE). */
export function streamHolePacket(id: StreamId, length: Hyper, flags = 0): Buffer {
  return encodePacket(header(id, MessageType.STREAM_HOLE, MessageStatus.CONTINUE), encodeHole(length, flags));
}

export type StreamEvent =
  /** data: the bytes, in one piece or several (see Packet.parts) */
  | { kind: 'data'; data: Buffer[] }
  | { kind: 'end' }
  | { kind: 'hole'; length: Hyper; flags: number }
  | { kind: 'finish' }
  | { kind: 'abort' }
  | { kind: 'error'; error: VirError };

/**
 * What a received STREAM / STREAM_HOLE packet means. ERROR with an empty payload is a client
 * abort; with a payload it is the server's remote_error. Throws XdrError on a bad payload.
 */
export function classifyStreamPacket(p: Packet): StreamEvent {
  const { type, status } = p.header;
  if (type === MessageType.STREAM_HOLE) return { kind: 'hole', ...parseHole(p.payload) };
  if (type !== MessageType.STREAM) throw new RangeError(`not a stream packet: type ${type}`);
  switch (status) {
    case MessageStatus.CONTINUE:
      if (p.parts) return { kind: 'data', data: p.parts };
      return p.payload.length === 0 ? { kind: 'end' } : { kind: 'data', data: [p.payload] };
    case MessageStatus.OK:
      return { kind: 'finish' };
    case MessageStatus.ERROR:
      return p.payload.length === 0 ? { kind: 'abort' } : { kind: 'error', error: decodeError(new XdrReader(p.payload)) };
    default:
      throw new RangeError(`bad stream status ${status}`);
  }
}
