// Hostile input: every public constructor and method of Semaphore, Mutex, BoundedBuffer, Channel
// and consume, fed wrong types, out-of-range numbers, empty and huge items, codecs that throw or
// return garbage, and handles that were tampered with or belong to another kind of object.
//
// The rule for each call: a valid argument works, an invalid one throws a TypeError or RangeError
// (or a documented error class) at once; never a hang (every async call races a timer, and sync
// waiting calls only run where they cannot wait), never a crash, never a silent wrong answer; and
// after a rejected call the object still works (a put/get or acquire/release round trip).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BoundedBuffer,
  Channel,
  consume,
  ItemTooLargeError,
  LockOwnershipError,
  Mutex,
  QueueClosedError,
  Semaphore,
} from '../../src/index.js';
import { HEAD, STAMPS, TAIL } from '../../src/queue/bounded-buffer/layout.js';
import { firstMessage, startWorker } from '../helpers/worker.js';
import type { TamperJob } from './tamper-actor.js';

const RUNS = { numRuns: 150, seed: 66 };

/** Numbers and look-alikes that trip naive checks, then anything at all. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    Number.NaN,
    -0,
    0,
    1,
    -1,
    1.5,
    2 ** 31,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 32,
    2 ** 53,
    Number.MAX_VALUE,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    '4',
    '',
    null,
    undefined,
    true,
    10n,
    Symbol('s'),
    {},
    [],
    [2],
    () => 2,
    new Date(0),
    { valueOf: () => 2 },
  ),
  fc.integer({ min: -10, max: 70 }),
  fc.double(),
  fc.anything(),
);

function isInt(x: unknown, min: number, max: number): boolean {
  return typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
}

/** A timeout the API accepts: undefined, or a number of ms from 0 to Infinity. */
function validTimeout(x: unknown): boolean {
  return x === undefined || (typeof x === 'number' && !Number.isNaN(x) && x >= 0);
}

/** Runs `fn` and says how it ended: 'ok', or the class of what it threw. */
function outcome(fn: () => unknown): 'ok' | 'TypeError' | 'RangeError' | 'other' {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof RangeError) return 'RangeError';
    if (error instanceof TypeError) return 'TypeError';
    return 'other';
  }
}

