// RedisBuffer's item codec with 'structured': plain data travels as JSON text, the rest as v8's
// bytes, and both come back as structuredClone gives them (no server needed: values only).
import { describe, expect, it } from 'vitest';
import { itemCodec } from '../../src/redis/item-codec.js';

describe("RedisBuffer's item codec", () => {
  it("'structured' stores plain data as text and the rest as bytes, and decodes both", () => {
    const codec = itemCodec<unknown>('structured', 512);
    const plain = { id: 1, payload: 'x'.repeat(32), list: [1, 'two'] };
    const rich = { when: new Date(7), set: new Set([1]), missing: undefined };
    const storedPlain = codec.encode(plain);
    const storedRich = codec.encode(rich);
    expect(typeof storedPlain).toBe('string');
    expect(Buffer.isBuffer(storedRich)).toBe(true);
    expect(codec.decode('a', Buffer.from(storedPlain as string))).toStrictEqual(structuredClone(plain));
    expect(codec.decode('b', storedRich as Buffer)).toStrictEqual(structuredClone(rich));
  });
});
