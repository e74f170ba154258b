// Fault-injection stress with checked histories: producers and consumers in real worker threads
// (test/workers/history-actor.ts) call one BoundedBuffer with tiny timeouts and random aborts
// while a closer thread closes it at a random moment, and the main thread may terminate producers
// and consumers in the middle of their calls (`kills`), recovering each from its 'exit' event with
// `buffer.recover(threadId)`. Every run's history is then checked for linearizability and its
// items are accounted for. Used by test/stress/history.test.ts (short) and test/stress/soak.ts
// (minutes).
//
// The actors stream their calls and returns into shared memory (HistoryLog), so the history of a
// terminated actor is whole up to the instruction it died at: a call it had begun and not returned
// from is pending. Actors are kept across runs; a terminated one is replaced by a fresh actor
// (started after its run, ready before the next), so the pool keeps its size.
import type { Worker } from 'node:worker_threads';
import { BoundedBuffer, type RecoveryReport } from '../../src/index.js';
import { prng } from '../helpers/prng.js';
import { startWorker } from '../helpers/worker.js';
import type { CloserJob, HistoryJob, HistoryMessage } from '../workers/history-actor.js';
import { balance, HistoryLog, type Operation, readHistoryLog, sharedClock } from './history.js';
import { type CheckResult, checkLinearizable, describeOp } from './linearizability.js';
import { int32Codec } from './stall-codec.js';

const ACTOR = new URL('../workers/history-actor.ts', import.meta.url);

/** Clock uncertainty between threads, in ms: the shared clock's resolution near 1.8e12 ms is 0.24 µs. */
export const CLOCK_EPSILON = 0.001;

export interface RunOptions {
  seed: number;
  capacity: number;
  /** Calls each actor makes at most (it stops early once the buffer says closed). */
  operations: number;
  /**
   * Producers or consumers to terminate (worker.terminate()) at random moments of the run, each
   * one still making its calls when it is chosen (default 0). Fewer happen when every actor is
   * done first.
   */
  kills?: number;
  /**
   * If set, the buffer uses a custom int32 codec, and that fraction of the producers' items pause
   * SLOW_PUT_MS (2 ms) between claiming their slot and publishing it: terminations then often
   * land between a claim and its publish (see history-actor.ts). Default: the built-in codec.
   */
  slowPuts?: number;
}

/** One actor terminated during a run, and what its recovery found. */
export interface Death {
  /** Its thread number in the history (1..). */
  readonly thread: number;
  readonly role: 'producer' | 'consumer';
  /** Its Node threadId, as passed to recover(). */
  readonly threadId: number;
  /** When terminate() was called, on the shared clock (ms). */
  readonly at: number;
  /** The call it was in when it died (pending in the history), or undefined if it was between calls. */
  readonly pendingCall: string | undefined;
  /**
   * From when other threads' try calls may have answered full or empty because of it: the start
   * of its unfinished call (a claim it left was made after that, and a tryPut may see it as an
   * item from then on), or `at` if it died between calls. The window ends at `recoveredAt`.
   */
  readonly affectsFrom: number;
  /** When recover() returned, on the shared clock (ms). */
  readonly recoveredAt: number;
  /** From the terminate() call to recover() returning, in ms. */
  readonly recoverMs: number;
  /** Of which in recover() itself (the rest is the thread's exit and its 'exit' event reaching us). */
  readonly recoverCallMs: number;
  /** What recover() reported for it. */
  readonly recovery: RecoveryReport<number>;
  /**
   * The longest time another thread stayed blocked after this death: over the calls of other
   * threads that were in flight at `at` or began later, and returned ok or closed (timeouts end by
   * themselves), the most of end − max(start, at), in ms.
   */
  readonly blockedAfterMs: number;
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
  /** Workers terminated in this run. */
  readonly terminations: number;
  readonly deaths: readonly Death[];
  /** Calls cut short by a termination: pending in the history. */
  readonly pending: number;
  /** Items of unpublished puts that recover() dropped, over all deaths. */
  readonly droppedPuts: number;
  /** Items that recover() took out of dead threads' unfinished gets and handed back. */
  readonly itemsReturned: number;
  /** The most of Death.blockedAfterMs (0 without deaths). */
  readonly longestBlockedAfterDeathMs: number;
  /** The most of Death.recoverMs (0 without deaths). */
  readonly longestRecoverMs: number;
  /**
   * Problems found by the multiset accounting and the recovery reports; empty when nothing was
   * lost or duplicated (see `balance`, with the items recover() handed back and dropped).
   */
  readonly lost: string[];
  /** The history against the strict model (tryGet empty only when empty, tryPut false only when full). */
  readonly check: CheckResult;
  /**
   * Against the weak-try model, when the strict check failed (else the same as `check`): a run
   * that passes only here met a spurious try failure (see CheckOptions.weakTry).
   */
  readonly weakCheck: CheckResult;
  /**
   * When the strict check failed in a run with deaths (else the same as `check`): the strict model,
   * except that a tryPut that answered full or a tryGet that answered empty while a thread that
   * died was in its unfinished call and not yet recovered (from `Death.affectsFrom` to
   * `Death.recoveredAt`) may have done so spuriously, as README "When a worker dies" allows ("after
   * a peer died mid-call and before recover, they answer full or empty"). A run that fails `check`
   * and passes here met only that window; one that fails here met a try call answering wrongly
   * outside it, or something else.
   */
  readonly windowCheck: CheckResult;
  readonly checkMs: number;
  readonly history: Operation[];
}