/** Settles `promise` or fails after `ms`: a hang becomes a failure. */
async function bounded<T>(promise: Promise<T>, ms = 2_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function asyncOutcome(
  fn: () => Promise<unknown>,
): Promise<'ok' | 'TypeError' | 'RangeError' | 'other'> {
  try {
    await bounded(Promise.resolve().then(fn));
    return 'ok';
  } catch (error) {
    if ((error as Error).message?.startsWith('hung')) throw error;
    if (error instanceof RangeError) return 'RangeError';
    if (error instanceof TypeError) return 'TypeError';
    return 'other';
  }
}

const rejected = (o: string) => o === 'TypeError' || o === 'RangeError';

function roundTrip(buffer: BoundedBuffer<number> | Channel<number>, item = 7): void {
  expect(buffer.tryPut(item)).toBe(true);
  expect(buffer.tryGet()).toEqual({ ok: true, value: item });
}

describe('BoundedBuffer refuses bad construction clearly', () => {
  it('capacity and slotBytes: valid integers work, anything else is a TypeError or RangeError', () => {
    fc.assert(
      fc.property(weird, fc.oneof(fc.constant(undefined), weird), (capacity, slotBytes) => {
        const valid = isInt(capacity, 1, 4096) && (slotBytes === undefined || isInt(slotBytes, 1, 4096));
        const invalid =
          !isInt(capacity, 1, 1 << 20) || (slotBytes !== undefined && !isInt(slotBytes, 1, 1 << 24));
        if (!valid && !invalid) return; // valid but large: skip the allocation
        const result = outcome(() => {
          const b = new BoundedBuffer({
            capacity: capacity as number,
            slotBytes: slotBytes as number,
            codec: 'json',
          });
          b.putSync(1, { timeout: 0 });
          expect(b.getSync({ timeout: 0 })).toBe(1);
        });
        expect(result).toBe(valid ? 'ok' : result === 'RangeError' ? 'RangeError' : 'TypeError');
      }),
      RUNS,
    );
  });

  it('options that are not an object are a TypeError', () => {
    fc.assert(
      fc.property(weird, (options) => {
        if (options !== null && typeof options === 'object') return;
        expect(outcome(() => new BoundedBuffer(options as never))).toBe('TypeError');
      }),
      RUNS,
    );
  });

  it('a codec that is neither a known name nor { encode, decode } is a TypeError', () => {
    fc.assert(
      fc.property(fc.oneof(weird, fc.string(), fc.constantFrom('custom', 'INT32', 'int')), (codec) => {
        if (codec === undefined) return;
        if (
          typeof codec === 'string' &&
          ['int32', 'float64', 'string', 'json', 'bytes', 'structured'].includes(codec)
        )
          return;
        expect(outcome(() => new BoundedBuffer({ capacity: 2, codec: codec as never }))).toBe('TypeError');
      }),
      RUNS,
    );
  });

  // Regression (fixed in b0cffe0): `codec in CODEC_IDS` also found names inherited from
  // Object.prototype, so codec: 'toString' built a buffer with no codec whose every put threw
  // "Cannot read properties of undefined (reading 'prepare')".
  it("a codec named after an Object.prototype member ('toString') is a TypeError", () => {
    for (const codec of ['toString', 'constructor', 'valueOf', '__proto__', 'hasOwnProperty']) {
      expect(
        outcome(() => new BoundedBuffer({ capacity: 2, codec: codec as never })),
        codec,
      ).toBe('TypeError');
    }
  });
});

describe('BoundedBuffer refuses bad calls clearly and keeps working', () => {
  it('int32 items: integers in range go in, anything else is a TypeError or RangeError and puts nothing', () => {
    const buffer = new BoundedBuffer({ capacity: 2 });
    fc.assert(
      fc.property(weird, fc.constantFrom('tryPut', 'putSync', 'putManySync'), (item, how) => {
        const valid = isInt(item, -(2 ** 31), 2 ** 31 - 1); // -0 included: it is stored as 0
        const result = outcome(() => {
          if (how === 'tryPut') expect(buffer.tryPut(item as number)).toBe(true);
          else if (how === 'putSync') buffer.putSync(item as number, { timeout: 0 });
          else buffer.putManySync([1, item as number], { timeout: 0 });
        });
        if (valid) {
          expect(result).toBe('ok');
          if (how === 'putManySync') expect(buffer.getSync({ timeout: 0 })).toBe(1);
          expect(buffer.getSync({ timeout: 0 })).toBe(item === 0 ? 0 : item);
        } else {
          expect(rejected(result)).toBe(true);
        }
        expect(buffer.size).toBe(0); // nothing half-done
        roundTrip(buffer);
      }),
      RUNS,
    );
  });

  it('wait options: a bad timeout, signal or options object is refused before anything is taken', () => {
    const buffer = new BoundedBuffer({ capacity: 2 });
    fc.assert(
      fc.property(weird, weird, fc.boolean(), (timeout, signal, asOptions) => {
        const options = asOptions ? { timeout, signal } : timeout;
        const validOptions =
          options === undefined ||
          (options !== null &&
            typeof options === 'object' &&
            validTimeout((options as { timeout?: unknown }).timeout) &&
            ((options as { signal?: unknown }).signal === undefined ||
              (options as { signal?: unknown }).signal instanceof AbortSignal));
        buffer.putSync(5, { timeout: 0 }); // one item inside: a valid get returns at once
        const result = outcome(() => expect(buffer.getSync(options as never)).toBe(5));
        if (validOptions) expect(result).toBe('ok');
        else {
          expect(rejected(result)).toBe(true);
          expect(buffer.getSync({ timeout: 0 })).toBe(5); // the refused get took nothing
        }
        expect(outcome(() => buffer.putSync(6, options as never))).toBe(validOptions ? 'ok' : result);
        if (validOptions) expect(buffer.getSync({ timeout: 0 })).toBe(6);
        roundTrip(buffer);
      }),
      RUNS,
    );
  });

  it('getMany max: integers from 1 work, anything else is refused and takes nothing', async () => {
    const buffer = new BoundedBuffer({ capacity: 3 });
    await fc.assert(
      fc.asyncProperty(weird, fc.boolean(), async (max, sync) => {
        buffer.putManySync([1, 2], { timeout: 0 });
        const valid = isInt(max, 1, Number.MAX_SAFE_INTEGER);
        const call = () =>
          sync ? buffer.getManySync(max as number, { timeout: 0 }) : buffer.getMany(max as number);
        const result = sync ? outcome(call) : await asyncOutcome(async () => call());
        expect(result).toBe(valid ? 'ok' : result === 'RangeError' ? 'RangeError' : 'TypeError');
        while (buffer.tryGet().ok) {}
        roundTrip(buffer);
      }),
      RUNS,
    );
  });

  it('putMany of a non-iterable is a TypeError; an iterable that throws passes its error on and puts nothing', async () => {
    const buffer = new BoundedBuffer({ capacity: 4 });
    for (const items of [null, undefined, 5, {}, { length: 2 }, true]) {
      expect(outcome(() => buffer.putManySync(items as never))).toBe('TypeError');
      expect(await asyncOutcome(() => buffer.putMany(items as never))).toBe('TypeError');
    }
    const failing = {
      *[Symbol.iterator]() {
        yield 1;
        throw new Error('iterator broke');
      },
    };
    expect(() => buffer.putManySync(failing)).toThrow('iterator broke');
    expect(buffer.size).toBe(0);
    buffer.putManySync([]); // an empty batch is fine
    expect(buffer.size).toBe(0);
    roundTrip(buffer);
  });

  it('close options: a non-object or a non-boolean immediate is a TypeError and does not close', () => {
    fc.assert(
      fc.property(weird, fc.boolean(), (value, asImmediate) => {
        const buffer = new BoundedBuffer({ capacity: 2 });
        const options = asImmediate ? { immediate: value } : value;
        const valid =
          options === undefined ||
          (options !== null &&
            typeof options === 'object' &&
            [undefined, true, false].includes((options as { immediate?: unknown }).immediate as boolean));
        const result = outcome(() => buffer.close(options as never));
        expect(result).toBe(valid ? 'ok' : 'TypeError');
        expect(buffer.closed).toBe(valid);
        if (!valid) roundTrip(buffer);
      }),
      RUNS,
    );
  });

  it('empty and huge items: empty ones round-trip, ones beyond slotBytes are ItemTooLargeError and put nothing', () => {
    const strings = new BoundedBuffer<string>({ capacity: 2, codec: 'string', slotBytes: 16 });
    const bytes = new BoundedBuffer<Uint8Array>({ capacity: 2, codec: 'bytes', slotBytes: 16 });
    const json = new BoundedBuffer<unknown>({ capacity: 2, codec: 'json', slotBytes: 16 });
    fc.assert(
      fc.property(fc.nat({ max: 2_000 }), (n) => {
        const text = 'é'.repeat(n); // 2 bytes each in UTF-8
        const fits = 2 * n <= 16;
        expect(outcome(() => strings.putSync(text, { timeout: 0 }))).toBe(fits ? 'ok' : 'RangeError');
        if (fits) expect(strings.getSync({ timeout: 0 })).toBe(text);
        const data = new Uint8Array(n).fill(n & 0xff);
        expect(outcome(() => bytes.tryPut(data))).toBe(n <= 16 ? 'ok' : 'RangeError');
        if (n <= 16) expect(bytes.getSync({ timeout: 0 })).toEqual(data);
        const list = Array.from({ length: n }, () => 0);
        const encoded = JSON.stringify(list).length;
        expect(outcome(() => json.putManySync([1, list], { timeout: 0 }))).toBe(
          encoded <= 16 ? 'ok' : 'RangeError',
        );
        while (json.tryGet().ok) {}
        expect(strings.size + bytes.size + json.size).toBe(0);
      }),
      { numRuns: 60, seed: 67 },
    );
    try {
      strings.putSync('x'.repeat(17));
      expect.fail('a 17-byte string went into 16-byte slots');
    } catch (error) {
      expect(error).toBeInstanceOf(ItemTooLargeError);
      expect(error).toMatchObject({ size: 17, limit: 16, code: 'ERR_ITEM_TOO_LARGE' });
    }
  });

  it('json and structured codecs refuse what they cannot encode with a TypeError (or the value’s own error)', () => {
    const json = new BoundedBuffer<unknown>({ capacity: 2, codec: 'json' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const item of [undefined, () => 1, Symbol('x'), 10n, cyclic]) {
      expect(
        outcome(() => json.tryPut(item)),
        String(typeof item),
      ).toBe('TypeError');
    }
    const structured = new BoundedBuffer<unknown>({ capacity: 2, codec: 'structured' });
    expect(outcome(() => structured.tryPut(() => 1))).not.toBe('ok');
    expect(structured.size + json.size).toBe(0);
    expect(json.tryPut({ a: [1, 'b'] })).toBe(true);
    expect(json.tryGet()).toEqual({ ok: true, value: { a: [1, 'b'] } });
  });
});

describe('custom codecs that throw or return garbage', () => {
  const good = {
    encode: (n: number) => Uint8Array.of(n & 0xff),
    decode: (b: Uint8Array) => b[0],
  };

  it('encode returning anything but a Uint8Array is a TypeError; too many bytes is ItemTooLargeError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          weird,
          fc.constantFrom<unknown>(
            new Uint16Array(2),
            new DataView(new ArrayBuffer(2)),
            new ArrayBuffer(2),
            [1, 2],
          ),
          fc.nat({ max: 100_000 }).map((n) => new Uint8Array(n)),
        ),
        (returned) => {
          const buffer = new BoundedBuffer<number>({
            capacity: 2,
            slotBytes: 64,
            codec: { encode: () => returned as Uint8Array, decode: (b) => b.length },
          });
          const result = outcome(() => buffer.putSync(1, { timeout: 0 }));
          if (returned instanceof Uint8Array) {
            expect(result).toBe(returned.byteLength <= 64 ? 'ok' : 'RangeError');
            if (result === 'ok') expect(buffer.getSync({ timeout: 0 })).toBe(returned.byteLength);
          } else expect(result).toBe('TypeError');
          expect(buffer.size).toBe(0);
        },
      ),
      RUNS,
    );
  });

  it('encode that throws passes its own error on and puts nothing; the buffer still works', () => {
    let fail = true;
    const buffer = new BoundedBuffer<number>({
      capacity: 2,
      codec: {
        encode: (n) => {
          if (fail) throw new Error(`refused ${n}`);
          return good.encode(n);
        },
        decode: good.decode,
      },
    });
    expect(() => buffer.tryPut(1)).toThrow('refused 1');
    expect(() => buffer.putManySync([1, 2])).toThrow('refused 1');
    expect(buffer.size).toBe(0);
    fail = false;
    roundTrip(buffer as BoundedBuffer<number>);
  });

  it('decode that throws passes its error on, frees the slot, and the buffer keeps working', () => {
    let fail = true;
    const buffer = new BoundedBuffer<number>({
      capacity: 1,
      codec: {
        encode: good.encode,
        decode: (b) => {
          if (fail) throw new Error('cannot decode');
          return good.decode(b);
        },
      },
    });
    buffer.putSync(3, { timeout: 0 });
    expect(() => buffer.getSync({ timeout: 0 })).toThrow('cannot decode');
    expect(buffer.size).toBe(0);
    fail = false;
    roundTrip(buffer);
  });

  it('from() of a custom-codec buffer without its codec, or with a bad one, is a TypeError', () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2, codec: good });
    fc.assert(
      fc.property(weird, (codec) => {
        const ok = codec !== null && typeof codec === 'object' && 'encode' in codec;
        if (ok) return;
        expect(outcome(() => BoundedBuffer.from(buffer.handle, { codec: codec as never }))).toBe('TypeError');
      }),
      RUNS,
    );
    expect(
      outcome(() => BoundedBuffer.from(new BoundedBuffer({ capacity: 2 }).handle, { codec: good })),
    ).toBe('TypeError');
  });
});

