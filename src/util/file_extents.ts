// Where a file holds data: its allocated extents, so sparse transfers skip holes without
// reading them. Node has no lseek(SEEK_DATA/SEEK_HOLE) (what libvirt's virFileInData uses);
// the kernel's FIEMAP answers the same question and `filefrag` (e2fsprogs, priority required
// on Debian) prints it. Reading a hole is not free: the kernel zero-fills page-cache pages for
// it, which made a 1 GiB file with 768 MiB of holes cost seconds to scan.
import { execFile } from 'node:child_process';

/** [start, end) byte ranges that may hold data, sorted and merged; holes are the gaps. */
export type Extents = [number, number][];

const LINE = /^\s*\d+:\s+(\d+)\.\.\s*(\d+):\s+\S+\.\.\s*\S+:\s+\d+:\s*(?:\d+:)?\s*(\S*)\s*$/;

/** Parse `filefrag -e -b1` output. Unwritten (preallocated) extents read as zeros: holes. */
export function parseFilefrag(text: string): Extents | null {
  if (!/^File size of /m.test(text)) return null;
  const out: Extents = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const flags = m[3]!.split(',');
    if (flags.includes('unwritten')) continue;
    const s = Number(m[1]);
    const e = Number(m[2]) + 1;
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  out.sort((a, b) => a[0] - b[0]);
  return out;
}

/**
 * The data extents of `file` (flushed first, so delayed allocations are reported), or null
 * when the filesystem cannot tell (tmpfs, no filefrag): the caller then reads everything.
 */
export function fileDataExtents(file: string): Promise<Extents | null> {
  return new Promise((resolve) => {
    execFile('filefrag', ['-s', '-e', '-b1', file], {
      encoding: 'utf8', maxBuffer: 256 << 20, timeout: 60_000,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
    }, (err, stdout) => resolve(err ? null : parseFilefrag(stdout)));
  });
}

/** The parts of [from, to) that overlap data extents. */
export function dataWithin(extents: Extents, from: number, to: number): Extents {
  const out: Extents = [];
  for (const [s, e] of extents) {
    if (e <= from) continue;
    if (s >= to) break;
    out.push([Math.max(s, from), Math.min(e, to)]);
  }
  return out;
}
