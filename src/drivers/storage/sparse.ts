// Sparse-aware file I/O for volume upload/download/clone. Node has no lseek(SEEK_DATA/SEEK_HOLE),
// so holes are found by reading and spotting all-zero blocks: a read of a real hole costs no
// disk I/O, and a zero block on disk is as good as a hole to the reader. A file with no
// allocated blocks at all is one hole and is not read. libvirt counterpart: virfdstream.c's
// sparse handling and virFileInData.
import * as fsp from 'node:fs/promises';
import type { StreamChunk } from '../driver.js';
import { dataWithin, fileDataExtents, type Extents } from '../../util/file_extents.js';
import { BatchedFileWriter } from '../../util/file_writer.js';

export type { Extents };

/**
 * Where an open file may hold data: nothing when no block is allocated, else its extents
 * (FIEMAP through filefrag), or null when unknown (every byte is then read and scanned).
 */
export async function openFileExtents(fh: fsp.FileHandle, file: string): Promise<Extents | null> {
  const st = await fh.stat();
  if (st.blocks === 0) return [];
  return fileDataExtents(file);
}

/** Granularity of hole detection and of zeroing on upload. */
export const BLOCK = 4096;
/** Bytes per step of the hole scans of an upload (zeroing what a hole covers). */
export const STEP = 256 * 1024;
/** Bytes per read of a download, and the largest data chunk handed to the stream. */
const READ = 1024 * 1024;

const ZERO = Buffer.alloc(STEP);

function isZero(b: Buffer): boolean {
  return b.equals(ZERO.subarray(0, b.length));
}

/**
 * Read [offset, offset+length) of an open file as data chunks and holes. With sparse=false
 * zero blocks are sent as data (a plain, non-sparse stream). length 0 means "to the end".
 */
export async function* readSparse(fh: fsp.FileHandle, offset: number, length: number, sparse: boolean,
  extents: Extents | null = null): AsyncGenerator<StreamChunk> {
  const st = await fh.stat();
  const end = length > 0 ? Math.min(st.size, offset + length) : st.size;
  if (offset >= end) return;
  if (sparse && st.blocks === 0) { yield { hole: end - offset }; return; }
  if (sparse && extents) {
    // Only the extents are read; the gaps between them go out as holes without a read.
    let at = offset;
    let hole = 0;
    for (const [s, e] of dataWithin(extents, offset, end)) {
      hole += s - at;
      for await (const c of readRange(fh, s, e, true)) {
        if (Buffer.isBuffer(c)) {
          if (hole) { yield { hole }; hole = 0; }
          yield c;
        } else hole += c.hole;
      }
      at = e;
    }
    hole += end - at;
    if (hole) yield { hole };
    return;
  }
  yield* readRange(fh, offset, end, sparse);
}

/** [offset, end) of the file (end within its size) as data chunks, and holes if `sparse`. */
async function* readRange(fh: fsp.FileHandle, offset: number, end: number, sparse: boolean): AsyncGenerator<StreamChunk> {
  let pos = offset;
  let pendingHole = 0;
  // Reads of READ bytes into fresh buffers, the next one in flight while this one is scanned
  // and sent: chunks are views of their own buffer, handed out without a copy.
  const readAt = (p: number) => {
    const want = Math.min(READ, end - p);
    return fh.read(Buffer.allocUnsafe(want), 0, want, p);
  };
  let next = readAt(pos);
  while (pos < end) {
    const { bytesRead, buffer: buf } = await next;
    if (bytesRead === 0) break;
    if (pos + bytesRead < end) next = readAt(pos + bytesRead);
    if (!sparse) {
      yield buf.subarray(0, bytesRead);
      pos += bytesRead;
      continue;
    }
    // split the read into runs of data and zero blocks
    let runStart = 0;
    let runZero: boolean | null = null;
    const flush = function* (upTo: number, zero: boolean): Generator<StreamChunk> {
      if (upTo <= runStart) return;
      if (zero) pendingHole += upTo - runStart;
      else {
        if (pendingHole) { yield { hole: pendingHole }; pendingHole = 0; }
        yield buf.subarray(runStart, upTo);
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
  /**
   * `extents`: where the file held data when the transfer began (openFileExtents). A hole over
   * a region that held none needs no work; writes are sequential, so what we wrote ourselves
   * always lies behind the position. null = unknown: every hole region is read and zeroed.
   */
  constructor(private readonly fh: fsp.FileHandle, offset: number, private readonly limit: number,
    private readonly extents: Extents | null = null) {
    this.pos = offset;
    this.out = new BatchedFileWriter(fh, offset);
  }
  get position(): number { return this.pos; }

  private async fileSize(): Promise<number> {
    if (this.size === null) this.size = (await this.fh.stat()).size;
    return this.size;
  }

  private room(n: number): number {
    return this.limit > 0 ? Math.max(0, Math.min(n, this.limit - this.pos)) : n;
  }

  /** Data goes out in batches (views, no copy); chunks must not be reused once handed over. */
  private readonly out: BatchedFileWriter;

  async write(chunk: StreamChunk): Promise<void> {
    if (Buffer.isBuffer(chunk)) {
      const n = this.room(chunk.length);
      if (n === 0) return;
      await this.out.write(n === chunk.length ? chunk : chunk.subarray(0, n));
      this.pos += n;
      this.dataBytes += n;
      if (this.size !== null && this.pos > this.size) this.size = this.pos;
      return;
    }
    const n = this.room(chunk.hole);
    // A hole moves the position: what was staged is written before anything is zeroed.
    await this.out.drain();
    await this.zeroExisting(this.pos, this.pos + n);
    await this.out.skip(n);
    this.pos += n;
  }

  /** Overwrite with zeros any non-zero blocks of [from, to) that lie inside the current file. */
  private async zeroExisting(from: number, to: number): Promise<void> {
    const size = await this.fileSize();
    const end = Math.min(to, size);
    if (this.extents) {
      for (const [s, e] of dataWithin(this.extents, from, end)) await this.zeroRange(s, e);
      return;
    }
    await this.zeroRange(from, end);
  }

  private async zeroRange(from: number, end: number): Promise<void> {
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

  /**
   * Write what is staged and extend the file over a trailing hole. `durable` also flushes it to
   * disk: a clone does; an upload does not, as neither libvirt's vol-upload nor `cp` does (the
   * data is in the page cache and survives anything but a host crash; an fsync of the whole
   * volume would double the time of every upload).
   */
  async commit({ durable = false }: { durable?: boolean } = {}): Promise<void> {
    await this.out.drain();
    const size = (await this.fh.stat()).size;
    if (this.pos > size) await this.fh.truncate(this.pos);
    if (durable) await this.fh.sync();
  }
}

/** Copy a whole file into an open, empty file keeping its holes (raw clone). */
export async function copySparse(src: string, dst: fsp.FileHandle): Promise<void> {
  const fh = await fsp.open(src, 'r');
  try {
    const w = new SparseWriter(dst, 0, 0, (await dst.stat()).blocks === 0 ? [] : null);
    for await (const c of readSparse(fh, 0, 0, true, await openFileExtents(fh, src))) await w.write(c);
    await w.commit({ durable: true });
  } finally {
    await fh.close();
  }
}