describe('handles: tampered, truncated, or of another kind', () => {
  const buffer = new BoundedBuffer({ capacity: 3 });
  const copyOf = (memory: SharedArrayBuffer, bytes = memory.byteLength) => {
    const copy = new SharedArrayBuffer(bytes);
    new Uint8Array(copy).set(new Uint8Array(memory, 0, Math.min(bytes, memory.byteLength)));
    return copy;
  };

  it('from() of anything that is not a handle is a TypeError', () => {
    fc.assert(
      fc.property(weird, fc.oneof(weird, fc.constant('BoundedBuffer')), (memory, kind) => {
        expect(outcome(() => BoundedBuffer.from(memory as never))).toBe('TypeError');
        expect(outcome(() => BoundedBuffer.from({ kind, memory } as never))).toBe('TypeError');
        expect(outcome(() => Semaphore.from({ kind, memory } as never))).toBe('TypeError');
        expect(outcome(() => Mutex.from({ kind, memory } as never))).toBe('TypeError');
      }),
      RUNS,
    );
  });

  it('the handle of another kind of object is a TypeError, for every pair of kinds', () => {
    const handles = {
      BoundedBuffer: buffer.handle,
      Semaphore: new Semaphore(1).handle,
      Mutex: new Mutex().handle,
    };
    const open = {
      BoundedBuffer: (h: unknown) => BoundedBuffer.from(h as never),
      Semaphore: (h: unknown) => Semaphore.from(h as never),
      Mutex: (h: unknown) => Mutex.from(h as never),
    };
    for (const [kind, from] of Object.entries(open)) {
      for (const [other, handle] of Object.entries(handles)) {
        const expected = kind === other ? 'ok' : 'TypeError';
        expect(
          outcome(() => from(handle)),
          `${kind}.from(${other} handle)`,
        ).toBe(expected);
        // The right memory under the wrong kind name, and the other way round.
        if (kind !== other) {
          expect(outcome(() => from({ kind, memory: handle.memory }))).toBe('TypeError');
        }
      }
    }
  });

  it('a header or layout word tampered with is a TypeError, or (if still consistent) a working buffer', () => {
    // Words 0..5: magic, kind/version, capacity, slot bytes, codec, one lap.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.integer(), (word, value) => {
        const memory = copyOf(buffer.handle.memory);
        const i32 = new Int32Array(memory);
        const before = i32[word];
        i32[word] = value;
        const result = outcome(() => {
          const opened = BoundedBuffer.from({ kind: 'BoundedBuffer', memory });
          roundTrip(opened);
        });
        // Either refused, or still consistent (e.g. slot bytes of an int32 buffer are unused) and
        // then it must work: roundTrip checks that.
        expect(result === 'TypeError' || result === 'ok', `word ${word} = ${value}: ${result}`).toBe(true);
        if (value === before) expect(result).toBe('ok');
        if (word <= 2 || word === 4) expect(result).toBe(value === before ? 'ok' : 'TypeError');
      }),
      { numRuns: 300, seed: 68 },
    );
  });

  it('a swapped capacity word, or truncated or padded memory, is a TypeError', () => {
    for (const capacity of [1, 2, 4, 5, 64, 2 ** 20, 2 ** 20 + 1, 0, -3]) {
      const memory = copyOf(buffer.handle.memory);
      new Int32Array(memory)[2] = capacity;
      expect(
        outcome(() => BoundedBuffer.from({ kind: 'BoundedBuffer', memory })),
        String(capacity),
      ).toBe('TypeError');
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: buffer.handle.memory.byteLength + 256 }), (bytes) => {
        if (bytes === buffer.handle.memory.byteLength) return;
        const memory = copyOf(buffer.handle.memory, bytes);
        expect(outcome(() => BoundedBuffer.from({ kind: 'BoundedBuffer', memory }))).toBe('TypeError');
      }),
      RUNS,
    );
  });

  // Regression (fixed in b0cffe0): a handle whose state words (a slot's stamp, TAIL or HEAD) were
  // corrupted opened fine, and then tryPut() or tryGet() spun forever in "TAIL moved on; look
  // again". Now the call throws BufferCorruptedError. Run in a worker so a hang is a missing reply.
  it('a handle whose state words were corrupted never hangs a call: it throws BufferCorruptedError', async () => {
    const cases: [string, number, number, TamperJob['call']][] = [
      ['stamp of slot 0', STAMPS, 12_345, 'tryPut'],
      ['TAIL', TAIL, 7, 'tryPut'],
      ['HEAD', HEAD, 5, 'tryGet'],
    ];
    const hangs: string[] = [];
    const answers: string[] = [];
    await Promise.all(
      cases.map(async ([what, word, value, call]) => {
        const victim = new BoundedBuffer({ capacity: 2 });
        if (call === 'tryGet') victim.tryPut(1);
        new Int32Array(victim.handle.memory)[word] = value;
        const worker = startWorker(new URL('./tamper-actor.ts', import.meta.url), {
          workerData: { handle: victim.handle, call } satisfies TamperJob,
        });
        try {
          answers.push(await firstMessage<string>(worker, 4_000));
        } catch {
          hangs.push(`${call}() after corrupting ${what}`);
        } finally {
          await worker.terminate(); // only this worker uses the corrupted buffer
        }
      }),
    );
    expect(hangs).toEqual([]);
    for (const answer of answers) expect(answer).toMatch(/^threw BufferCorruptedError/);
  });
});

