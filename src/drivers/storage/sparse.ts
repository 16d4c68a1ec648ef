// Sparse-aware file I/O for volume upload/download/clone. Node has no lseek(SEEK_DATA/SEEK_HOLE),
// so holes are found by reading and spotting all-zero blocks: a read of a real hole costs no
// disk I/O, and a zero block on disk is as good as a hole to the reader. A file with no
// allocated blocks at all is one hole and is not read. libvirt counterpart: virfdstream.c's
// sparse handling and virFileInData.
import * as fsp from 'node:fs/promises';
import type { StreamChunk } from '../driver.js';

/** Granularity of hole detection and of zeroing on upload. */
export const BLOCK = 4096;
/** Bytes read per step, and the largest data chunk handed to the stream. */
export const STEP = 256 * 1024;

const ZERO = Buffer.alloc(STEP);

function isZero(b: Buffer): boolean {
  return b.equals(ZERO.subarray(0, b.length));
}

/**
 * Read [offset, offset+length) of an open file as data chunks and holes. With sparse=false
 * zero blocks are sent as data (a plain, non-sparse stream). length 0 means "to the end".
 */
export async function* readSparse(fh: fsp.FileHandle, offset: number, length: number, sparse: boolean): AsyncGenerator<StreamChunk> {
  const st = await fh.stat();
  const end = length > 0 ? Math.min(st.size, offset + length) : st.size;
  if (offset >= end) return;
  if (sparse && st.blocks === 0) { yield { hole: end - offset }; return; }
  let pos = offset;
  let pendingHole = 0;
  const buf = Buffer.alloc(STEP);
  while (pos < end) {
    const want = Math.min(STEP, end - pos);
    const { bytesRead } = await fh.read(buf, 0, want, pos);
    if (bytesRead === 0) break;
    if (!sparse) {
      yield Buffer.from(buf.subarray(0, bytesRead));
      pos += bytesRead;
      continue;
    }
    // split the step into runs of data and zero blocks
    let runStart = 0;
    let runZero: boolean | null = null;
    const flush = function* (upTo: number, zero: boolean): Generator<StreamChunk> {
      if (upTo <= runStart) return;
      if (zero) pendingHole += upTo - runStart;
      else {
        if (pendingHole) { yield { hole: pendingHole }; pendingHole = 0; }
        yield Buffer.from(buf.subarray(runStart, upTo));
      }
    };
    for (let b = 0; b < bytesRead; b += BLOCK) {
      const z = isZero(buf.subarray(b, Math.min(b + BLOCK, bytesRead)));
      if (runZero === null) runZero = z;
      else if (z !== runZero) { yield* flush(b, runZero); runStart = b; runZero = z; }
    }
    yield* flush(bytesRead, runZero ?? true);
    pos += bytesRead;
  }
  if (pendingHole) yield { hole: pendingHole };
}

/**
 * Writes a stream of data chunks and holes into an open file from `offset`. A hole must read
 * back as zeros: where the file already has non-zero bytes under a hole they are overwritten,
 * elsewhere nothing is written (the region stays unallocated), and a trailing hole extends
 * the file with ftruncate.
 */
export class SparseWriter {
  private pos: number;
  /** bytes of data written (holes excluded): what crossed the wire as data */
  dataBytes = 0;
  private size: number | null = null;
  constructor(private readonly fh: fsp.FileHandle, offset: number, private readonly limit: number) {
    this.pos = offset;
  }
  get position(): number { return this.pos; }

  private async fileSize(): Promise<number> {
    if (this.size === null) this.size = (await this.fh.stat()).size;
    return this.size;
  }

  private room(n: number): number {
    return this.limit > 0 ? Math.max(0, Math.min(n, this.limit - this.pos)) : n;
  }

  async write(chunk: StreamChunk): Promise<void> {
    if (Buffer.isBuffer(chunk)) {
      const n = this.room(chunk.length);
      let off = 0;
      while (off < n) {
        const { bytesWritten } = await this.fh.write(chunk, off, n - off, this.pos + off);
        off += bytesWritten;
      }
      this.pos += n;
      this.dataBytes += n;
      if (this.size !== null && this.pos > this.size) this.size = this.pos;
      return;
    }
    const n = this.room(chunk.hole);
    await this.zeroExisting(this.pos, this.pos + n);
    this.pos += n;
  }

  /** Overwrite with zeros any non-zero blocks of [from, to) that lie inside the current file. */
  private async zeroExisting(from: number, to: number): Promise<void> {
    const size = await this.fileSize();
    const end = Math.min(to, size);
    const buf = Buffer.alloc(STEP);
    for (let p = from; p < end;) {
      const want = Math.min(STEP, end - p);
      const { bytesRead } = await this.fh.read(buf, 0, want, p);
      if (bytesRead === 0) break;
      for (let b = 0; b < bytesRead; b += BLOCK) {
        const e = Math.min(b + BLOCK, bytesRead);
        if (!isZero(buf.subarray(b, e))) await this.fh.write(ZERO, 0, e - b, p + b);
      }
      p += bytesRead;
    }
  }

  /** Extend the file over a trailing hole and flush to disk. */
  async commit(): Promise<void> {
    const size = (await this.fh.stat()).size;
    if (this.pos > size) await this.fh.truncate(this.pos);
    await this.fh.sync();
  }
}

/** Copy a whole file into an open, empty file keeping its holes (raw clone). */
export async function copySparse(src: string, dst: fsp.FileHandle): Promise<void> {
  const fh = await fsp.open(src, 'r');
  try {
    const w = new SparseWriter(dst, 0, 0);
    for await (const c of readSparse(fh, 0, 0, true)) await w.write(c);
    await w.commit();
  } finally {
    await fh.close();
  }
}
