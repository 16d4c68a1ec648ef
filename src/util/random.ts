// Random bytes for generated identifiers (UUIDs, MACs), drawn from a pooled crypto buffer:
// one randomBytes() call per few hundred identifiers instead of one each (that call was a
// quarter of the cost of a domain define).
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** `n` (<= 256) fresh random bytes, copied out of the pool. */
export function randomBytesPooled(n: number): Buffer {
  if (offset + n > POOL_SIZE) { randomFillSync(pool); offset = 0; }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  offset += n;
  return out;
}
