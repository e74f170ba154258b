// What a BoundedBuffer does when a thread dies in the middle of a call: recover(threadId) (or
// watch(worker)) repairs it so that nobody stays blocked and nothing acknowledged is lost.
//
// A real worker is terminated while its put has claimed a slot and not yet published it (its
// codec stalls there). A get has no such hook (the copy out of the slot runs no user code), so the
// dead getter's cases write the state a thread leaves when it dies at that instant: the claiming
// CAS done, its intents entry naming the claim, the slots not yet freed. The random-kill stress
// (test/stress/history.test.ts) covers deaths at any moment, with checked histories.
import { spawnSync } from 'node:child_process';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BoundedBuffer, type RecoveryReport } from '../../../src/index.js';
import { HEAD, INTENTS_AT, STAMPS, TAIL } from '../../../src/queue/bounded-buffer/layout.js';
import { ENTRIES, ENTRY_WORDS } from '../../../src/sync/intents.js';
import { exited, startWorker } from '../../helpers/worker.js';
import { int32Codec } from '../../tooling/stall-codec.js';
import type { StalledPutJob } from '../../workers/recovery-actor.js';

const ACTOR = new URL('../../workers/recovery-actor.ts', import.meta.url);

// Word offsets of the buffer's layout (src/queue/bounded-buffer/layout.ts), imported so that this
// test follows the layout. A position is lap * L + slot, with L the power of two above the
// capacity (4 for capacity 2, 8 for 4).
/** The intents table's last entry: OWNER, INTENT (the claim), AT (its position). */
const LAST_ENTRY = INTENTS_AT + (ENTRIES - 1) * ENTRY_WORDS;
/** A thread id no real thread in this test has. */
const GHOST = 4242;

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Writes the intents entry of a thread that is about to claim (or has claimed) `claim` at `position`. */
function ghostIntends(buffer: BoundedBuffer<number>, claim: number, position: number): Int32Array {
  const words = new Int32Array(buffer.handle.memory);
  words[LAST_ENTRY] = GHOST + 1;
  words[LAST_ENTRY + 1] = claim;
  words[LAST_ENTRY + 2] = position;
  return words;
}

