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

  it('a wake with fewer bytes than the sleeper wants leaves it asleep; enough bytes, or a change of state, wake it', () => {
    const i32 = words();
    const sleep = new RingSleep(i32);
    Atomics.store(i32, WRITER.waiting, 16); // the writer sleeps until 16 bytes are free
    sleep.wake(WRITER, 15);
    expect(i32[WRITER.signal]).toBe(0);
    sleep.wake(WRITER, 16);
    expect(i32[WRITER.signal]).toBe(1);
    sleep.wake(WRITER); // a change of STATE
    expect(i32[WRITER.signal]).toBe(2);
  });

  it('a Promise wait stores what it waits for in its WAITING word while it sleeps', async () => {
    const i32 = words();
    let ready = false;
    const waiting = new RingSleep(i32).waitAsync(WRITER, () => ready, new Deadline({ timeout: 10_000 }), 48);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(Atomics.load(i32, WRITER.waiting)).toBe(48);
    ready = true;
    new RingSleep(i32).wake(WRITER, 48);
    expect(await waiting).toBe(true);
    expect(i32[WRITER.waiting]).toBe(0);
  });

  it('a blocking wait that never becomes ready ends false at its deadline, flag lowered', () => {
    const i32 = words();
    const start = performance.now();
    expect(new RingSleep(i32).waitSync(WRITER, () => false, new Deadline({ timeout: 20 }), 1)).toBe(false);
    expect(performance.now() - start).toBeGreaterThanOrEqual(15);
    expect(i32[WRITER.waiting]).toBe(0);
  });

  it('a Promise wait is woken by the other side’s change and wake, long before its deadline', async () => {
    const i32 = words();
    let ready = false;
    const start = performance.now();
    const waiting = new RingSleep(i32).waitAsync(READER, () => ready, new Deadline({ timeout: 10_000 }), 1);
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
      1,
    );
    setTimeout(() => controller.abort(new Error('stop')), 10);
    await expect(waiting).rejects.toThrow('stop');
    expect(i32[READER.waiting]).toBe(0);
  });
});
