import { randomBytes } from 'node:crypto';

/**
 * A UUID version 7: 48 bits of milliseconds then random bits. Time-ordered, so ids sort by
 * creation and make good cursor keys and B-tree keys on both databases.
 */
// Random bytes are drawn from the OS in blocks: one call per id cost ~10% of a bulk insert.
const POOL_IDS = 256;
let pool = randomBytes(16 * POOL_IDS);
let next = 0;

export function newId(nowMs: number): string {
  if (next === POOL_IDS) {
    pool = randomBytes(16 * POOL_IDS);
    next = 0;
  }
  const bytes = Buffer.from(pool.subarray(next * 16, ++next * 16));
  let ms = BigInt(nowMs);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = Number(ms & 0xffn);
    ms >>= 8n;
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
