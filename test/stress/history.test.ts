// Fault-injection stress on real workers, with every run's history checked for linearizability
// and its items accounted for. Two producers and two consumers share a small BoundedBuffer; calls
// time out (0–2 ms) and are aborted at random, and a closer thread closes the buffer at a random
// moment. In the third describe the main thread also terminates producers and consumers in the
// middle of their calls (worker.terminate()) and recovers each from its 'exit' event with
// buffer.recover(threadId). The actors stream their histories into shared memory, so a
// terminated actor's history is whole up to where it died, and its unfinished call is pending.
//
// The books: without deaths, acknowledged puts = got + returned by an immediate close + still
// inside. With deaths (see `balance` in test/tooling/history.ts), recover()'s `returned` items
// count as taken out too, acknowledged items may be missing only as many as the dead threads'
// pending gets could have taken, and items of pending puts may come out (once) or not.
//
// Every history is checked against the strict model (tryGet empty only when empty, tryPut false
// only when full). Until b0cffe0 a try call that met a slot claimed but not yet published (or
// freed) by a stalled thread failed although items (or room) were there; a describe below
// reproduces that case deterministically. With deaths, the one exception is the one README "When
// a worker dies" states: until a dead thread is recovered, a try call may answer full or empty
// because of it (`windowCheck`: from the start of the dead thread's unfinished call to the return
// of recover()). Every wait has a finite timeout, so a hang fails a run (after RUN_LIMIT_MS in
// fault-stress.ts) instead of the test runner.
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedBuffer } from '../../src/index.js';
import { prng } from '../helpers/prng.js';
import { exited, startWorker } from '../helpers/worker.js';
import { FaultStress, nextMessage, type RunReport, relaxTryCalls } from '../tooling/fault-stress.js';
import {
  balance,
  HistoryLog,
  HistoryRecorder,
  type Operation,
  type QueueCall,
  type QueueResult,
  readHistoryLog,
  sharedClock,
} from '../tooling/history.js';
import { type CheckResult, checkLinearizable, describeOp } from '../tooling/linearizability.js';
import { int32Codec } from '../tooling/stall-codec.js';
import type { StallJob } from '../workers/history-actor.js';

const ACTOR = new URL('../workers/history-actor.ts', import.meta.url);

let stress: FaultStress;

beforeAll(async () => {
  stress = await FaultStress.start(2, 2);
}, 30_000);

afterAll(async () => {
  await stress?.stop();
});

function explain(result: CheckResult, history: Operation[]): string {
  if (result.verdict === 'not linearizable') return result.explanation;
  if (result.verdict === 'unknown') return `${result.reason}\n${history.map(describeOp).join('\n')}`;
  return '';
}

/**
 * The strict check passed (in runs with deaths: except for try calls answered while a dead thread
 * was in its unfinished call and not yet recovered, see `windowCheck`) and the books balance.
 */
function expectCheckedAndNothingLost(report: RunReport): void {
  const where = `seed ${report.seed}, capacity ${report.capacity}`;
  const deaths = report.deaths.map(
    (d) =>
      `t${d.thread} (${d.role}, threadId ${d.threadId}) terminated at ${(d.at % 100_000).toFixed(3)} in ` +
      `${d.pendingCall ?? 'no call'}, recovered at ${(d.recoveredAt % 100_000).toFixed(3)}: ` +
      `${d.recovery.droppedPuts} put item(s) dropped, returned [${d.recovery.returned.join(', ')}]`,
  );
  const result = report.deaths.length === 0 ? report.check : report.windowCheck;
  if (result.verdict !== 'linearizable') {
    expect.fail(
      `${where}: history is ${result.verdict}\n${[...deaths, explain(result, report.history)].join('\n')}`,
    );
  }
  expect(report.lost, `${where}\n${deaths.join('\n')}`).toEqual([]);
  if (report.pending === 0 && report.itemsReturned === 0) {
    expect(report.itemsPut, where).toBe(report.itemsGot + report.itemsDiscarded + report.itemsLeftInside);
  }
}