describe('Semaphore and Mutex refuse bad input clearly and keep working', () => {
  it('Semaphore(permits) accepts integers 0..2^31-1 and refuses anything else', () => {
    fc.assert(
      fc.property(weird, (permits) => {
        const valid = isInt(permits, 0, 2 ** 31 - 1);
        const result = outcome(() => expect(new Semaphore(permits as number).value === permits).toBe(true));
        expect(result).toBe(valid ? 'ok' : result === 'RangeError' ? 'RangeError' : 'TypeError');
      }),
      RUNS,
    );
  });

  it('tryAcquire, acquireSync, acquire and release refuse bad counts and options, changing nothing', async () => {
    const semaphore = new Semaphore(3);
    await fc.assert(
      fc.asyncProperty(
        weird,
        weird,
        fc.constantFrom('try', 'sync', 'async', 'release'),
        async (n, timeout, how) => {
          const validN = n === undefined || isInt(n, 1, 2 ** 31 - 1); // undefined: the default, 1
          // More permits than there are would wait: then only a timeout of 0 may be passed on.
          if (validN && (n as number) > 3 && validTimeout(timeout)) timeout = 0;
          const result =
            how === 'try'
              ? outcome(() => semaphore.tryAcquire(n as number))
              : how === 'release'
                ? outcome(() => semaphore.release(n as number))
                : how === 'sync'
                  ? outcome(() => semaphore.acquireSync({ permits: n as number, timeout: timeout as number }))
                  : await asyncOutcome(() =>
                      semaphore.acquire({ permits: n as number, timeout: timeout as number }),
                    );
          const validTime = how === 'try' || how === 'release' || validTimeout(timeout);
          if (!validN || !validTime)
            expect(rejected(result), `${how}(${String(n)}, ${String(timeout)})`).toBe(true);
          // Put the count back to 3 whatever happened, then a round trip.
          const value = semaphore.value;
          if (value > 3) semaphore.acquireSync({ permits: value - 3, timeout: 0 });
          if (value < 3) semaphore.release(3 - value);
          expect(semaphore.value).toBe(3);
          expect(semaphore.tryAcquire()).toBe(true);
          semaphore.release();
        },
      ),
      { ...RUNS, numRuns: 200 },
    );
  });

  it('a release past 2^31-1 permits is a RangeError that changes nothing', () => {
    const semaphore = new Semaphore(2 ** 31 - 2);
    expect(outcome(() => semaphore.release(2))).toBe('RangeError');
    expect(semaphore.value).toBe(2 ** 31 - 2);
    semaphore.release(1);
    expect(semaphore.value).toBe(2 ** 31 - 1);
  });

  it('Mutex: bad options are refused, unlock by a non-holder is LockOwnershipError, and it still locks', async () => {
    const mutex = new Mutex();
    expect(() => mutex.unlock()).toThrow(LockOwnershipError);
    await fc.assert(
      fc.asyncProperty(weird, fc.boolean(), async (options, sync) => {
        const valid =
          options === undefined ||
          (options !== null &&
            typeof options === 'object' &&
            validTimeout((options as { timeout?: unknown }).timeout));
        const result = sync
          ? outcome(() => mutex.lockSync(options as never).unlock())
          : await asyncOutcome(async () => (await mutex.lock(options as never)).unlock());
        if (!valid) expect(rejected(result)).toBe(true);
        expect(mutex.locked).toBe(false);
        mutex.tryLock()!.unlock();
      }),
      RUNS,
    );
    await expect(bounded(mutex.withLock(5 as never))).rejects.toBeInstanceOf(TypeError);
    expect(mutex.locked).toBe(false);
  });
});

