// Fault-injection stress on real workers, with every run's history checked for linearizability
// and its items accounted for (acknowledged puts = got + returned by an immediate close + still
// inside). Two producers and two consumers share a small BoundedBuffer; calls time out (0–2 ms)
// and are aborted at random, and the main thread closes the buffer at a random moment.
//
// Worker deaths are not injected here: terminating a worker mid-call is being made safe by
// separate work on src/ (issue 6), and this file only injects faults the buffer already promises
// to survive.
//
// Every history is checked against the strict model (tryGet empty only when empty, tryPut false
// only when full). Until b0cffe0 a try call that met a slot claimed but not yet published (or
// freed) by a stalled thread failed although items (or room) were there; the last describe
// reproduces that case deterministically.
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedBuffer } from '../../src/index.js';
import { prng } from '../helpers/prng.js';
import { startWorker } from '../helpers/worker.js';
import { FaultStress, nextMessage, type RunReport } from '../tooling/fault-stress.js';
import { HistoryRecorder, type Operation } from '../tooling/history.js';
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

/** The strict check passed and the books balance. */
function expectCheckedAndNothingLost(report: RunReport): void {
  const where = `seed ${report.seed}, capacity ${report.capacity}`;
  if (report.check.verdict !== 'linearizable') {
    expect.fail(`${where}: history is ${report.check.verdict}\n${explain(report.check, report.history)}`);
  }
  expect(report.lost, where).toEqual([]);
  expect(report.itemsPut, where).toBe(report.itemsGot + report.itemsDiscarded + report.itemsLeftInside);
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