describe('BoundedBuffer under injected timeouts, aborts and a random close', () => {
  it('every run of 2 producers and 2 consumers is linearizable and loses nothing', async () => {
    const runs: RunReport[] = [];
    for (const [i, capacity] of [2, 3, 4, 2, 3, 4].entries()) {
      runs.push(await stress.run({ seed: 600 + i, capacity, operations: 90 }));
    }
    for (const report of runs) expectCheckedAndNothingLost(report);
    const sum = (f: (r: RunReport) => number) => runs.reduce((n, r) => n + f(r), 0);
    // The faults did happen: the runs would prove little otherwise.
    expect(sum((r) => r.timeouts)).toBeGreaterThan(0);
    expect(sum((r) => r.aborts)).toBeGreaterThan(0);
    expect(sum((r) => r.closedResults)).toBeGreaterThan(0);
    expect(sum((r) => r.operations)).toBeGreaterThan(1_000);
  });

  it('a short soak of seeded runs for a few seconds stays linearizable and loses nothing', async () => {
    const random = prng(61);
    const until = performance.now() + 3_000;
    let runs = 0;
    while (performance.now() < until || runs < 3) {
      const report = await stress.run({
        seed: 6100 + runs,
        capacity: 2 + Math.floor(random() * 3),
        operations: 60 + Math.floor(random() * 60),
      });
      expectCheckedAndNothingLost(report);
      runs++;
    }
    expect(runs).toBeGreaterThanOrEqual(3);
  });
});

describe('BoundedBuffer under injected timeouts, aborts and a random close, with workers terminated mid-call', () => {
  it('every run is linearizable, loses nothing, and recover() unblocks the survivors', async () => {
    const random = prng(71);
    const runs: RunReport[] = [];
    // About 0.3 s a run: each terminated actor is replaced by a fresh one (0.2 s to start). In two
    // runs of three, a quarter of the puts pause SLOW_PUT_MS (2 ms) between claiming their slot
    // and publishing it, so that many terminations land between a claim and its publish: the case
    // recover() has to repair. With the built-in codec that window is a fraction of a microsecond.
    const run = (i: number) =>
      stress.run({
        seed: 7100 + i,
        capacity: 2 + (i % 3),
        operations: 60 + Math.floor(random() * 60),
        kills: 1 + (i % 2),
        slowPuts: i % 3 === 2 ? undefined : 0.25,
      });
    for (let i = 0; i < 14; i++) runs.push(await run(i));
    // Whether a termination lands in that window is up to timing (about one run in three here;
    // with a 0.5 ms pause it was one in seven, and a CI run at load 7 caught none in 14): until
    // one has, up to 10 more runs look for it.
    for (let i = 14; i < 24 && !runs.some((r) => r.droppedPuts > 0); i++) runs.push(await run(i));
    for (const report of runs) expectCheckedAndNothingLost(report);
    const deaths = runs.flatMap((r) => r.deaths);
    // A termination is skipped when every actor is done before its moment comes (rare).
    expect(deaths.length).toBeGreaterThanOrEqual(runs.length / 2);
    // Some worker really died in the middle of a call: its call is pending in the history.
    expect(runs.some((r) => r.pending > 0)).toBe(true);
    expect(deaths.some((d) => d.pendingCall !== undefined)).toBe(true);
    // And some between claiming a slot for a put and publishing it: recover() dropped that put.
    expect(runs.some((r) => r.droppedPuts > 0)).toBe(true);
    for (const d of deaths) {
      // Nobody stayed blocked on the dead thread: calls that returned ok or closed after a death
      // took no longer than their own waits allow (250 ms; a try call waits out a peer 1 s at most).
      expect(d.blockedAfterMs, `t${d.thread} died in ${d.pendingCall}`).toBeLessThan(1_500);
      expect(d.recovery.undecided).toBe(0);
    }
    // The other faults still happened.
    const sum = (f: (r: RunReport) => number) => runs.reduce((n, r) => n + f(r), 0);
    expect(sum((r) => r.timeouts)).toBeGreaterThan(0);
    expect(sum((r) => r.aborts)).toBeGreaterThan(0);
  }, 45_000);
});

/** Waits (polling, finite) until `condition` holds. */
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

interface Stalled {
  /** What the main thread's try call returned while the worker was stalled. */
  tryResult: unknown;
  history: Operation[];
}