describe('Channel and consume refuse bad input clearly and keep working', () => {
  it('Channel capacity accepts integers 0..2^30 and refuses anything else', () => {
    fc.assert(
      fc.property(weird, (capacity) => {
        const valid = isInt(capacity, 0, 2 ** 30);
        const result = outcome(() => new Channel({ capacity: capacity as number }));
        expect(result).toBe(valid ? 'ok' : result === 'RangeError' ? 'RangeError' : 'TypeError');
        expect(outcome(() => new Channel(capacity as never))).not.toBe('ok');
      }),
      RUNS,
    );
  });

  it('Channel methods refuse bad options and counts, take nothing, and the channel still works', async () => {
    await fc.assert(
      fc.asyncProperty(weird, weird, async (timeout, max) => {
        const channel = new Channel<number>({ capacity: 2 });
        channel.tryPut(1);
        const get = await asyncOutcome(() => channel.get({ timeout: timeout as number }));
        if (!validTimeout(timeout)) {
          expect(rejected(get)).toBe(true);
          expect(channel.tryGet()).toEqual({ ok: true, value: 1 });
        } else expect(get).toBe('ok');
        channel.tryPut(2);
        const many = await asyncOutcome(() => channel.getMany(max as number));
        if (!isInt(max, 1, Number.MAX_SAFE_INTEGER)) {
          expect(rejected(many)).toBe(true);
          expect(channel.tryGet()).toEqual({ ok: true, value: 2 });
        }
        const put = await asyncOutcome(() => channel.put(3, { timeout: timeout as number }));
        expect(put).toBe(validTimeout(timeout) ? 'ok' : get);
        while (channel.tryGet().ok) {}
        // Any iterable is fine (a batch too big to fit times out at once); anything else is a TypeError.
        const iterable =
          typeof (timeout as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator] === 'function';
        const putMany = await asyncOutcome(() => channel.putMany(timeout as never, { timeout: 0 }));
        if (!iterable) expect(putMany).toBe('TypeError');
        while (channel.tryGet().ok) {}
        roundTrip(channel);
      }),
      RUNS,
    );
    const channel = new Channel<number>({ capacity: 2 });
    expect(outcome(() => channel.close(5 as never))).toBe('TypeError');
    expect(outcome(() => channel.close({ immediate: 'yes' as never }))).toBe('TypeError');
    expect(channel.closed).toBe(false);
  });

  it('consume refuses a non-function, bad options and bad concurrency with a TypeError or RangeError', async () => {
    await fc.assert(
      fc.asyncProperty(weird, weird, async (fn, concurrency) => {
        const channel = new Channel<number>({ capacity: 2 });
        channel.close();
        const valid =
          typeof fn === 'function' && (concurrency === undefined || isInt(concurrency, 1, 2 ** 31 - 1));
        const result = await asyncOutcome(() =>
          consume(channel, fn as never, { concurrency: concurrency as number }),
        );
        expect(result).toBe(valid ? 'ok' : result === 'RangeError' ? 'RangeError' : 'TypeError');
      }),
      RUNS,
    );
    for (const options of [5, 'x', null]) {
      const channel = new Channel<number>({ capacity: 1 });
      channel.close();
      expect(await asyncOutcome(() => consume(channel, () => {}, options as never))).toBe('TypeError');
    }
    // A queue that is not a queue: a clear TypeError, not a hang.
    expect(await asyncOutcome(() => consume({} as never, () => {}))).toBe('TypeError');
  });

  it('a BoundedBuffer closed while a hostile call was refused still reports closed the documented way', () => {
    const buffer = new BoundedBuffer({ capacity: 1 });
    expect(outcome(() => buffer.putSync(Number.NaN))).toBe('TypeError');
    buffer.close();
    expect(() => buffer.tryPut(1)).toThrow(QueueClosedError);
    expect(() => buffer.tryGet()).toThrow(QueueClosedError);
  });
});
