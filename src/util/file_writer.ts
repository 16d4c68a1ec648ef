// Positioned, batched writes into an open file: chunks are gathered as views (no copy) and go
// out in one writev per STAGE bytes, with one write in flight while the next batch gathers.
// A volume download (tsvirsh, the library's users) and the storage driver's upload both write
// a stream of 64-256 KiB pieces; a write call per piece, each waited for, would leave the disk
// side idle while the socket side waits, and cost a thread-pool round trip per piece.
import type { FileHandle } from 'node:fs/promises';

/** Bytes gathered per writev (measured: larger batches fall out of the CPU cache). */
export const STAGE = 512 * 1024;

export class BatchedFileWriter {
  private parts: Buffer[] = [];
  private staged = 0;
  private stageAt: number;
  private inflight: Promise<void> | null = null;
  /** Where the next byte goes. */
  position: number;

  constructor(private readonly fh: FileHandle, position = 0) {
    this.position = position;
    this.stageAt = position;
  }

  /**
   * Queue `chunk` at the current position. The chunk is kept (not copied) until written: the
   * caller must not reuse its memory afterwards.
   */
  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    if (this.staged === 0) this.stageAt = this.position;
    this.parts.push(chunk);
    this.staged += chunk.length;
    this.position += chunk.length;
    if (this.staged >= STAGE) await this.flush();
  }

  /** Move the position without writing (a hole): what is staged goes out first. */
  async skip(n: number): Promise<void> {
    await this.flush();
    this.position += n;
  }

  /** Start writing what is staged, after the write in flight finished. */
  async flush(): Promise<void> {
    if (this.staged === 0) return;
    let parts = this.parts;
    const at = this.stageAt;
    this.parts = [];
    this.staged = 0;
    await this.settle();
    this.inflight = (async () => {
      let pos = at;
      while (parts.length > 0) {
        let { bytesWritten } = await this.fh.writev(parts, pos);
        pos += bytesWritten;
        // a short write (rare on a regular file): go on from where it stopped
        while (parts.length > 0 && bytesWritten >= parts[0].length) bytesWritten -= parts.shift()!.length;
        if (bytesWritten > 0) parts = [parts[0].subarray(bytesWritten), ...parts.slice(1)];
      }
    })();
    // Reported by the next settle(); never an unhandled rejection in between.
    this.inflight.catch(() => undefined);
  }

  /** Wait for the write in flight (and raise its error). */
  async settle(): Promise<void> {
    const p = this.inflight;
    this.inflight = null;
    if (p) await p;
  }

  /** Everything queued is written (errors raised). */
  async drain(): Promise<void> {
    await this.flush();
    await this.settle();
  }
}