/**
 * How long any one wait of a run may take (an actor's job, a worker's exit after terminate(), the
 * close, the drain) before the run is declared stuck. A run takes tens of milliseconds.
 */
const RUN_LIMIT_MS = 10_000;
/** How long an actor may take to start (about 0.2 s under tsx, more on a busy machine). */
const START_LIMIT_MS = 30_000;

type JobState = 'running' | 'done' | 'killed';

/** A run that failed (an actor's error, a hang past RUN_LIMIT_MS): with what its logs held by then. */
export class RunFailure extends Error {
  constructor(
    message: string,
    cause: unknown,
    /** Every call recorded up to the failure (pending where no return was recorded). */
    readonly history: Operation[],
    /** The actors terminated so far: thread number, Node threadId, and when (shared clock). */
    readonly terminated: readonly { thread: number; threadId: number; at: number }[],
  ) {
    super(message, { cause });
    this.name = 'RunFailure';
  }
}

export class FaultStress {
  /** A run failed: the workers were terminated and the pool cannot run again. */
  #broken: unknown;

  private constructor(
    /** The producers, then the consumers; a terminated one is replaced after its run. */
    private readonly workers: Worker[],
    /** Each worker's 'ready' (a replacement's, while it starts). */
    private readonly ready: Promise<unknown>[],
    private readonly closer: Worker,
    private readonly producers: number,
  ) {}

  /** Starts the actors and the closer (each about 0.2 s under tsx) and waits until all are ready. */
  static async start(producers = 2, consumers = 2): Promise<FaultStress> {
    const workers = Array.from({ length: producers + consumers + 1 }, () => startWorker(ACTOR));
    await Promise.all(workers.map((w) => nextMessage(w, 'ready', START_LIMIT_MS)));
    const closer = workers.pop()!;
    return new FaultStress(
      workers,
      workers.map(() => Promise.resolve()),
      closer,
      producers,
    );
  }

