// UUIDs as libvirt handles them: canonical 8-4-4-4-12 lowercase strings <-> 16 raw bytes.
import { randomBytesPooled as randomBytes } from './random.js';

const HEX = /^[0-9a-fA-F]$/;

/**
 * Parse a UUID the way libvirt's virUUIDParse does: 32 hex digits, dashes allowed anywhere
 * between byte pairs, surrounding blanks ignored. Returns the canonical form or null.
 */
export function uuidParse(s: string): string | null {
  const t = s.trim();
  let hex = '';
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (c === '-') { if (hex.length % 2) return null; continue; }
    if (!HEX.test(c)) return null;
    hex += c.toLowerCase();
    if (hex.length > 32) return null;
  }
  if (hex.length !== 32) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function uuidGenerate(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4, as libvirt's virUUIDGenerate
  b[8] = (b[8]! & 0x3f) | 0x80;
  return uuidFromBytes(b);
}

export function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function uuidFromBytes(b: Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
