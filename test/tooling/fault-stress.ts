// Fault-injection stress with checked histories: producers and consumers in real worker threads
// (test/workers/history-actor.ts) call one BoundedBuffer with tiny timeouts and random aborts
// while the main thread closes it at a random moment; every run's history is then checked for
// linearizability and its items are accounted for. Used by test/stress/history.test.ts (short)
// and test/stress/soak.ts (minutes). Workers are kept across runs and never terminated mid-call.
import type { Worker } from 'node:worker_threads';
import { BoundedBuffer } from '../../src/index.js';
import { prng } from '../helpers/prng.js';
import { startWorker } from '../helpers/worker.js';
import type { HistoryJob, HistoryMessage } from '../workers/history-actor.js';
import { balance, HistoryRecorder, type Operation } from './history.js';
import { type CheckResult, checkLinearizable } from './linearizability.js';

const ACTOR = new URL('../workers/history-actor.ts', import.meta.url);

/** Clock uncertainty between threads, in ms: the shared clock's resolution near 1.8e12 ms is 0.24 µs. */
export const CLOCK_EPSILON = 0.001;

export interface RunOptions {
  seed: number;
  capacity: number;
  /** Calls each actor makes at most (it stops early once the buffer says closed). */
  operations: number;
}

export interface RunReport {
  readonly seed: number;
  readonly capacity: number;
  readonly immediateClose: boolean;
  /** Operations in the checked history (workers' calls, the close, and the final drain). */
  readonly operations: number;
  readonly timeouts: number;
  readonly aborts: number;
  /** Calls that failed because the buffer was closed. */
  readonly closedResults: number;
  readonly itemsPut: number;
  readonly itemsGot: number;
  readonly itemsDiscarded: number;
  readonly itemsLeftInside: number;
  /** Problems found by the multiset accounting; empty when nothing was lost or duplicated. */
  readonly lost: string[];
  /** The history against the strict model (tryGet empty only when empty, tryPut false only when full). */
  readonly check: CheckResult;
  /**
   * Against the weak-try model, when the strict check failed (else the same as `check`): a run
   * that passes only here met a spurious try failure (see CheckOptions.weakTry).
   */
  readonly weakCheck: CheckResult;
  readonly checkMs: number;
  readonly history: Operation[];
}

/** How long a run may take before it is declared stuck. */
const RUN_LIMIT_MS = 30_000;

export class FaultStress {
  private constructor(
    private readonly workers: Worker[],
    private readonly producers: number,
  ) {}

  /** Starts the actors (each about 0.3 s under tsx) and waits until all are ready. */
  static async start(producers = 2, consumers = 2): Promise<FaultStress> {
    const workers = Array.from({ length: producers + consumers }, () => startWorker(ACTOR));
    await Promise.all(workers.map((w) => nextMessage(w, 'ready', RUN_LIMIT_MS)));
    return new FaultStress(workers, producers);
  }

  async run({ seed, capacity, operations }: RunOptions): Promise<RunReport> {
    const random = prng(seed);
    const buffer = new BoundedBuffer({ capacity });
    const progress = new SharedArrayBuffer(4);
    const total = this.workers.length * operations;
    // Close somewhere between 20% and 90% of the calls, plain or immediate.
    const closeAt = Math.floor(total * (0.2 + 0.7 * random()));
    const immediateClose = random() < 0.5;
    const histories = Promise.all(
      this.workers.map((worker, i) => {
        const reply = nextMessage(worker, 'history', RUN_LIMIT_MS);
        worker.postMessage({
          type: 'job',
          role: i < this.producers ? 'producer' : 'consumer',
          handle: buffer.handle,
          thread: i + 1,
          seed: seed * 1000 + i,
          operations,
          progress,
        } satisfies HistoryJob);
        return reply;
      }),
    );
    let finished = false;
    histories.then(
      () => (finished = true),
      () => (finished = true),
    );
    const counter = new Int32Array(progress);
    while (!finished && Atomics.load(counter, 0) < closeAt) await sleep(1);

    const main = new HistoryRecorder(0);
    main.sync({ op: 'close', immediate: immediateClose }, 'close', () =>
      buffer.close({ immediate: immediateClose }),
    );
    const replies = await histories;
    // Take out what is still inside (recorded too, so the checker sees the order it comes out in).
    const drainFrom = main.operations.length;
    const leftInside: number[] = [];
    for (let n = 0; n <= capacity; n++) {
      const r = main.sync({ op: 'tryGet' }, 'tryGet', () => buffer.tryGet());
      if (r === undefined) break; // closed and drained
      if (r.ok) leftInside.push(r.value);
    }
    const workerOps = replies.flatMap((m) => (m.type === 'history' ? m.history : []));
    const history = [...workerOps, ...main.operations];
    const accounted = [...workerOps, ...main.operations.slice(0, drainFrom)];
    const t0 = performance.now();
    const check = checkLinearizable(history, { capacity, epsilon: CLOCK_EPSILON });
    const weakCheck =
      check.verdict === 'linearizable'
        ? check
        : checkLinearizable(history, { capacity, epsilon: CLOCK_EPSILON, weakTry: true });
    const checkMs = performance.now() - t0;
    const kinds = (kind: string) => history.filter((op) => op.result.kind === kind).length;
    const tally = account(accounted);
    return {
      seed,
      capacity,
      immediateClose,
      operations: history.length,
      timeouts: kinds('timeout'),
      aborts: kinds('aborted'),
      closedResults: kinds('closed'),
      itemsPut: tally.put,
      itemsGot: tally.got,
      itemsDiscarded: tally.discarded,
      itemsLeftInside: leftInside.length,
      lost: balance(accounted, leftInside),
      check,
      weakCheck,
      checkMs,
      history,
    };
  }

  /** Lets every actor exit on its own (they are idle between runs), terminating only laggards. */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void worker.terminate(), 5_000);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.postMessage({ type: 'exit' });
          }),
      ),
    );
  }
}

function account(history: Operation[]): { put: number; got: number; discarded: number } {
  let put = 0;
  let got = 0;
  let discarded = 0;
  for (const { call, result } of history) {
    if (result.kind === 'ok') {
      if (call.op === 'put' || (call.op === 'tryPut' && result.value === true)) put++;
      else if (call.op === 'putMany') put += call.items.length;
      else if (call.op === 'get' || (call.op === 'tryGet' && (result.value as { ok: boolean }).ok)) got++;
      else if (call.op === 'getMany') got += (result.value as number[]).length;
      else if (call.op === 'close') discarded += (result.value as number[]).length;
    }
  }
  return { put, got, discarded };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The worker's next message of `type`; rejects on error, early exit, or after `timeoutMs`. */
export function nextMessage(
  worker: Worker,
  type: HistoryMessage['type'],
  timeoutMs: number,
): Promise<HistoryMessage> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no '${type}' message from an actor within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: HistoryMessage) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message);
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`an actor exited (code ${code}) before its '${type}' message`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
