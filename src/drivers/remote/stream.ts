// A stream opened over the wire (volume upload/download, console): the client half of §8.
// Incoming data is queued for the reader and the transport stops being read while the queue is
// over its high-water mark; outgoing data waits for the transport to drain. Finish = STREAM OK
// answered by OK; abort = STREAM ERROR (empty) answered by OK. libvirt: virnetclientstream.c.
import type { DriverStream, StreamChunk } from '../driver.js';
import type { Packet } from '../../rpc/packet.js';
import {
  classifyStreamPacket, streamAbortPacket, streamDataFrames, streamFinishPacket, streamHolePacket, type StreamId,
} from '../../rpc/stream.js';
import { ErrorDomain, ErrorNumber, VirError, virError } from '../../util/error.js';
import type { RpcClient, StreamSink } from './client.js';

/** Queue size above which we stop reading the socket, and below which we resume. */
export const STREAM_HIGH_WATER = 4 * 1024 * 1024;
export const STREAM_LOW_WATER = 1024 * 1024;

type Item = { chunk: StreamChunk } | { end: true } | { error: VirError };

export interface RemoteStreamOptions {
  /** the server sends data (download, console) */
  readable: boolean;
  /** we send data (upload, console) */
  writable: boolean;
  /** the call had the SPARSE_STREAM flag: holes may travel */
  sparse: boolean;
  /** deadline of the finish/abort handshakes, ms (0 = none) */
  timeoutMs: number;
}

function streamError(detail: string, code = ErrorNumber.INVALID_STREAM): VirError {
  return virError(ErrorDomain.STREAMS, code, detail);
}

export class RemoteStream implements DriverStream, StreamSink {
  readonly incoming?: AsyncIterable<StreamChunk>;
  /** the opening call's answer (DriverStream.result) */
  result?: unknown;
  private id: StreamId = { proc: 0, serial: 0 };
  private queue: Item[] = [];
  private queuedBytes = 0;
  private paused = false;
  private reader: { resolve(r: IteratorResult<StreamChunk>): void; reject(e: unknown): void } | null = null;
  /** the server sent end-of-data */
  private remoteEnded = false;
  /** the stream is over for the server (finish/abort acknowledged, error received, connection lost) */
  private closed = false;
  private error: VirError | null = null;
  private aborted = false;
  /** our OK or abort is on the wire, waiting for the server's OK */
  private handshake: Promise<void> | null = null;
  private ack: { resolve(): void; reject(e: VirError): void } | null = null;

  constructor(private readonly client: RpcClient, private readonly opts: RemoteStreamOptions) {
    if (opts.readable) {
      this.incoming = { [Symbol.asyncIterator]: () => this.iterator() };
    }
    if (!opts.writable) (this as { send?: unknown }).send = undefined;
  }

  // ---- StreamSink (called by the RPC client) ----

  attach(serial: number, proc: number): void {
    this.id = { proc, serial };
  }

  onPacket(p: Packet): void {
    if (this.closed) return;
    const ev = classifyStreamPacket(p);
    switch (ev.kind) {
      case 'data':
        if (this.aborted || !this.opts.readable) return; // after abort libvirtd's queued data is discarded
        // views of the socket's chunks, which nothing else reuses: no copy
        for (const part of ev.data) this.push({ chunk: part }, part.length);
        return;
      case 'hole':
        if (this.aborted || !this.opts.readable) return;
        if (!this.opts.sparse) throw streamError('Unexpected stream hole');
        this.push({ chunk: { hole: Number(ev.length) } }, 0);
        return;
      case 'end':
        if (this.remoteEnded) return;
        this.remoteEnded = true;
        if (!this.aborted) this.push({ end: true }, 0);
        // The server has nothing more: tell it we are done, as virsh does after the last read.
        if (!this.handshake && !this.aborted) this.handshake = this.sendClose(streamFinishPacket(this.id)).catch(() => undefined);
        return;
      case 'finish':
        // OK answers our finish or abort; an unsolicited one just ends the stream.
        this.closeStream(null);
        return;
      case 'abort':
        this.closeStream(streamError('stream aborted by the server', ErrorNumber.OPERATION_ABORTED));
        return;
      case 'error':
        this.closeStream(ev.error);
        return;
    }
  }

  fail(err: VirError): void {
    if (this.closed) return;
    this.closeStream(err);
  }

  // ---- DriverStream (called by the user through api/stream.ts) ----