  async run(options: RunOptions): Promise<RunReport> {
    if (this.#broken !== undefined)
      throw new Error('an earlier run of this FaultStress failed', { cause: this.#broken });
    try {
      return await this.#run(options);
    } catch (error) {
      // A stuck or failed run may leave threads blocked: end them all, so nothing hangs.
      this.#broken = error;
      for (const worker of [...this.workers, this.closer]) void worker.terminate();
      throw error;
    }
  }

  async #run({ seed, capacity, operations, kills = 0, slowPuts }: RunOptions): Promise<RunReport> {
    await Promise.all(this.ready); // replacements of the actors terminated in the last run
    const random = prng(seed);
    const buffer: BoundedBuffer<number> =
      slowPuts === undefined
        ? new BoundedBuffer({ capacity })
        : new BoundedBuffer({ capacity, codec: int32Codec() });
    const progress = new SharedArrayBuffer(4);
    const workers = [...this.workers];
    const total = workers.length * operations;
    // Close somewhere between 20% and 90% of the calls, plain or immediate.
    const closeAt = Math.floor(total * (0.2 + 0.7 * random()));
    const immediateClose = random() < 0.5;
    // Terminations from 10% of the way to the close to 10% past it (as far as progress goes).
    const killAt = Array.from({ length: kills }, () => Math.floor(closeAt * (0.1 + random()))).sort(
      (a, b) => a - b,
    );

    const closerLog = HistoryLog.create(2 * (capacity + 2));
    this.closer.postMessage({
      type: 'closer',
      handle: buffer.handle,
      immediate: immediateClose,
      log: closerLog,
      custom: slowPuts !== undefined,
    } satisfies CloserJob);
    const logs = workers.map(() => HistoryLog.create(2 * operations));
    const state: JobState[] = workers.map(() => 'running');
    const jobs = workers.map((worker, i) => {
      const ended = jobEnded(worker, i + 1, () => state[i] === 'killed');
      worker.postMessage({
        type: 'job',
        role: i < this.producers ? 'producer' : 'consumer',
        handle: buffer.handle,
        thread: i + 1,
        seed: seed * 1000 + i,
        operations,
        progress,
        log: logs[i],
        slowPuts,
      } satisfies HistoryJob);
      return ended.then(() => {
        if (state[i] === 'running') state[i] = 'done';
      });
    });
    const allEnded = Promise.all(jobs);
    let finished = false;
    allEnded.then(
      () => (finished = true),
      () => (finished = true),
    );

    interface Recovered {
      slot: number;
      threadId: number;
      at: number;
      recoverMs: number;
      recoverCallMs: number;
      report: RecoveryReport<number>;
    }
    const recoveries: Promise<Recovered>[] = [];
    const terminated: { thread: number; threadId: number; at: number }[] = [];
    /** Terminates a random actor still making calls; recovers it when it has exited. */
    const kill = (): void => {
      const running = state.flatMap((s, i) => (s === 'running' ? [i] : []));
      if (running.length === 0) return;
      const slot = running[Math.floor(random() * running.length)];
      state[slot] = 'killed';
      const worker = workers[slot];
      const threadId = worker.threadId;
      const at = sharedClock();
      const recovered = new Promise<Recovered>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`actor ${slot + 1} did not exit within ${RUN_LIMIT_MS} ms of terminate()`)),
          RUN_LIMIT_MS,
        );
        worker.once('exit', () => {
          clearTimeout(timer);
          try {
            const called = sharedClock();
            const report = buffer.recover(threadId);
            const returned = sharedClock();
            resolve({
              slot,
              threadId,
              at,
              recoverMs: returned - at,
              recoverCallMs: returned - called,
              report,
            });
          } catch (error) {
            reject(error);
          }
        });
      });
      recovered.catch(() => {}); // awaited below
      recoveries.push(recovered);
      terminated.push({ thread: slot + 1, threadId, at });
      void worker.terminate();
    };

    const counter = new Int32Array(progress);
    const closed = nextMessage(this.closer, 'closed', RUN_LIMIT_MS);
    closed.catch(() => {}); // awaited below
    let recovered: Recovered[];
    try {
      let closeSent = false;
      let nextKill = 0;
      // Once no producer (or no consumer) is left making calls, the others would only wait out their
      // timeouts until the close: close then, if the progress has not got there first.
      const oneSideEnded = () =>
        state.every((s, i) => i >= this.producers || s !== 'running') ||
        state.every((s, i) => i < this.producers || s !== 'running');
      while (!finished) {
        const done = Atomics.load(counter, 0);
        for (; nextKill < killAt.length && done >= killAt[nextKill]; nextKill++) kill();
        if (!closeSent && (done >= closeAt || oneSideEnded())) {
          this.closer.postMessage({ type: 'close' });
          closeSent = true;
        }
        await sleep(1);
      }
      if (!closeSent) this.closer.postMessage({ type: 'close' });
      await allEnded;
      recovered = await Promise.all(recoveries);
      await closed;
      // Take out what is still inside, now that every actor is done and every dead one recovered.
      const drained = nextMessage(this.closer, 'drained', RUN_LIMIT_MS);
      this.closer.postMessage({ type: 'drain' });
      await drained;
    } catch (error) {
      // What the logs hold so far, for the report: they survive whatever went wrong.
      const history = [...logs.map((log, i) => [log, i + 1] as const), [closerLog, 0] as const].flatMap(
        ([log, thread]) => {
          try {
            return readHistoryLog(log, thread);
          } catch {
            return [];
          }
        },
      );
      const what = `seed ${seed}, capacity ${capacity}, kills ${kills}, slowPuts ${slowPuts}`;
      throw new RunFailure(
        `run (${what}) failed: ${(error as Error)?.message ?? error}`,
        error,
        history,
        terminated,
      );
    }

    // Replace the terminated actors now: they start while this run is checked.
    for (const { slot } of recovered) {
      const worker = startWorker(ACTOR);
      this.workers[slot] = worker;
      this.ready[slot] = nextMessage(worker, 'ready', START_LIMIT_MS);
      this.ready[slot].catch(() => {}); // awaited by the next run
    }

    const workerOps = logs.flatMap((log, i) => readHistoryLog(log, i + 1));
    const closerOps = readHistoryLog(closerLog, 0); // the close, then the drain
    const leftInside = closerOps.slice(1).flatMap(({ result }) => {
      const r = result.kind === 'ok' ? (result.value as { ok: boolean; value?: number }) : undefined;
      return r?.ok ? [r.value as number] : [];
    });
    const history = [...workerOps, ...closerOps];
    const accounted = [...workerOps, ...closerOps.slice(0, 1)];
    const deaths = recovered.map(({ slot, threadId, at, recoverMs, recoverCallMs, report }): Death => {
      const thread = slot + 1;
      const pending = history.find((op) => op.thread === thread && op.result.kind === 'pending');
      return {
        thread,
        role: slot < this.producers ? 'producer' : 'consumer',
        threadId,
        at,
        pendingCall: pending === undefined ? undefined : describeOp(pending),
        affectsFrom: pending === undefined ? at : Math.min(pending.start, at),
        recoveredAt: at + recoverMs,
        recoverMs,
        recoverCallMs,
        recovery: report,
        blockedAfterMs: blockedAfter(history, thread, at),
      };
    });

    const t0 = performance.now();
    const check = checkLinearizable(history, { capacity, epsilon: CLOCK_EPSILON });
    const windowCheck =
      check.verdict === 'linearizable' || deaths.length === 0
        ? check
        : checkLinearizable(
            relaxTryCalls(
              history,
              deaths.map((d) => ({ from: d.affectsFrom, to: d.recoveredAt })),
            ),
            { capacity, epsilon: CLOCK_EPSILON },
          );
    const weakCheck =
      check.verdict === 'linearizable'
        ? check
        : checkLinearizable(history, { capacity, epsilon: CLOCK_EPSILON, weakTry: true });
    const checkMs = performance.now() - t0;
    const kinds = (kind: string) => history.filter((op) => op.result.kind === kind).length;
    const tally = account(accounted);

    const returned = deaths.flatMap((d) => d.recovery.returned);
    const droppedPuts = deaths.reduce((n, d) => n + d.recovery.droppedPuts, 0);
    const lost = balance(accounted, leftInside, { returned, droppedPuts });
    // recover() resolves every dead thread's claims, an earlier one's too: the last report counts.
    const undecided = recovered.length === 0 ? 0 : recovered[recovered.length - 1].report.undecided;
    if (undecided > 0) lost.push(`recover() left ${undecided} claim(s) of dead threads undecided`);
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
      terminations: deaths.length,
      deaths,
      pending: kinds('pending'),
      droppedPuts,
      itemsReturned: returned.length,
      longestBlockedAfterDeathMs: Math.max(0, ...deaths.map((d) => d.blockedAfterMs)),
      longestRecoverMs: Math.max(0, ...deaths.map((d) => d.recoverMs)),
      lost,
      check,
      weakCheck,
      windowCheck,
      checkMs,
      history,
    };
  }

  /** Lets every actor exit on its own (they are idle between runs), terminating only laggards. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.ready);
    await Promise.all(
      [...this.workers, this.closer].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.threadId < 0) return resolve(); // exited already
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

/**
 * Settles when the actor's job ends: its 'done' message, or its exit once `killed()` says it was
 * terminated on purpose. Rejects on an error, any other exit, or after RUN_LIMIT_MS.
 */