/**
 * A producer thread stalls after claiming position 0 and before publishing it; the main thread
 * then puts item 2 (acknowledged, at position 1) and calls tryGet(). Before b0cffe0 that answered
 * { ok: false } although item 2 was inside; now it waits out the put in progress and gets item 1.
 */
async function stalledPut(worker: Worker): Promise<Stalled> {
  const buffer = new BoundedBuffer<number>({ capacity: 4, codec: int32Codec() });
  const main = new HistoryRecorder(0);
  const reply = nextMessage(worker, 'history', 10_000);
  worker.postMessage({
    type: 'stall',
    op: 'put',
    handle: buffer.handle,
    thread: 1,
    item: 1,
    stallMs: 800,
  } satisfies StallJob);
  await until(() => buffer.size === 1); // the worker has claimed position 0
  main.sync({ op: 'put', item: 2 }, 'putSync', () => buffer.putSync(2, { timeout: 1_000 }));
  const tryResult = main.sync({ op: 'tryGet' }, 'tryGet', () => buffer.tryGet());
  const worker1 = await reply;
  // Take out whatever is left (item 2, and item 1 if the tryGet did not get it).
  while (buffer.size > 0) main.sync({ op: 'get' }, 'getSync', () => buffer.getSync({ timeout: 1_000 }));
  return { tryResult, history: [...(worker1.type === 'history' ? worker1.history : []), ...main.operations] };
}

/**
 * A consumer thread stalls in decode() after claiming the item at position 0; the main thread then
 * takes item 2 (the buffer is now empty) and calls tryPut(3). Before b0cffe0 that answered false
 * (the slot was freed only after decode); now the slot is freed first and the put goes in.
 */
async function stalledGet(worker: Worker): Promise<Stalled> {
  const buffer = new BoundedBuffer<number>({ capacity: 2, codec: int32Codec() });
  const main = new HistoryRecorder(0);
  main.sync({ op: 'put', item: 1 }, 'putSync', () => buffer.putSync(1, { timeout: 1_000 }));
  main.sync({ op: 'put', item: 2 }, 'putSync', () => buffer.putSync(2, { timeout: 1_000 }));
  const reply = nextMessage(worker, 'history', 10_000);
  worker.postMessage({
    type: 'stall',
    op: 'get',
    handle: buffer.handle,
    thread: 1,
    item: 1,
    stallMs: 800,
  } satisfies StallJob);
  await until(() => buffer.size === 1); // the worker has claimed item 1
  main.sync({ op: 'tryGet' }, 'tryGet', () => buffer.tryGet());
  const tryResult = main.sync({ op: 'tryPut', item: 3 }, 'tryPut', () => buffer.tryPut(3));
  const worker1 = await reply;
  return { tryResult, history: [...(worker1.type === 'history' ? worker1.history : []), ...main.operations] };
}

describe('a thread stalled between claiming a slot and publishing or freeing it', () => {
  let worker: Worker;
  let put: Stalled;
  let get: Stalled;

  beforeAll(async () => {
    worker = startWorker(ACTOR);
    await nextMessage(worker, 'ready', 20_000);
    put = await stalledPut(worker);
    get = await stalledGet(worker);
  }, 30_000);

  afterAll(async () => {
    worker?.postMessage({ type: 'exit' });
  });

  it('tryGet waits out the stalled put and returns its item, so the history is strictly linearizable', () => {
    expect(put.tryResult).toEqual({ ok: true, value: 1 });
    const result = checkLinearizable(put.history, { capacity: 4 });
    expect(result.verdict, explain(result, put.history)).toBe('linearizable');
  });

  it('tryPut finds room while a get is stalled in decode, so the history is strictly linearizable', () => {
    expect(get.tryResult).toBe(true);
    const result = checkLinearizable(get.history, { capacity: 2 });
    expect(result.verdict, explain(result, get.history)).toBe('linearizable');
  });
});

/**
 * Starts an actor that claims a slot for `item` and stalls before publishing it (StallJob, put),
 * streaming its history into a log; resolves once the claim is made (`buffer.size` reaches `size`).
 */
