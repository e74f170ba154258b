// ByteRing in one thread: bytes in order exactly once across the wrap, all-or-nothing writes,
// timeouts and aborts that leave nothing behind, end/abort/cancel, roles, and bad input.
import { describe, expect, it } from 'vitest';
import { ByteRing, RingBusyError, RingClosedError, RingRoleError, TimeoutError } from '../../src/index.js';
import { prng } from '../helpers/prng.js';

function bytesOf(n: number, seed: number): Uint8Array {
  const random = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
}

describe('ByteRing', () => {
  describe('construction', () => {
    it('rounds the capacity up to a power of two', () => {
      expect(new ByteRing({ capacity: 1000 }).capacity).toBe(1024);
      expect(new ByteRing({ capacity: 1 }).capacity).toBe(1);
      expect(new ByteRing().capacity).toBe(2 ** 20);
    });

    it.each([
      [0, RangeError, 'capacity must be an integer from 1 to 1073741824, got 0 (number)'],
      [1.5, RangeError, 'got 1.5 (number)'],
      [2 ** 30 + 1, RangeError, 'got 1073741825 (number)'],
      ['4', TypeError, "got '4' (string)"],
    ])('rejects capacity %s with an error naming it', (capacity, type, message) => {
      expect(() => new ByteRing({ capacity: capacity as number })).toThrow(type);
      expect(() => new ByteRing({ capacity: capacity as number })).toThrow(message);
    });

    it('opens only the handle of a ByteRing', () => {
      expect(() => ByteRing.from(undefined as never)).toThrow(
        /needs the .handle of a ByteRing, got undefined/,
      );
      expect(() => ByteRing.from({ kind: 'ByteRing', memory: new SharedArrayBuffer(4096) } as never)).toThrow(
        /not a ByteRing \(bad header\)/,
      );
      const ring = new ByteRing({ capacity: 64 });
      expect(ByteRing.from(ring.handle).capacity).toBe(64);
    });
  });

  it('moves bytes in order, exactly once, across many wrap-arounds', () => {
    const ring = new ByteRing({ capacity: 256 });
    const data = bytesOf(50_000, 1);
    const random = prng(2);
    const out = new Uint8Array(data.length);
    let written = 0;
    let read = 0;
    while (read < data.length) {
      const size = Math.min(data.length - written, 1 + Math.floor(random() * 200));
      if (size > 0 && ring.tryWrite(data.subarray(written, written + size))) written += size;
      const into = new Uint8Array(1 + Math.floor(random() * 200));
      const n = ring.tryRead(into);
      out.set(into.subarray(0, n), read);
      read += n;
    }
    expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
    expect(ring.available).toBe(0);
  });

  it('a write that does not fit writes nothing: tryWrite says false, writeSync times out', () => {
    const ring = new ByteRing({ capacity: 16 });
    expect(ring.tryWrite(bytesOf(10, 3))).toBe(true);
    expect(ring.tryWrite(bytesOf(7, 4))).toBe(false);
    expect(() => ring.writeSync(bytesOf(7, 4), { timeout: 10 })).toThrow(TimeoutError);
    expect(ring.available).toBe(10);
    const into = new Uint8Array(32);
    expect(ring.tryRead(into)).toBe(10);
    expect(into.subarray(0, 10)).toEqual(bytesOf(10, 3));
  });

  it('a write longer than the ring goes in pieces and a timeout reports how many bytes went', () => {
    const ring = new ByteRing({ capacity: 16 });
    const error = (() => {
      try {
        ring.writeSync(bytesOf(40, 5), { timeout: 10 });
      } catch (e) {
        return e as TimeoutError & { written: number };
      }
    })();
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error!.written).toBe(16);
    const into = new Uint8Array(64);
    expect(ring.tryRead(into)).toBe(16);
    expect(into.subarray(0, 16)).toEqual(bytesOf(40, 5).subarray(0, 16));
  });

  it('readSync times out on an empty ring and takes nothing', () => {
    const ring = new ByteRing({ capacity: 16 });
    expect(() => ring.readSync(new Uint8Array(4), { timeout: 10 })).toThrow(TimeoutError);
    ring.tryWrite(Uint8Array.of(1, 2, 3));
    const into = new Uint8Array(4);
    expect(ring.readSync(into, { timeout: 0 })).toBe(3);
    expect([...into]).toEqual([1, 2, 3, 0]);
  });

  it('an aborted read takes nothing, and the next read gets the next bytes exactly once', async () => {
    const ring = new ByteRing({ capacity: 16 });
    const controller = new AbortController();
    const pending = ring.read(new Uint8Array(4), { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    ring.tryWrite(Uint8Array.of(9, 8));
    const into = new Uint8Array(4);
    expect(await ring.read(into, { timeout: 1000 })).toBe(2);
    expect([...into.subarray(0, 2)]).toEqual([9, 8]);
    expect(ring.available).toBe(0);
  });

  it('an already aborted signal rejects a write that would wait, and writes nothing', async () => {
    const ring = new ByteRing({ capacity: 4 });
    ring.tryWrite(Uint8Array.of(1, 2, 3));
    await expect(
      ring.write(Uint8Array.of(4, 5), { signal: AbortSignal.abort(new Error('gone')) }),
    ).rejects.toThrow('gone');
    expect(ring.available).toBe(3);
  });

  it('an async write waits for room and completes when the reader frees it', async () => {
    const ring = new ByteRing({ capacity: 8 });
    ring.tryWrite(bytesOf(8, 6));
    const pending = ring.write(Uint8Array.of(1, 2, 3, 4), { timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ring.available).toBe(8);
    expect(ring.tryRead(new Uint8Array(4))).toBe(4);
    await pending;
    const into = new Uint8Array(8);
    expect(ring.tryRead(into)).toBe(8);
    expect([...into.subarray(4)]).toEqual([1, 2, 3, 4]);
  });

  it('an async writer sleeps until a quarter of the ring is free, and a write that fits still goes at its deadline', async () => {
    const ring = new ByteRing({ capacity: 64 }); // a quarter: 16 bytes
    ring.tryWrite(bytesOf(60, 7));
    let settled = false;
    const start = performance.now();
    const pending = ring.write(bytesOf(8, 8), { timeout: 300 }).then(() => (settled = true));
    expect(ring.tryRead(new Uint8Array(4))).toBe(4); // 8 bytes free: enough for the write, not a quarter
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false); // not woken for less than a quarter
    await pending; // its deadline passed, and the 8 bytes fit: written, not a TimeoutError
    expect(performance.now() - start).toBeGreaterThanOrEqual(250);
    expect(ring.available).toBe(64);
    const woken = ring.write(bytesOf(8, 9), { timeout: 10_000 });
    expect(ring.tryRead(new Uint8Array(16))).toBe(16); // a quarter free: woken at once
    await woken;
    expect(ring.available).toBe(56);
  });

  it('close() ends the stream: the reader gets what was written, then 0; writing again fails', () => {
    const ring = new ByteRing({ capacity: 16 });
    ring.writeSync(Uint8Array.of(1, 2, 3));
    ring.close();
    ring.close(); // idempotent
    expect(ring.state).toBe('ended');
    expect(ring.ended).toBe(false);
    const into = new Uint8Array(2);
    expect(ring.readSync(into, { timeout: 100 })).toBe(2);
    expect(ring.readSync(into, { timeout: 100 })).toBe(1);
    expect(ring.readSync(into, { timeout: 100 })).toBe(0);
    expect(ring.ended).toBe(true);
    expect(() => ring.writeSync(Uint8Array.of(4))).toThrow(RingClosedError);
    expect(() => ring.writeSync(Uint8Array.of(4))).toThrow(/ended by close\(\)/);
  });

  it('abort() fails the reader at once, even with bytes left; cancel() fails the writer', () => {
    const aborted = new ByteRing({ capacity: 16 });
    aborted.tryWrite(Uint8Array.of(1, 2));
    aborted.abort();
    expect(() => aborted.tryRead(new Uint8Array(4))).toThrow(
      expect.objectContaining({ code: 'ERR_RING_CLOSED', state: 'aborted' }),
    );

    const cancelled = new ByteRing({ capacity: 16 });
    cancelled.cancel();
    expect(() => cancelled.writeSync(Uint8Array.of(1))).toThrow(
      expect.objectContaining({ code: 'ERR_RING_CLOSED', state: 'cancelled' }),
    );
  });

  it('a sleeping async read wakes up at the end of the stream with 0', async () => {
    const ring = new ByteRing({ capacity: 16 });
    const pending = ring.read(new Uint8Array(4), { timeout: 5000 });
    setTimeout(() => ring.close(), 10);
    expect(await pending).toBe(0);
  });

  it('readChunk waits for bytes before it allocates: the buffer is as long as what came, up to max', async () => {
    const ring = new ByteRing({ capacity: 1 << 16 });
    const bytes = bytesOf(5000, 7);
    const pending = ring.readChunk(1 << 15, { timeout: 5000 });
    await expect(ring.read(new Uint8Array(4))).rejects.toThrow(RingBusyError); // it is reading
    setTimeout(() => ring.tryWrite(bytes), 10);
    const chunk = (await pending) as Uint8Array;
    expect(chunk.length).toBe(5000);
    expect(chunk.buffer.byteLength).toBe(5000); // not a view of a max-sized allocation
    expect(Array.from(chunk)).toEqual(Array.from(bytes));
    ring.tryWrite(bytes);
    expect(ring.readChunkSync(3000)?.length).toBe(3000);
    expect(Array.from(ring.readChunkSync(3000) ?? [])).toEqual(Array.from(bytes.subarray(3000)));
    expect(() => ring.readChunkSync(8, { timeout: 20 })).toThrow(TimeoutError);
    await expect(ring.readChunk(8, { timeout: 20 })).rejects.toThrow(TimeoutError);
    ring.close();
    expect(await ring.readChunk()).toBeNull();
    expect(ring.readChunkSync()).toBeNull();
  });

  it('a second view in the same thread cannot become a second writer or reader', () => {
    const ring = new ByteRing({ capacity: 16 });
    ring.tryWrite(Uint8Array.of(1));
    const other = ByteRing.from(ring.handle);
    expect(() => other.tryWrite(Uint8Array.of(2))).toThrow(RingRoleError);
    expect(() => other.close()).toThrow(/already has a writer: another view of it in this thread/);
    expect(other.tryRead(new Uint8Array(4))).toBe(1); // it may be the reader
    expect(() => ring.tryRead(new Uint8Array(4))).toThrow(/already has a reader/);
    expect(ring.available).toBe(0);
  });

  it('one async read at a time: a second one while the first waits is refused', async () => {
    const ring = new ByteRing({ capacity: 16 });
    const first = ring.read(new Uint8Array(4), { timeout: 5000 });
    await expect(ring.read(new Uint8Array(4))).rejects.toThrow(RingBusyError);
    ring.tryWrite(Uint8Array.of(5));
    expect(await first).toBe(1);
  });

  it('rejects what is not bytes, naming it', () => {
    const ring = new ByteRing({ capacity: 16 });
    expect(() => ring.tryWrite('abc' as never)).toThrow("needs a Uint8Array (or Buffer), got 'abc' (string)");
    expect(() => ring.tryRead(new Uint8Array(0))).toThrow(
      /non-empty Uint8Array to read into, got a Uint8Array/,
    );
    expect(() => ring.readSync(new Uint8Array(1), { timeout: -1 })).toThrow(/timeout must be/);
    expect(ring.available).toBe(0);
  });
});
