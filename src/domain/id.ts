import { randomBytes } from 'node:crypto';

/**
 * A UUID version 7: 48 bits of milliseconds then random bits. Time-ordered, so ids sort by
 * creation and make good cursor keys and B-tree keys on both databases.
 */
// Random bytes are drawn from the OS in blocks: one call per id cost ~10% of a bulk insert.
const POOL_IDS = 256;
let pool = randomBytes(16 * POOL_IDS);
let next = 0;
/** Two hex digits per byte value: an id is written without a Buffer or BigInt per call. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** The id's first 13 hex digits and dashes for the last millisecond asked (a bulk stamp asks the same one). */
let prefixMs = -1;
let prefix = '';

export function newId(nowMs: number): string {
  if (next === POOL_IDS) {
    pool = randomBytes(16 * POOL_IDS);
    next = 0;
  }
  if (nowMs !== prefixMs) {
    if (!Number.isSafeInteger(nowMs) || nowMs < 0)
      throw new RangeError(`newId: ${nowMs} is not a time in ms`);
    const ms = (nowMs % 2 ** 48).toString(16).padStart(12, '0');
    prefix = `${ms.slice(0, 8)}-${ms.slice(8)}-7`;
    prefixMs = nowMs;
  }
  const p = pool;
  const o = next++ * 16;
  // Byte 6: version 7 in the high nibble; byte 8: the variant (10) in the two high bits.
  return (
    prefix +
    HEX[p[o + 6]! & 0x0f]!.slice(1) +
    HEX[p[o + 7]!]! +
    '-' +
    HEX[(p[o + 8]! & 0x3f) | 0x80]! +
    HEX[p[o + 9]!]! +
    '-' +
    HEX[p[o + 10]!]! +
    HEX[p[o + 11]!]! +
    HEX[p[o + 12]!]! +
    HEX[p[o + 13]!]! +
    HEX[p[o + 14]!]! +
    HEX[p[o + 15]!]!
  );
}
