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

  it('refuses a time that is not a whole number of milliseconds', () => {
    expect(() => newId(1.5)).toThrow(RangeError);
  });
});