describe('BoundedBuffer when a thread dies mid-call', () => {
  it('drops a put whose producer was terminated between claiming its slot and publishing it, and a waiting get gets the next item', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 4, codec: int32Codec() });
    const producer = startWorker(ACTOR, {
      workerData: { handle: buffer.handle, item: 7, stallMs: 20_000 } satisfies StalledPutJob,
    });
    const reports: RecoveryReport<number>[] = [];
    buffer.watch(producer, (report) => reports.push(report));
    await until(() => buffer.size === 1, 'the producer has claimed position 0');
    await buffer.put(8, { timeout: 1_000 }); // acknowledged, at position 1, behind the stalled put
    const got = buffer.get({ timeout: 5_000 }); // waits on position 0
    await producer.terminate();
    await expect(got).resolves.toBe(8);
    expect(reports).toEqual([{ threadId: expect.any(Number), droppedPuts: 1, returned: [], undecided: 0 }]);
    expect(buffer.tryGet()).toEqual({ ok: false });
    expect(buffer.size).toBe(0);
    // The dropped put counts as done for join(); item 8 is finished by its consumer.
    expect(buffer.unfinished).toBe(1);
    buffer.taskDone();
    await buffer.join({ timeout: 1_000 });
  });

  it('drops the whole batch of a putMany that died while publishing it, though its last items were published', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 4 });
    // The ghost claimed positions 0..2 and wrote the stamps of 1 and 2, not 0 (a run's first stamp
    // is written last: it publishes the run).
    const words = ghostIntends(buffer, 3, 0);
    words[TAIL] = 3;
    words[STAMPS + 1] = 2;
    words[STAMPS + 2] = 3;
    const got = buffer.get({ timeout: 5_000 });
    buffer.putSync(9, { timeout: 1_000 }); // acknowledged, at position 3
    expect(buffer.recover(GHOST)).toEqual({ threadId: GHOST, droppedPuts: 3, returned: [], undecided: 0 });
    await expect(got).resolves.toBe(9);
    expect(buffer.size).toBe(0);
    expect(buffer.unfinished).toBe(1);
  });

  it('hands back the items of a get that died between claiming them and freeing their slots, and a waiting put gets the room', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2 });
    buffer.putManySync([1, 2]);
    const words = ghostIntends(buffer, -2, 0);
    words[HEAD] = 4; // (lap 1, slot 0: a lap is 4 positions here) the ghost's claim of both items went through; their slots are still full
    const put = buffer.put(3, { timeout: 5_000 }); // waits for a slot the ghost holds
    expect(buffer.recover(GHOST)).toEqual({
      threadId: GHOST,
      droppedPuts: 0,
      returned: [1, 2],
      undecided: 0,
    });
    await put;
    expect(buffer.getSync({ timeout: 0 })).toBe(3);
    expect(buffer.unfinished).toBe(1); // 1 and 2 were handed back, counted done; 3 is not done yet
  });

  it("hands back only the slots a dying get had not freed yet (it frees its run's first slot last)", () => {
    const buffer = new BoundedBuffer<number>({ capacity: 4 });
    buffer.putManySync([1, 2, 3]);
    const words = ghostIntends(buffer, -3, 0);
    words[HEAD] = 3;
    words[STAMPS + 1] = 1 + 8; // it had freed slots 1 and 2 for the next lap (items 2 and 3 went
    words[STAMPS + 2] = 2 + 8; // with it) before it died, but not slot 0, which goes last
    expect(buffer.recover(GHOST).returned).toEqual([1]);
    buffer.putManySync([4, 5, 6, 7], { timeout: 0 }); // all four slots are free again
    expect(buffer.getManySync(4, { timeout: 0 })).toEqual([4, 5, 6, 7]);
  });

  it('takes a dropped put that was the last claim back at once, so its room is free', () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2 });
    buffer.putSync(1);
    const words = ghostIntends(buffer, 1, 1);
    words[TAIL] = 4; // the ghost claimed position 1 (slot 1) and died before publishing
    expect(buffer.tryPut(2)).toBe(false); // full: 1 inside, and the ghost's claim
    expect(buffer.recover(GHOST).droppedPuts).toBe(1);
    expect(buffer.tryPut(2)).toBe(true);
    expect(buffer.getManySync(2, { timeout: 0 })).toEqual([1, 2]);
  });

  it('lets join() return once the only unfinished item was a dropped put', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2 });
    const words = ghostIntends(buffer, 1, 0);
    words[TAIL] = 1; // the ghost claimed position 0 and died: join() counts it as unfinished
    const joined = buffer.join({ timeout: 10_000 }).then(() => 'joined');
    buffer.recover(GHOST); // taken back at once (the last claim): join() is woken, not left to poll
    const asleep = new Promise((resolve) => setTimeout(resolve, 1_000, 'still waiting'));
    expect(await Promise.race([joined, asleep])).toBe('joined');
    expect(buffer.unfinished).toBe(0);
  });

  it('skips a dropped put with later puts behind it when the first put or get reaches it', () => {
    const buffer = new BoundedBuffer<number>({ capacity: 3 });
    buffer.putSync(1); // position 0
    const words = ghostIntends(buffer, 1, 1);
    words[TAIL] = 2; // the ghost claimed position 1 and died before publishing...
    buffer.putSync(3); // ...and a live put came after it, at position 2
    expect(buffer.recover(GHOST).droppedPuts).toBe(1); // a tombstone: item 1 is still ahead of it
    expect(buffer.getSync({ timeout: 0 })).toBe(1);
    expect(buffer.tryPut(4)).toBe(true); // position 4, in slot 0
    expect(buffer.tryPut(5)).toBe(true); // position 5, in slot 1: this put skipped the ghost's claim
    expect(buffer.getManySync(3, { timeout: 0 })).toEqual([3, 4, 5]);
    expect(buffer.unfinished).toBe(4); // 1, 3, 4 and 5; the dropped put counts as done
  });

  it('sees an empty buffer, not a corrupted one, at a slot whose dropped put was skipped but not yet freed', () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2 });
    const words = new Int32Array(buffer.handle.memory);
    // Positions 0 and 1 were a dropped put; a thread moved HEAD past them and has not freed their
    // slots yet (their stamps still say "free for position 0 and 1").
    words[TAIL] = 4;
    words[HEAD] = 4;
    expect(buffer.tryGet()).toEqual({ ok: false });
    expect(() => buffer.getSync({ timeout: 0 })).toThrow(/timed out/);
  });

  it('leaves alone what a dead thread finished, and what it never claimed', () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2 });
    buffer.putSync(1);
    // A put whose claim at position 1 never went through (TAIL is still 1)...
    ghostIntends(buffer, 1, 1);
    expect(buffer.recover(GHOST)).toEqual({ threadId: GHOST, droppedPuts: 0, returned: [], undecided: 0 });
    // ...and a get at position 0 that finished long ago (the slot was freed and refilled since).
    expect(buffer.getSync({ timeout: 0 })).toBe(1);
    buffer.putManySync([2, 3]);
    ghostIntends(buffer, -1, 0);
    expect(buffer.recover(GHOST)).toEqual({ threadId: GHOST, droppedPuts: 0, returned: [], undecided: 0 });
    expect(buffer.getManySync(2, { timeout: 0 })).toEqual([2, 3]);
  });

  it('frees the entry of a worker that exits normally, without any recover()', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 4, codec: int32Codec() });
    const owners = () => {
      const words = new Int32Array(buffer.handle.memory);
      return Array.from({ length: ENTRIES }, (_, k) => words[INTENTS_AT + ENTRY_WORDS * k]).filter(
        (owner) => owner !== 0,
      );
    };
    const producer = startWorker(ACTOR, {
      workerData: { handle: buffer.handle, item: 5, stallMs: 0 } satisfies StalledPutJob,
    });
    const id = producer.threadId;
    await exited(producer, 10_000);
    expect(buffer.getSync({ timeout: 0 })).toBe(5);
    expect(owners()).not.toContain(id + 1);
  });

  it('recovers a thread with nothing to repair, and frees its entry', () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2 });
    const words = ghostIntends(buffer, 0, 0);
    buffer.recover(GHOST);
    expect(words[LAST_ENTRY]).toBe(0);
  });

  it("keeps the worker's other 'exit' listeners running when a watch callback throws (terminate() resolves)", () => {
    // In a child process (built package): the callback's error becomes an uncaught exception there.
    const script = `
      import { Worker } from 'node:worker_threads';
      import { BoundedBuffer } from ${JSON.stringify(new URL('../../../dist/index.js', import.meta.url).href)};
      const buffer = new BoundedBuffer({ capacity: 2 });
      process.on('uncaughtException', (error) => console.log('uncaught:', error.message));
      const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
      buffer.watch(worker, () => { throw new Error('from the callback'); });
      await new Promise((resolve) => worker.once('online', resolve));
      const timer = setTimeout(() => { console.log('terminate() hung'); process.exit(1); }, 5000);
      await worker.terminate();
      clearTimeout(timer);
      console.log('terminated');
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.stdout).toContain('terminated');
    expect(run.stdout).toContain('uncaught: from the callback');
  });

  it('rejects a bad thread id, the calling thread, and a watch of what is not a Worker', () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2 });
    expect(() => buffer.recover(-1)).toThrow(/threadId must be an integer from 0 .* got -1/);
    expect(() => buffer.recover(1.5)).toThrow(RangeError);
    expect(() => buffer.recover(threadId)).toThrow(/calling thread/);
    expect(() => buffer.watch({} as never)).toThrow(/watch\(\) needs a Worker/);
  });
});
