// A stream opened by a call (volume upload/download, console): pumps a DriverStream to and from
// STREAM / STREAM_HOLE packets that repeat the opening call's proc and serial.
// libvirt counterpart: src/remote/remote_daemon_stream.c. Wire rules (protocol §8): data is
// not padded, chunks are at most 262120 bytes, an empty CONTINUE is end-of-data, the client's
// OK is answered with OK after the driver committed, its ERROR (abort) is answered with OK.
import type { Header, Packet } from '../rpc/packet.js';
import {
  classifyStreamPacket, streamDataFrames, streamEndPacket, streamErrorPacket, streamFinishPacket,
  streamHolePacket, type StreamId,
} from '../rpc/stream.js';
import type { DriverStream, StreamChunk } from '../drivers/driver.js';
import { ErrorDomain, ErrorNumber, VirError, isVirError, virError } from '../util/error.js';
import type { ClientSession } from './client.js';

type State = 'open' | 'closed';

export class ServerStream {
  private state: State = 'open';
  private outgoing: AsyncIterator<StreamChunk> | null = null;
  /** The driver has no more data for the client (end-of-data sent). */
  private outgoingDone = false;

  constructor(
    private readonly client: ClientSession,
    private readonly call: Header,
    private readonly drv: DriverStream,
    readonly key: string,
  ) {}

  /** Begin sending the driver's data (download, console output). Call after the REPLY went out. */
  start(): void {
    if (!this.drv.incoming) return;
    this.outgoing = this.drv.incoming[Symbol.asyncIterator]();
    void this.pumpOut();
  }

  private get sid(): StreamId { return { proc: this.call.proc, serial: this.call.serial, prog: this.call.prog }; }

  private sendData(b: Buffer): boolean {
    return this.client.writeFrames(streamDataFrames(this.sid, b));
  }

  private sendError(e: unknown): void {
    this.client.write(streamErrorPacket(this.sid, toVirError(e)));
  }

  private async pumpOut(): Promise<void> {
    const it = this.outgoing!;
    try {
      for (;;) {
        const r = await it.next();
        if (this.state !== 'open') return;
        if (r.done) break;
        const chunk = r.value;
        const ok = Buffer.isBuffer(chunk) ? this.sendData(chunk) : this.client.write(streamHolePacket(this.sid, chunk.hole));
        // Back-pressure towards the driver: do not pull more while the socket is full.
        if (!ok) await this.client.waitDrain();
      }
      this.outgoingDone = true;
      this.client.write(streamEndPacket(this.sid));
    } catch (e) {
      if (this.state !== 'open') return;
      this.client.log.warn('stream failed', { proc: this.call.proc, serial: this.call.serial, error: (e as Error).message });
      this.sendError(e);
      this.finishState();
      try { this.drv.abort(e); } catch { /* already broken */ }
    }
  }

  /** A STREAM or STREAM_HOLE packet from the client for this stream. */
  async onClientPacket(p: Packet): Promise<void> {
    if (this.state !== 'open') return;
    try {
      const ev = classifyStreamPacket(p);
      switch (ev.kind) {
        case 'data':
          if (!this.drv.send) throw virError(ErrorDomain.STREAMS, ErrorNumber.OPERATION_INVALID, 'stream does not accept data');
          // Views of the received bytes: nothing else holds or reuses them, so no copy.
          for (const part of ev.data) await this.drv.send(part);
          return;
        case 'hole': {
          const length = Number(ev.length);
          if (length < 0) throw virError(ErrorDomain.STREAMS, ErrorNumber.INVALID_ARG, 'negative hole length');
          if (!this.drv.send) throw virError(ErrorDomain.STREAMS, ErrorNumber.OPERATION_INVALID, 'stream does not accept data');
          await this.drv.send({ hole: length });
          return;
        }
        case 'end':
          return; // client-side end of data; the OK that follows commits
        case 'finish':
          // The client is finished: let the driver commit, then acknowledge.
          this.stopOutgoing();
          await this.drv.finish();
          if (this.state !== 'open') return;
          this.client.write(streamFinishPacket(this.sid));
          this.finishState();
          return;
        case 'abort':
        case 'error':
          // Abort. libvirtd 9.0.0 acknowledges an abort with OK, not ERROR.
          this.stopOutgoing();
          this.finishState();
          try { this.drv.abort(virError(ErrorDomain.STREAMS, ErrorNumber.OPERATION_ABORTED, 'stream aborted by client')); } catch { /* ignore */ }
          this.client.write(streamFinishPacket(this.sid));
          return;
      }
    } catch (e) {
      if (this.state !== 'open') return;
      this.sendError(e);
      this.finishState();
      this.stopOutgoing();
      try { this.drv.abort(e); } catch { /* already broken */ }
    }
  }

  private stopOutgoing(): void {
    const it = this.outgoing;
    this.outgoing = null;
    if (it && !this.outgoingDone) void it.return?.().catch(() => undefined);
  }

  private finishState(): void {
    this.state = 'closed';
    this.client.streams.delete(this.key);
  }

  /** The client went away in the middle: release the driver side. */
  abortFromDisconnect(): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.stopOutgoing();
    try { this.drv.abort(virError(ErrorDomain.STREAMS, ErrorNumber.OPERATION_ABORTED, 'client disconnected')); } catch { /* ignore */ }
  }
}

export function isDriverStream(v: unknown): v is DriverStream {
  return typeof v === 'object' && v !== null && typeof (v as DriverStream).finish === 'function' && typeof (v as DriverStream).abort === 'function';
}

export function toVirError(e: unknown): VirError {
  if (isVirError(e)) return e;
  return virError(ErrorDomain.RPC, ErrorNumber.INTERNAL_ERROR, (e as Error)?.message ?? String(e));
}