  async send(chunk: StreamChunk): Promise<void> {
    this.checkWritable();
    if (Buffer.isBuffer(chunk) || chunk instanceof Uint8Array) {
      // a batch of at most 1 MiB of packets per writev, then wait if the socket is full
      const frames = streamDataFrames(this.id, chunk);
      for (let i = 0; i < frames.length; i += 8) {
        if (!this.client.writeFrames(frames.slice(i, i + 8))) await this.client.waitDrain();
        this.checkWritable();
      }
      return;
    }
    if (!this.opts.sparse) throw streamError('stream was not opened with the sparse flag: cannot send a hole', ErrorNumber.OPERATION_INVALID);
    if (!this.client.write(streamHolePacket(this.id, chunk.hole))) await this.client.waitDrain();
  }

  async finish(): Promise<void> {
    if (this.error) throw this.error;
    if (this.aborted) throw streamError('stream was aborted', ErrorNumber.OPERATION_ABORTED);
    if (!this.closed && !this.handshake) this.handshake = this.sendClose(streamFinishPacket(this.id));
    if (this.handshake) await this.handshake;
    if (this.error) throw this.error;
  }

  abort(_reason?: unknown): void {
    if (this.closed || this.aborted) return;
    this.aborted = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.resumeIfPaused();
    this.wakeReader({ done: true, value: undefined });
    if (!this.handshake) this.handshake = this.sendClose(streamAbortPacket(this.id)).catch(() => undefined);
  }

  // ---- internals ----

  private checkWritable(): void {
    if (this.error) throw this.error;
    if (this.closed || this.aborted || this.handshake) throw streamError('stream is closed');
  }

  /** Write our OK or abort and wait for the server's OK (or its error). */
  private sendClose(pkt: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.ack = { resolve, reject };
      try {
        this.client.write(pkt);
      } catch (e) {
        this.closeStream(e as VirError);
        return;
      }
      if (this.opts.timeoutMs > 0) {
        const t = setTimeout(() => this.closeStream(virError(ErrorDomain.STREAMS, ErrorNumber.OPERATION_TIMEOUT,
          `no answer to the end of stream ${this.id.serial} within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
        t.unref();
        const done = () => clearTimeout(t);
        this.ackCleanup = done;
      }
    });
  }
  private ackCleanup: (() => void) | null = null;

  private closeStream(err: VirError | null): void {
    if (this.closed) return;
    this.closed = true;
    if (err && !this.error) this.error = err;
    this.client.dropStream(this.id.serial);
    this.ackCleanup?.();
    this.resumeIfPaused();
    const a = this.ack;
    this.ack = null;
    if (a) { if (err) a.reject(err); else a.resolve(); }
    if (err) {
      // The reader still gets the data that arrived before the error, then the error.
      if (this.reader) {
        const r = this.reader;
        this.reader = null;
        r.reject(err);
      } else if (!this.aborted) {
        this.queue.push({ error: err });
      }
    } else if (!this.remoteEnded) {
      this.push({ end: true }, 0);
    }
  }

  private push(item: Item, bytes: number): void {
    if (this.reader && this.queue.length === 0 && !('error' in item)) {
      const r = this.reader;
      this.reader = null;
      r.resolve('end' in item ? { done: true, value: undefined } : { done: false, value: item.chunk });
      return;
    }
    this.queue.push(item);
    this.queuedBytes += bytes;
    if (!this.paused && this.queuedBytes > STREAM_HIGH_WATER) {
      this.paused = true;
      this.client.pauseReading();
    }
  }

  private resumeIfPaused(): void {
    if (this.paused) {
      this.paused = false;
      this.client.resumeReading();
    }
  }

  private wakeReader(r: IteratorResult<StreamChunk>): void {
    const w = this.reader;
    this.reader = null;
    w?.resolve(r);
  }

  private next(): Promise<IteratorResult<StreamChunk>> {
    const item = this.queue.shift();
    if (item) {
      if ('end' in item) return Promise.resolve({ done: true, value: undefined });
      if ('error' in item) return Promise.reject(item.error);
      if (Buffer.isBuffer(item.chunk)) this.queuedBytes -= item.chunk.length;
      if (this.paused && this.queuedBytes < STREAM_LOW_WATER) this.resumeIfPaused();
      return Promise.resolve({ done: false, value: item.chunk });
    }
    if (this.error) return Promise.reject(this.error);
    if (this.aborted || (this.closed && !this.error)) return Promise.resolve({ done: true, value: undefined });
    if (this.reader) return Promise.reject(streamError('stream is already being read'));
    return new Promise((resolve, reject) => { this.reader = { resolve, reject }; });
  }

  private iterator(): AsyncIterator<StreamChunk> {
    return {
      next: () => this.next(),
      // Leaving a for-await early abandons the transfer, as closing a half-read download does.
      return: async () => {
        if (!this.closed && !this.remoteEnded) this.abort();
        return { done: true, value: undefined };
      },
    };
  }
}
