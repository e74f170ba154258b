import { describe, expect, it } from 'vitest';
import { createRingMemory, DATA_AT } from '../../../src/stream/byte-ring/layout.js';
import { READER, RingSleep, WRITER } from '../../../src/stream/byte-ring/sleep.js';
import { Deadline } from '../../../src/sync/wait/deadline.js';

function words(): Int32Array {
  return new Int32Array(createRingMemory(64), 0, DATA_AT / 4);
}

describe("ByteRing's sleeping", () => {
  it('a wake bumps and notifies a side only while its WAITING flag is up', () => {
    const i32 = words();
    const sleep = new RingSleep(i32);
    sleep.wake(READER);
    expect(i32[READER.signal]).toBe(0);
    Atomics.store(i32, READER.waiting, 1);
    sleep.wake(READER);
    expect(i32[READER.signal]).toBe(1);
    expect(i32[WRITER.signal]).toBe(0);
  });

  it('a blocking wait that never becomes ready ends false at its deadline, flag lowered', () => {
    const i32 = words();
    const start = performance.now();
    expect(new RingSleep(i32).waitSync(WRITER, () => false, new Deadline({ timeout: 20 }))).toBe(false);
    expect(performance.now() - start).toBeGreaterThanOrEqual(15);
    expect(i32[WRITER.waiting]).toBe(0);
  });

  it('a Promise wait is woken by the other side’s change and wake, long before its deadline', async () => {
    const i32 = words();
    let ready = false;
    const start = performance.now();
    const waiting = new RingSleep(i32).waitAsync(READER, () => ready, new Deadline({ timeout: 10_000 }));
    setTimeout(() => {
      ready = true;
      new RingSleep(i32).wake(READER); // the writer's view
    }, 10);
    expect(await waiting).toBe(true);
    expect(performance.now() - start).toBeLessThan(5_000); // woken, not timed out (10 s)
    expect(i32[READER.waiting]).toBe(0);
    expect(i32[READER.signal]).toBe(1);
  });

  it('an aborted Promise wait rejects with the reason and lowers its flag', async () => {
    const i32 = words();
    const controller = new AbortController();
    const waiting = new RingSleep(i32).waitAsync(
      READER,
      () => false,
      new Deadline({ timeout: 10_000, signal: controller.signal }),
    );
    setTimeout(() => controller.abort(new Error('stop')), 10);
    await expect(waiting).rejects.toThrow('stop');
    expect(i32[READER.waiting]).toBe(0);
  });
});
