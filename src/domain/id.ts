import { randomBytes } from 'node:crypto';

/**
 * A UUID version 7: 48 bits of milliseconds then random bits. Time-ordered, so ids sort by
 * creation and make good cursor keys and B-tree keys on both databases.
 *
 * Within one millisecond the ids of a process increase too (RFC 9562, "monotonic random"): the
 * first has 73 random bits, each next one adds a random step of 1 to 2^24 to them. A bulk write
 * of 20,000 rows in one millisecond then appends to every index that holds ids (the primary
 * keys, `(type, id)`, the sort indexes) instead of inserting all over them, and its ids sort in
 * the order they were made.
 */
// Random bytes are drawn from the OS in blocks: one call per id cost ~10% of a bulk insert.
const POOL_BYTES = 16 * 256;
let pool = randomBytes(POOL_BYTES);
let next = 0;

function randomByte(): number {
  if (next === POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    next = 0;
  }
  return pool[next++]!;
}

/** Two hex digits per byte value: an id is written without a Buffer or BigInt per call. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex4 = (n: number) => HEX[n >>> 8]! + HEX[n & 0xff]!;
const hex8 = (n: number) => hex4(n >>> 16) + hex4(n & 0xffff);

/** The millisecond of the last id, its first 13 hex digits and dashes, and its random bits. */
let lastMs = -1;
let prefix = '';
/** The 74 bits after the version and variant: 12 (`randA`), 30 (`randHi`) and 32 (`randLo`). */
let randA = 0;
let randHi = 0;
let randLo = 0;

export function newId(nowMs: number): string {
  if (nowMs !== lastMs) {
    if (!Number.isSafeInteger(nowMs) || nowMs < 0)
      throw new RangeError(`newId: ${nowMs} is not a time in ms`);
    const ms = (nowMs % 2 ** 48).toString(16).padStart(12, '0');
    prefix = `${ms.slice(0, 8)}-${ms.slice(8)}-7`;
    lastMs = nowMs;
    // The top bit of randA starts clear: room for 2^49 steps before the bits would run over.
    randA = ((randomByte() << 4) | (randomByte() & 0x0f)) & 0x7ff;
    randHi = ((randomByte() & 0x3f) << 24) | (randomByte() << 16) | (randomByte() << 8) | randomByte();
    randLo = ((randomByte() << 24) >>> 0) + ((randomByte() << 16) | (randomByte() << 8) | randomByte());
  } else {
    randLo += 1 + ((randomByte() << 16) | (randomByte() << 8) | randomByte());
    if (randLo >= 2 ** 32) {
      randLo -= 2 ** 32;
      if (++randHi >= 2 ** 30) {
        randHi = 0;
        randA++;
      }
    }
  }
  // randA as 3 hex digits after the version; the variant (10) above randHi's top 14 bits.
  return `${prefix}${hex4(randA).slice(1)}-${hex4(0x8000 | (randHi >>> 16))}-${hex4(randHi & 0xffff)}${hex8(randLo)}`;
}
