// Loader for the real libvirt 9.0.0 wire captures (test/data/rpc/captures/*.log): each packet
// line carries the direction and `HEX <whole packet>`. Packets logged truncated (the proxy caps
// the hex at 4096 bytes) are rebuilt to their announced length with zero filler.

import { readFileSync, readdirSync } from 'node:fs';

export const CAPTURE_DIR = new URL('../../../test/data/rpc/captures/', import.meta.url);

export interface CapturedPacket {
  dir: 'C>S' | 'S>C';
  bytes: Buffer;
  /** the capture only had a prefix of the packet */
  truncated: boolean;
  /** line number in the log, for failure messages */
  line: number;
}

export function listCaptures(): string[] {
  return readdirSync(CAPTURE_DIR).filter((f) => f.endsWith('.log')).sort();
}

export function loadCapture(name: string): CapturedPacket[] {
  const lines = readFileSync(new URL(name, CAPTURE_DIR), 'utf8').split('\n');
  const out: CapturedPacket[] = [];
  let dir: 'C>S' | 'S>C' | null = null;
  let len = 0;
  lines.forEach((l, i) => {
    const m = /^\s*[\d.]+ (C>S|S>C) len=(\d+) /.exec(l);
    if (m) { dir = m[1] as 'C>S' | 'S>C'; len = Number(m[2]); return; }
    const h = /^\s*HEX ([0-9a-f]+)(\.\.\.\(truncated\))?\s*$/.exec(l);
    if (!h) return;
    if (!dir) throw new Error(`${name}:${i + 1}: HEX without a header line`);
    const prefix = Buffer.from(h[1]!, 'hex');
    const truncated = Boolean(h[2]);
    let bytes = prefix;
    if (truncated) {
      bytes = Buffer.alloc(len);
      prefix.copy(bytes);
    }
    if (bytes.length !== len) throw new Error(`${name}:${i + 1}: ${bytes.length} bytes, header says ${len}`);
    out.push({ dir, bytes, truncated, line: i + 1 });
    dir = null;
  });
  return out;
}

export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}
