import { describe, expect, it } from 'vitest';
import { copyBytes, FILL_FROM } from '../../src/internal/copy-bytes.js';

/** n bytes of a pattern that differs at every offset within 251 bytes. */
const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251);

describe('copyBytes', () => {
  for (const n of [1, FILL_FROM - 1, FILL_FROM, 3 * FILL_FROM + 5, 65536]) {
    it(`copies ${n} bytes into shared memory and out again, exactly the range, at any offset`, () => {
      const shared = new Uint8Array(new SharedArrayBuffer(2 * n + 64), 16, 2 * n + 32);
      const source = pattern(n, 3);
      copyBytes(shared, 9, source);
      expect(shared[8]).toBe(0);
      expect(Array.from(shared.subarray(9, 9 + n))).toEqual(Array.from(source));
      expect(shared[9 + n]).toBe(0);

      // out of shared memory into a plain Uint8Array (not a Buffer) and into a Buffer
      const plain = new Uint8Array(n + 10);
      copyBytes(plain, 5, shared.subarray(9, 9 + n));
      expect(Array.from(plain.subarray(5, 5 + n))).toEqual(Array.from(source));
      expect([plain[4], plain[5 + n]]).toEqual([0, 0]);
      const buffer = Buffer.alloc(n);
      copyBytes(buffer, 0, shared.subarray(9, 9 + n));
      expect(buffer.equals(Buffer.from(source))).toBe(true);
    });
  }

  it('copies within one buffer, overlapping ranges included, as set() does', () => {
    const bytes = pattern(4 * FILL_FROM, 1);
    const expected = Uint8Array.from(bytes);
    expected.set(expected.subarray(0, 3 * FILL_FROM), 100);
    copyBytes(bytes, 100, bytes.subarray(0, 3 * FILL_FROM));
    expect(Array.from(bytes)).toEqual(Array.from(expected));
  });
});