function jobEnded(worker: Worker, thread: number, killed: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: unknown) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', finish);
      worker.off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    };
    const timer = setTimeout(
      () => finish(new Error(`actor ${thread} did not finish its calls within ${RUN_LIMIT_MS} ms`)),
      RUN_LIMIT_MS,
    );
    const onMessage = (message: HistoryMessage) => {
      if (message.type === 'done') finish();
    };
    const onExit = (code: number) =>
      finish(
        killed() ? undefined : new Error(`actor ${thread} exited (code ${code}) in the middle of its run`),
      );
    worker.on('message', onMessage);
    worker.on('error', finish);
    worker.on('exit', onExit);
  });
}

/**
 * The history with every tryPut that answered false and every tryGet that answered empty while
 * one of `windows` was open (their intervals overlap) turned into a call with no effect (a put or
 * get that timed out), at the same place, so indices into it are indices into `history`.
 */
export function relaxTryCalls(
  history: readonly Operation[],
  windows: readonly { from: number; to: number }[],
): Operation[] {
  return history.map((op) => {
    const { call, result } = op;
    if (result.kind !== 'ok' || !windows.some(({ from, to }) => op.start <= to && op.end >= from)) return op;
    const method = `${op.method ?? call.op} (answered before a dead thread was recovered)`;
    if (call.op === 'tryPut' && result.value === false) {
      return { ...op, call: { op: 'put', item: call.item }, result: { kind: 'timeout' }, method };
    }
    if (call.op === 'tryGet' && (result.value as { ok?: boolean } | null)?.ok === false) {
      return { ...op, call: { op: 'get' }, result: { kind: 'timeout' }, method };
    }
    return op;
  });
}

/**
 * The longest another thread stayed blocked after thread `dead` died at `at`: over the calls of
 * other threads in flight at `at` or begun later that returned ok or closed, the most of
 * end − max(start, at). Timeouts and aborts are left out: they end by themselves.
 */
export function blockedAfter(history: readonly Operation[], dead: number, at: number): number {
  let longest = 0;
  for (const op of history) {
    if (op.thread === dead || op.end < at) continue;
    if (op.result.kind !== 'ok' && op.result.kind !== 'closed') continue;
    longest = Math.max(longest, op.end - Math.max(op.start, at));
  }
  return longest;
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
