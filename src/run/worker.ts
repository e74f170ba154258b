// One actor of `conveyor run`: a producer or a consumer on its own worker thread.
//
// Classic mode is the seed's algorithm step for step: a producer acquires `empty`, then `mutex`,
// writes at `in`, releases `mutex`, then `full`, and sleeps; a consumer acquires `full`, then
// `mutex`, reads at `out`, releases `mutex`, then `empty`, and sleeps. Buffer mode does the same
// work with BoundedBuffer's putSync/getSync.
//
// Instrumentation: an acquire (or put/get) that cannot succeed at once with tryAcquire (tryPut/
// tryGet) posts `wait` on that semaphore before blocking and `wake` once it got through. Blocking
// calls run in slices of SLICE_MS so that a stop request (Ctrl-C) is seen within one slice.
//
// Stopping without counting (several consumers): the producer that finishes last closes. In
// classic mode it sets ALL_PRODUCED under `mutex` and releases one extra `full` permit, a token: a
// consumer that takes a permit and finds the ring empty holds the token, passes it on (releases
// `full` again) and stops. So `full`'s value + permits held = COUNT + ALL_PRODUCED, and every item is
// consumed exactly once. In buffer mode the last producer calls close(), and getSync throws
// QueueClosedError once the buffer is closed and drained.
import { parentPort, workerData } from 'node:worker_threads';
import { QueueClosedError, TimeoutError } from '../errors.js';
import { BoundedBuffer } from '../queue/bounded-buffer.js';
import { Semaphore } from '../sync/semaphore.js';
import {
  ALL_PRODUCED,
  BATCH_EVENTS,
  CLASSIC_PRODUCERS_LEFT,
  COUNT,
  epochNow,
  GO,
  IN,
  ITEMS_MADE,
  LAST_ITEM,
  MAX_BATCHES_IN_FLIGHT,
  OUT,
  PRODUCERS_LEFT,
  SEQ,
  type SemaphoreName,
  START_EPOCH_F64,
  STARTED,
  STOP,
  type WorkerConfig,
  type WorkerEvent,
} from './protocol.js';
import { actorSeed, seededRandom } from './random.js';

const SLICE_MS = 50;
/** A block or sleep this short does not flush the batch first (unless the batch is FLUSH_AGE_MS old). */
const SHORT_MS = 2;
/** Events wait in a batch at most about this long before a block or sleep flushes them. */
const FLUSH_AGE_MS = 20;

const config = workerData as WorkerConfig;
const control = new Int32Array(config.control);
/** The run's start on the shared clock; read once GO is seen (the main thread wrote it before). */
let startEpoch = 0;
const random = seededRandom(actorSeed(config.seed, config.actor));

function stopped(): boolean {
  return Atomics.load(control, STOP) !== 0;
}

const acks = new Int32Array(config.acks);
let batch: WorkerEvent[] = [];
let batchesPosted = 0;
/** performance.now() when the batch's first event was recorded. */
let batchSince = 0;

/** Records an event; it is posted with its batch (see flush). */
function post(event: Omit<WorkerEvent, 't'>, at = epochNow()): void {
  if (batch.length === 0) batchSince = performance.now();
  batch.push({ t: round(at - startEpoch), ...event });
  if (batch.length >= BATCH_EVENTS) flush();
}

/** Flushes before a block or sleep of `ms` unless it is short and the batch is young. */
function flushBefore(ms: number): void {
  if (ms > SHORT_MS || performance.now() - batchSince > FLUSH_AGE_MS) flush();
}

/**
 * Posts the events recorded so far, then waits while the main thread is more than
 * MAX_BATCHES_IN_FLIGHT batches behind (or until a stop), so that a fast run cannot pile up
 * messages. Called before every block and sleep, so the main thread sees events as they happen.
 */