async function stalledPutter(buffer: BoundedBuffer<number>, item: number, size: number) {
  const worker = startWorker(ACTOR);
  await nextMessage(worker, 'ready', 20_000);
  const log = HistoryLog.create(4);
  worker.postMessage({
    type: 'stall',
    op: 'put',
    handle: buffer.handle,
    thread: 1,
    item,
    stallMs: 10_000,
    log,
  } satisfies StallJob);
  try {
    await until(() => buffer.size === size);
  } catch (error) {
    void worker.terminate();
    throw error;
  }
  return {
    threadId: worker.threadId,
    log,
    /** Terminates the actor in the middle of its put; resolves, once it has exited, with when terminate() was called. */
    async kill(): Promise<number> {
      const gone = exited(worker, 10_000);
      const at = sharedClock();
      void worker.terminate();
      await gone;
      return at;
    },
  };
}

/** Closes the buffer and takes out what is left, recorded. */
function closeAndDrain(main: HistoryRecorder, buffer: BoundedBuffer<number>): void {
  main.sync({ op: 'close', immediate: false }, 'close', () => buffer.close());
  for (let n = 0; n <= buffer.capacity; n++) {
    if (main.sync({ op: 'tryGet' }, 'tryGet', () => buffer.tryGet()) === undefined) break;
  }
}

describe('a worker terminated between claiming a slot for its put and publishing it', () => {
  it('its streamed history shows the put pending; recover() drops it and wakes the getter waiting on it', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2, codec: int32Codec() });
    const main = new HistoryRecorder(0);
    const putter = await stalledPutter(buffer, 1, 1);
    // A get waits on the claimed slot (async, so that this thread is free to recover the putter).
    const getting = main.async({ op: 'get' }, 'get', () => buffer.get({ timeout: 5_000 }));
    await putter.kill();
    const report = buffer.recover(putter.threadId);
    const recovered = sharedClock();
    main.sync({ op: 'put', item: 2 }, 'putSync', () => buffer.putSync(2, { timeout: 1_000 }));
    const got = await getting;
    closeAndDrain(main, buffer);

    const dead = readHistoryLog(putter.log, 1);
    expect(dead.map((op) => [op.method, op.result.kind, op.end])).toEqual([['putSync', 'pending', Infinity]]);
    expect(report).toMatchObject({ droppedPuts: 1, returned: [], undecided: 0 });
    expect(got).toBe(2);
    expect(main.operations[0].end - recovered).toBeLessThan(1_000);
    const history = [...dead, ...main.operations];
    const result = checkLinearizable(history, { capacity: 2 });
    expect(result.verdict, explain(result, history)).toBe('linearizable');
  });

  // README "When a worker dies": before recover(), try calls may answer full or empty because of
  // the dead thread. Here tryPut answers full at once: the dead put still holds its slot, as a slow
  // live put would (and that put would later succeed). recover() then drops it, so no linearization
  // explains "full": the strict model rejects the history, and only the window that
  // `windowCheck` allows (try calls answered between the death and its recovery) accepts it.
  it('before recover(), tryPut may answer full because of the dead put (the documented window)', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2, codec: int32Codec() });
    const main = new HistoryRecorder(0);
    const putter = await stalledPutter(buffer, 1, 1);
    const at = await putter.kill();
    main.sync({ op: 'put', item: 2 }, 'putSync', () => buffer.putSync(2, { timeout: 1_000 }));
    const full = main.sync({ op: 'tryPut', item: 3 }, 'tryPut', () => buffer.tryPut(3));
    const report = buffer.recover(putter.threadId);
    const recovered = sharedClock();
    closeAndDrain(main, buffer);

    expect(full).toBe(false);
    expect(report).toMatchObject({ droppedPuts: 1, returned: [] });
    const history = [...readHistoryLog(putter.log, 1), ...main.operations];
    expect(checkLinearizable(history, { capacity: 2 }).verdict).toBe('not linearizable');
    const relaxed = relaxTryCalls(history, [{ from: at, to: recovered }]);
    const result = checkLinearizable(relaxed, { capacity: 2 });
    expect(result.verdict, explain(result, relaxed)).toBe('linearizable');
  });

  // Regression (found by the stress above): recover() used to leave the dropped put's slot as a
  // tombstone that only a getter reaching it freed, so with item 1 inside a buffer of capacity 2
  // tryPut(3) answered full and putSync waited until its timeout. Now a dropped put that is the
  // last claim is taken back at once (TAIL moves back), and an earlier one is skipped by the
  // first put or get to reach it.
  it('after recover(), the dropped put takes no room: tryPut succeeds, strictly linearizable', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 2, codec: int32Codec() });
    const main = new HistoryRecorder(0);
    main.sync({ op: 'put', item: 1 }, 'putSync', () => buffer.putSync(1, { timeout: 1_000 }));
    const putter = await stalledPutter(buffer, 2, 2);
    await putter.kill();
    const report = buffer.recover(putter.threadId);
    const room = main.sync({ op: 'tryPut', item: 3 }, 'tryPut', () => buffer.tryPut(3));
    closeAndDrain(main, buffer);

    expect(report).toMatchObject({ droppedPuts: 1, returned: [] });
    const history = [...readHistoryLog(putter.log, 1), ...main.operations];
    const result = checkLinearizable(history, { capacity: 2 });
    expect(room).toBe(true);
    expect(result.verdict, explain(result, history)).toBe('linearizable');
  });
});

