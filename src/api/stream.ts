// Stream: the user's side of a volume upload/download or a console. libvirt's virStream.
import type { DriverStream, StreamChunk } from '../drivers/driver.js';
import { ErrorDomain, ErrorNumber, virError } from '../util/error.js';

export class Stream implements AsyncIterable<StreamChunk> {
  #done = false;
  constructor(private readonly inner: DriverStream) {}

  /** Data from the other side; holes arrive as `{hole: n}` only on sparse streams. */
  [Symbol.asyncIterator](): AsyncIterator<StreamChunk> {
    if (!this.inner.incoming) throw virError(ErrorDomain.STREAMS, ErrorNumber.INVALID_STREAM, 'stream is not readable');
    return this.inner.incoming[Symbol.asyncIterator]();
  }

  /** Send data (upload, console input). */
  async send(chunk: Buffer | string): Promise<void> {
    if (this.#done) throw virError(ErrorDomain.STREAMS, ErrorNumber.INVALID_STREAM, 'stream is closed');
    if (!this.inner.send) throw virError(ErrorDomain.STREAMS, ErrorNumber.INVALID_STREAM, 'stream is not writable');
    await this.inner.send(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  /** Send a hole of `length` bytes (sparse upload). */
  async sendHole(length: number): Promise<void> {
    if (!this.inner.send) throw virError(ErrorDomain.STREAMS, ErrorNumber.INVALID_STREAM, 'stream is not writable');
    await this.inner.send({ hole: length });
  }
  /** Everything is sent: the other side commits; resolves when it has. */
  async finish(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.inner.finish();
  }
  abort(reason?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.inner.abort(reason);
  }
}