function flush(): void {
  if (batch.length === 0) return;
  parentPort!.postMessage(batch);
  batch = [];
  batchesPosted++;
  for (;;) {
    const handled = Atomics.load(acks, config.slot);
    if (batchesPosted - handled <= MAX_BATCHES_IN_FLIGHT || stopped()) return;
    Atomics.wait(acks, config.slot, handled, SLICE_MS);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Waits until `control[word]` reaches `target`; false if a stop came first. */
function waitForWord(word: number, target: number): boolean {
  for (;;) {
    const seen = Atomics.load(control, word);
    if (seen >= target) return true;
    if (stopped()) return false;
    Atomics.wait(control, word, seen, SLICE_MS);
  }
}

/** The seed's time.sleep after each item, scaled; wakes early on a stop. */
function sleepAfterItem(occupancy: () => number): boolean {
  const { min, max } = config.sleep;
  const ms = (min + (max - min) * random()) * config.timeScale;
  if (ms === 0) return !stopped(); // no sleep, no events: a --time-scale 0 run posts half as many
  post({ event: 'sleep', occupancy: occupancy() });
  flushBefore(ms);
  const end = performance.now() + ms;
  for (let left = ms; left > 0; left = end - performance.now()) {
    if (Atomics.wait(control, STOP, 0, left) === 'not-equal') return false; // a stop request
  }
  if (stopped()) return false;
  post({ event: 'work', occupancy: occupancy() });
  return true;
}

/**
 * Runs `attempt(ms)` (which blocks at most `ms` and returns false on a timeout) after `tryOnce`
 * failed, posting `wait` and `wake` around it. The first attempt is short and does not flush, so
 * a brief wait costs no message. Returns false if a stop came first.
 */
function instrumentedWait(
  on: SemaphoreName,
  tryOnce: () => boolean,
  attempt: (ms: number) => boolean,
  occupancy: () => number,
): boolean {
  if (tryOnce()) return true;
  post({ event: 'wait', on, occupancy: occupancy() });
  flushBefore(SHORT_MS);
  for (let ms = SHORT_MS; ; ms = SLICE_MS) {
    if (stopped()) return false;
    if (attempt(ms)) break;
    flush();
  }
  post({ event: 'wake', on, occupancy: occupancy() });
  return true;
}

function sliceOf(fn: (ms: number) => void): (ms: number) => boolean {
  return (ms) => {
    try {
      fn(ms);
      return true;
    } catch (error) {
      if (error instanceof TimeoutError) return false;
      throw error;
    }
  };
}

// -------------------------------------------------------------------------------------------------
// Classic mode: the seed's ring and its three semaphores.

function runClassic(): void {
  const c = config.classic!;
  const ring = new Int32Array(c.ring);
  const state = new Int32Array(c.state);
  const capacity = ring.length;
  const empty = Semaphore.from(c.empty);
  const full = Semaphore.from(c.full);
  const mutex = Semaphore.from(c.mutex);
  const sems = { empty, full, mutex };
  // COUNT is written under `mutex`; outside it, this is a snapshot for wait/wake events.
  const occupancy = (): number => Atomics.load(state, COUNT);
  const acquire = (name: SemaphoreName): boolean =>
    instrumentedWait(
      name,
      () => sems[name].tryAcquire(),
      sliceOf((ms) => sems[name].acquireSync({ timeout: ms })),
      occupancy,
    );

  if (config.role === 'producer') {
    for (let produced = 0; produced < config.items; produced++) {
      if (!acquire('empty')) return;
      if (!acquire('mutex')) return;
      // Holding `mutex`: the ring and its indices are ours.
      const counter = (state[ITEMS_MADE] = state[ITEMS_MADE] + 1);
      const at = state[IN];
      ring[at] = counter;
      state[IN] = (at + 1) % capacity;
      state[COUNT] += 1;
      const seq = state[SEQ]++;
      post({ event: 'produced', item: counter, occupancy: state[COUNT], seq });
      mutex.release();
      full.release(); // publish: one more item for the consumers
      if (!sleepAfterItem(occupancy)) return;
    }
    if (!acquire('mutex')) return;
    const last = --state[CLASSIC_PRODUCERS_LEFT] === 0;
    if (last) state[ALL_PRODUCED] = 1;
    mutex.release();
    if (last) full.release(); // the close token (see the top of this file)
    post({ event: 'done', occupancy: occupancy() });
    return;
  }

  for (;;) {
    if (!acquire('full')) return;
    if (!acquire('mutex')) return;
    if (state[COUNT] === 0) {
      // Only the close token lets a consumer past `full` with the ring empty: pass it on.
      mutex.release();
      full.release();
      break;
    }
    const at = state[OUT];
    const item = ring[at];
    state[OUT] = (at + 1) % capacity;
    state[COUNT] -= 1;
    const seq = state[SEQ]++;
    post({ event: 'consumed', item, occupancy: state[COUNT], seq });
    mutex.release();
    empty.release(); // a slot is free again
    if (!sleepAfterItem(occupancy)) return;
  }
  post({ event: 'done', occupancy: occupancy() });
}

// -------------------------------------------------------------------------------------------------
// Buffer mode: the same work through BoundedBuffer.

function runBuffer(): void {
  const buffer = BoundedBuffer.from<number>(config.buffer!);
  // A snapshot of the items ready to get: always within [0, capacity].
  const occupancy = (): number => buffer.size;

  if (config.role === 'producer') {
    for (let produced = 0; produced < config.items; produced++) {
      const item = Atomics.add(control, LAST_ITEM, 1) + 1;
      const ok = instrumentedWait(
        'empty',
        () => buffer.tryPut(item),
        sliceOf((ms) => buffer.putSync(item, { timeout: ms })),
        occupancy,
      );
      if (!ok) return;
      post({ event: 'produced', item, occupancy: occupancy() });
      if (!sleepAfterItem(occupancy)) return;
    }
    if (Atomics.sub(control, PRODUCERS_LEFT, 1) === 1) buffer.close();
    post({ event: 'done', occupancy: occupancy() });
    return;
  }

  for (;;) {
    let item = 0;
    let closed = false;
    /** Runs one get; true when it got an item or found the buffer closed and drained. */
    const take =
      (get: (ms: number) => { ok: boolean; value?: number }) =>
      (ms: number): boolean => {
        try {
          const got = get(ms);
          if (got.ok) item = got.value!;
          return got.ok;
        } catch (error) {
          if (error instanceof QueueClosedError) return (closed = true);
          if (error instanceof TimeoutError) return false;
          throw error;
        }
      };
    const ok = instrumentedWait(
      'full',
      () => take(() => buffer.tryGet())(0),
      take((ms) => ({ ok: true, value: buffer.getSync({ timeout: ms }) })),
      occupancy,
    );
    if (!ok) return;
    if (closed) break;
    post({ event: 'consumed', item, occupancy: occupancy() });
    if (!sleepAfterItem(occupancy)) return;
  }
  post({ event: 'done', occupancy: occupancy() });
}

// -------------------------------------------------------------------------------------------------

function main(): void {
  // Consumers begin on GO; producers also wait until every consumer has begun, as the seed
  // starts its consumer first so that it is already waiting on `full`.
  if (!waitForWord(GO, 1)) return;
  startEpoch = new Float64Array(config.control)[START_EPOCH_F64];
  if (config.role === 'consumer') {
    post({ event: 'start', occupancy: 0 });
    Atomics.add(control, STARTED, 1);
    Atomics.notify(control, STARTED);
  } else {
    if (!waitForWord(STARTED, config.consumers)) return;
    post({ event: 'start', occupancy: 0 });
  }
  try {
    if (config.mode === 'classic') runClassic();
    else runBuffer();
  } finally {
    flush();
  }
}

parentPort!.postMessage({ ready: true });
main();