describe('the tooling for histories with dead threads', () => {
  const op = (
    thread: number,
    call: QueueCall,
    result: QueueResult,
    start: number,
    end: number,
  ): Operation => ({
    thread,
    call,
    result,
    start,
    end,
  });
  const pending: QueueResult = { kind: 'pending' };
  const put = (item: number, t: number) => op(1, { op: 'put', item }, { kind: 'ok' }, t, t + 1);

  it('the streamed log holds whole records only: a call without its return is pending', () => {
    const memory = HistoryLog.create(4);
    let now = 0;
    const rec = new HistoryRecorder(3, () => ++now, new HistoryLog(memory));
    rec.sync({ op: 'tryPut', item: 7 }, 'tryPut', () => true);
    rec.begin({ op: 'get' }, 'getSync'); // the thread "dies" inside this call
    // A record cut short by the death: written past the published length, so never read.
    new Uint8Array(memory, 8 + Atomics.load(new Int32Array(memory), 0)).set(
      new TextEncoder().encode('{"i":1,"r'),
    );
    const history = readHistoryLog(memory, 3);
    expect(history).toEqual([
      {
        thread: 3,
        call: { op: 'tryPut', item: 7 },
        result: { kind: 'ok', value: true },
        start: 1,
        end: 2,
        method: 'tryPut',
      },
      { thread: 3, call: { op: 'get' }, result: pending, start: 3, end: Infinity, method: 'getSync' },
    ]);
  });

  it('balance: a pending get may have taken what it could claim, and recover() returns the rest', () => {
    const gets = [op(2, { op: 'getMany', max: 2 }, pending, 5, Infinity)];
    // 1 and 2 acknowledged; the dead getMany took 1 and recover() returned 2.
    expect(balance([put(1, 0), put(2, 2), ...gets], [], { returned: [2] })).toEqual([]);
    // It could have taken both.
    expect(balance([put(1, 0), put(2, 2), ...gets])).toEqual([]);
    // Not three.
    expect(balance([put(1, 0), put(2, 2), put(3, 3), ...gets])).toHaveLength(3);
    expect(balance([put(1, 0), put(2, 2), put(3, 3), ...gets], [], { returned: [3] })).toHaveLength(2);
    // Without a pending get, a missing item is lost and a returned one is too many.
    expect(balance([put(1, 0)])).toEqual(['item 1 was acknowledged as put but never came out (lost)']);
    expect(balance([put(1, 0)], [1], { returned: [1] })).toEqual([
      'recover() returned 1 item(s), more than the pending gets could have claimed (0)',
      'item 1 came out 1 time(s) more than it was put',
    ]);
  });

  it('balance: a pending put may come out once or not, and only its items can have been dropped', () => {
    const dead = op(2, { op: 'putMany', items: [5, 6] }, pending, 0, Infinity);
    expect(balance([dead], [5, 6])).toEqual([]);
    expect(balance([dead], [], { droppedPuts: 2 })).toEqual([]);
    expect(balance([dead], [5, 6], { droppedPuts: 2 })).toHaveLength(1);
    expect(balance([dead], [5, 5])).toEqual(['item 5 came out 2 time(s) more than it was put']);
  });
});
