import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newId', () => {
  it('is a UUID version 7 whose first 48 bits are the milliseconds', () => {
    const at = Date.UTC(2027, 0, 12, 9, 30);
    const id = newId(at);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('increases within one millisecond and across milliseconds, never repeating', () => {
    const at = Date.UTC(2027, 0, 12, 9, 30);
    const ids = [
      ...Array.from({ length: 20_000 }, () => newId(at)),
      ...Array.from({ length: 20_000 }, () => newId(at + 1)),
    ];
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  /** The 74 random bits of an id (randA, then the 62 after the variant) as one number. */
  const randomBits = (id: string): bigint => {
    const digits = id.replaceAll('-', '');
    const randA = BigInt(`0x${digits.slice(13, 16)}`);
    const rest = BigInt(`0x${digits.slice(16)}`) & ((1n << 62n) - 1n);
    return (randA << 62n) | rest;
  };

  it('property: over any run of milliseconds, ids strictly increase, parse back to their millisecond, and step by 1 to 2^24 within one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 47 }),
        fc.array(
          fc.record({ gap: fc.integer({ min: 0, max: 3 }), count: fc.integer({ min: 1, max: 3_000 }) }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        (start, steps) => {
          let at = start;
          let previous: { id: string; at: number } | undefined;
          for (const { gap, count } of steps) {
            at += gap;
            for (let i = 0; i < count; i++) {
              const id = newId(at);
              if (!UUID_V7.test(id)) return false;
              if (parseInt(id.slice(0, 8) + id.slice(9, 13), 16) !== at) return false;
              if (previous) {
                if (!(id > previous.id)) return false;
                if (previous.at === at) {
                  // The carries (low 32 bits into the next 30, those into randA) keep the step exact.
                  const step = randomBits(id) - randomBits(previous.id);
                  if (step < 1n || step > 2n ** 24n) return false;
                }
              }
              previous = { id, at };
            }
          }
          return true;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a time that is not a whole number of milliseconds', () => {
    expect(() => newId(1.5)).toThrow(RangeError);
  });
});
