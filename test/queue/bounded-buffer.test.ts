// What BoundedBuffer adds to the Queue contract: blocking calls, codecs, handles, and bad input.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  BoundedBuffer,
  ItemTooLargeError,
  Mutex,
  QueueClosedError,
  Semaphore,
  TimeoutError,
} from '../../src/index.js';

describe('BoundedBuffer', () => {
  describe('construction', () => {
    it.each([
      [0, RangeError, 'capacity must be an integer from 1 to 1048576, got 0 (number)'],
      [-1, RangeError, 'got -1 (number)'],
      [1.5, RangeError, 'got 1.5 (number)'],
      [Number.NaN, RangeError, 'got NaN (number)'],
      [Number.POSITIVE_INFINITY, RangeError, 'got Infinity (number)'],
      [2 ** 20 + 1, RangeError, 'got 1048577 (number)'],
      ['4', TypeError, "got '4' (string)"],
    ])('rejects capacity %s with an error naming it', (capacity, type, message) => {
      expect(() => new BoundedBuffer({ capacity: capacity as number })).toThrow(type);
      expect(() => new BoundedBuffer({ capacity: capacity as number })).toThrow(message);
    });

    it('rejects a missing options object, an unknown codec and a bad slot size', () => {
      expect(() => new BoundedBuffer(undefined as never)).toThrow(/options must be an object/);
      expect(() => new BoundedBuffer({ capacity: 2, codec: 'xml' as never })).toThrow(
        /codec must be .* got 'xml'/,
      );
      expect(
        () => new BoundedBuffer({ capacity: 2, codec: { encode: () => new Uint8Array() } as never }),
      ).toThrow(/codec must be/);
      expect(() => new BoundedBuffer({ capacity: 2, codec: 'json', slotBytes: 0 })).toThrow(
        /slotBytes .* got 0/,
      );
    });
  });

  describe('blocking calls (for workers)', () => {
    it('putSync and getSync move items in order, and getSync times out on an empty buffer (BlockingQueueTest: testTimedPoll)', () => {
      const buffer = new BoundedBuffer({ capacity: 2 });
      buffer.putSync(1);
      buffer.putSync(2, { timeout: 0 });
      expect(() => buffer.putSync(3, { timeout: 10 })).toThrow(TimeoutError);
      expect(buffer.getSync()).toBe(1);
      expect(buffer.getSync({ timeout: 0 })).toBe(2);
      expect(() => buffer.getSync({ timeout: 10 })).toThrow(TimeoutError);
    });

    it('putManySync goes in whole batches; a timed-out one reports the items it did not put', () => {
      const buffer = new BoundedBuffer({ capacity: 3 });
      buffer.putManySync([1, 2]);
      const error = (() => {
        try {
          buffer.putManySync([3, 4, 5, 6], { timeout: 10 });
        } catch (e) {
          return e as TimeoutError & { items: number[] };
        }
      })();
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error?.items).toEqual([3, 4, 5, 6]); // a batch of 3 did not fit beside 2 items
      expect(buffer.getManySync(10)).toEqual([1, 2]);
    });

    it('blocking iteration ends once the buffer is closed and drained', () => {
      const buffer = new BoundedBuffer({ capacity: 4 });
      buffer.putManySync([5, 6, 7]);
      buffer.close();
      expect([...buffer]).toEqual([5, 6, 7]);
      expect(() => buffer.getSync({ timeout: 0 })).toThrow(QueueClosedError);
    });

    it('joinSync waits for every taskDone, with a timeout', () => {
      const buffer = new BoundedBuffer({ capacity: 2 });
      buffer.putSync(1);
      expect(buffer.unfinished).toBe(1);
      expect(() => buffer.joinSync({ timeout: 10 })).toThrow(TimeoutError);
      buffer.getSync();
      buffer.taskDone();
      buffer.joinSync({ timeout: 0 });
    });

    it('a pending async get keeps the process alive until it settles', () => {
      const script = `
        import { BoundedBuffer } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).href)};
        const buffer = new BoundedBuffer({ capacity: 1 });
        buffer.get({ timeout: 200 }).catch((e) => console.log('settled:', e.name));`;
      const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(out.trim()).toBe('settled: TimeoutError');
    });
  });

  describe('codecs', () => {
    it('int32 (the default) refuses what is not an int32, naming it, and puts nothing', () => {
      const buffer = new BoundedBuffer({ capacity: 2 });
      expect(() => buffer.tryPut(1.5)).toThrow(/int32.*got 1.5/);
      expect(() => buffer.tryPut(2 ** 31)).toThrow(RangeError);
      expect(() => buffer.tryPut('1' as never)).toThrow(TypeError);
      expect(() => buffer.putManySync([1, 2, Number.NaN])).toThrow(/got NaN/);
      expect(buffer.size).toBe(0);
      buffer.putSync(-(2 ** 31));
      expect(buffer.getSync()).toBe(-(2 ** 31));
    });

    it.each([
      ['float64', [Math.PI, -0.5, Number.POSITIVE_INFINITY]],
      ['string', ['', 'héllo wörld ✓', 'x'.repeat(100)]],
      ['json', [{ id: 1, payload: 'x'.repeat(32) }, [1, 'two', null], 'text', 0]],
      ['bytes', [new Uint8Array([1, 2, 3]), new Uint8Array(0)]],
      ['structured', [new Map([[1, { a: new Date(0) }]]), new Set([1, 2]), new Float32Array([1.5]), 10n]],
    ] as const)('%s round-trips its items, also through a handle', (codec, items) => {
      const buffer = new BoundedBuffer({ capacity: 8, codec });
      const other = BoundedBuffer.from<unknown>(buffer.handle);
      expect(other.codec).toBe(codec);
      buffer.putManySync([...items]);
      expect(other.getManySync(10)).toEqual([...items]);
    });

    it("'structured' gives back what structuredClone gives, whether an item takes its JSON path or v8's", () => {
      const shared = { s: 1 };
      const cyclic: Record<string, unknown> = { name: 'loop' };
      cyclic.self = cyclic;
      const withExtra = Object.assign([1, 2], { extra: 'kept' });
      const nullProto = Object.assign(Object.create(null), { a: 1 });
      const deep = JSON.parse(`${'['.repeat(40)}1${']'.repeat(40)}`);
      const items: unknown[] = [
        { id: 1, payload: 'x'.repeat(32), nested: { list: [1, 'two', true, null, { three: 3.5 }] } },
        'a string \ud800 with a lone surrogate',
        42,
        -0,
        Number.NaN,
        { a: undefined, b: Number.POSITIVE_INFINITY },
        // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
        [1, , 3],
        withExtra,
        nullProto,
        JSON.parse('{"__proto__": {"polluted": true}}'),
        { twice: [shared, shared] },
        cyclic,
        deep,
        Array.from({ length: 100 }, (_, k) => k),
        { when: new Date(5), bytes: new Uint8Array([1, 2]) },
      ];
      const buffer = new BoundedBuffer<unknown>({ capacity: 32, codec: 'structured', slotBytes: 4096 });
      buffer.putManySync(items);
      const got = buffer.getManySync(32);
      expect(got).toHaveLength(items.length);
      for (const [k, item] of items.entries()) expect(got[k]).toStrictEqual(structuredClone(item));
      const twice = (got[10] as { twice: object[] }).twice;
      expect(twice[0]).toBe(twice[1]); // a shared reference stays shared
      const loop = got[11] as Record<string, unknown>;
      expect(loop.self).toBe(loop);
      expect(Object.getPrototypeOf(got[8])).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('an item larger than slotBytes throws ItemTooLargeError with its size and the limit, and writes nothing', () => {
      const buffer = new BoundedBuffer<string>({ capacity: 2, codec: 'string', slotBytes: 8 });
      const error = (() => {
        try {
          buffer.putSync('123456789');
        } catch (e) {
          return e as ItemTooLargeError;
        }
      })();
      expect(error).toBeInstanceOf(ItemTooLargeError);
      expect(error).toMatchObject({ code: 'ERR_ITEM_TOO_LARGE', size: 9, limit: 8, item: '123456789' });
      expect(buffer.size).toBe(0);
      buffer.putSync('ü'.repeat(4)); // 8 bytes of UTF-8 fit exactly
      expect(buffer.getSync()).toBe('üüüü');
    });

    it('json refuses what JSON cannot encode', () => {
      const buffer = new BoundedBuffer<unknown>({ capacity: 2, codec: 'json' });
      expect(() => buffer.tryPut(undefined)).toThrow(/json.*cannot encode undefined/);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(() => buffer.tryPut(cyclic)).toThrow(/cannot encode/);
      expect(buffer.size).toBe(0);
    });

    it('a custom codec travels by being given again to from(), and its errors reach the caller', () => {
      const codec = {
        encode: (item: { n: number }) => new Uint8Array([item.n]),
        decode: (bytes: Uint8Array) => ({ n: bytes[0] }),
      };
      const buffer = new BoundedBuffer({ capacity: 2, codec });
      expect(buffer.codec).toBe('custom');
      expect(() => BoundedBuffer.from(buffer.handle)).toThrow(/custom codec; pass it again/);
      const other = BoundedBuffer.from(buffer.handle, { codec });
      buffer.putSync({ n: 7 });
      expect(other.getSync()).toEqual({ n: 7 });
      const refusing = new BoundedBuffer({
        capacity: 2,
        codec: { encode: () => 'not bytes' as never, decode: (b: Uint8Array) => b },
      });
      expect(() => refusing.tryPut(1 as never)).toThrow(
        /encode\(\) must return a Uint8Array, got 'not bytes'/,
      );
      expect(refusing.size).toBe(0);
    });

    it("a custom codec's decode() may keep its bytes: later gets never overwrite them, small or large", () => {
      const codec = { encode: (item: Uint8Array) => item, decode: (bytes: Uint8Array) => bytes };
      const buffer = new BoundedBuffer<Uint8Array>({ capacity: 4, codec, slotBytes: 20_000 });
      const kept: Uint8Array[] = [];
      const sizeOf = (k: number) => (k % 50 === 0 ? 10_000 + k : 1 + (k % 300)); // some past a slab's share
      for (let k = 0; k < 2000; k++) {
        buffer.putSync(new Uint8Array(sizeOf(k)).fill(k & 255));
        kept.push(buffer.getSync());
      }
      for (const [k, bytes] of kept.entries()) expect(bytes).toEqual(Buffer.alloc(sizeOf(k), k & 255));
    });
  });

  describe('handles', () => {
    it('from() rejects what is not a BoundedBuffer handle, and a buffer whose memory was corrupted', () => {
      expect(() => BoundedBuffer.from(null as never)).toThrow(/got null/);
      expect(() => BoundedBuffer.from(new Semaphore(1).handle as never)).toThrow(
        /given the handle of a Semaphore/,
      );
      expect(() => BoundedBuffer.from(new Mutex().handle as never)).toThrow(/Mutex/);
      const buffer = new BoundedBuffer({ capacity: 4 });
      const corrupted = { kind: 'BoundedBuffer' as const, memory: buffer.handle.memory.slice(0) };
      new Int32Array(corrupted.memory)[2] = 0; // capacity word
      expect(() => BoundedBuffer.from(corrupted as never)).toThrow(TypeError);
      expect(() =>
        BoundedBuffer.from(buffer.handle, { codec: { encode: () => new Uint8Array(), decode: () => 0 } }),
      ).toThrow(/built-in codec 'int32'/);
    });

    it('a handle survives structured cloning, as postMessage does to it', () => {
      const buffer = new BoundedBuffer({ capacity: 2 });
      const other = BoundedBuffer.from(structuredClone(buffer.handle));
      other.putSync(11);
      expect(buffer.getSync()).toBe(11);
    });
  });
});
