// A producer, consumer or closer for the history-checked fault-injection stress
// (test/tooling/fault-stress.ts). It stays alive for many runs: each job message names a buffer, a
// role, a seed and a budget of operations; the actor makes that many calls (or stops at the first
// "closed"), streaming every call and return into the job's shared-memory log as it happens (so
// that the history survives the actor being terminated mid-call), and posts 'done' at the end.
// Faults are injected at random from the seed: sync calls with tiny timeouts (0 to 2 ms), async
// calls aborted through an AbortController (before the call, or 0 to 2 ms into it); the main
// thread may terminate the actor at any moment. Every wait has a finite timeout, so a bug fails,
// never hangs.
//
// The closer (thread 0) closes the buffer when told to, and takes out what is left at the end of
// the run. It is a worker so that the main thread, which recovers dead actors from their 'exit'
// events, never blocks on the buffer: an immediate close waits (up to a second) for puts in
// progress, and one of them may be a dead actor's claim.
import { parentPort } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle, type Codec } from '../../src/index.js';
import { prng } from '../helpers/prng.js';
import { HistoryLog, HistoryRecorder, itemOf, type Operation, sharedClock } from '../tooling/history.js';
import { int32Codec } from '../tooling/stall-codec.js';

export interface HistoryJob {
  readonly type: 'job';
  readonly role: 'producer' | 'consumer';
  readonly handle: BoundedBufferHandle;
  /** Thread number in the history (1..); the main thread is 0. */
  readonly thread: number;
  readonly seed: number;
  /** Most calls to make. */
  readonly operations: number;
  /** Word 0: calls made so far by all actors of the run (Atomics.add), for the closer to watch. */
  readonly progress: SharedArrayBuffer;
  /** Where the calls and returns are streamed (HistoryLog.create). */
  readonly log: SharedArrayBuffer;
  /**
   * Undefined: the buffer uses the built-in int32 codec. A number: it uses `int32Codec()`
   * (test/tooling/stall-codec.ts), and that fraction of a producer's items pause SLOW_PUT_MS
   * between claiming their slot and publishing it (see slowPutCodec).
   */
  readonly slowPuts?: number;
}

/**
 * The closer of a run (thread 0): opens the buffer and waits. Then `{ type: 'close' }` closes it
 * (plainly or immediately) and `{ type: 'drain' }` takes out what is left with tryGet until the
 * buffer says closed; each answers when done ('closed', 'drained'). Both are recorded in `log`.
 */
export interface CloserJob {
  readonly type: 'closer';
  readonly handle: BoundedBufferHandle;
  readonly immediate: boolean;
  readonly log: SharedArrayBuffer;
  /** The buffer uses `int32Codec()` (a job's `slowPuts` is set). */
  readonly custom: boolean;
}

/** How long a slow put pauses between claiming its slot and publishing it, in ms. */
export const SLOW_PUT_MS = 2;

/**
 * `int32Codec()`'s format, with `fraction` of the items encoded pausing SLOW_PUT_MS while they
 * are written into their claimed slot (their bytes' `byteLength` is read once before the claim,
 * and again while writing, as in stall-codec.ts). A thread terminated at a random moment then
 * often dies between a claim and its publish, the case recover() has to repair.
 */
function slowPutCodec(seed: number, fraction: number): Codec<number> {
  const plain = int32Codec();
  const random = prng(seed);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  return {
    encode(n) {
      const bytes = plain.encode(n);
      if (random() < fraction) {
        let reads = 0;
        Object.defineProperty(bytes, 'byteLength', {
          get: () => {
            if (++reads === 2) Atomics.wait(nap, 0, 0, SLOW_PUT_MS);
            return 4;
          },
        });
      }
      return bytes;
    },
    decode: plain.decode,
  };
}

/**
 * One call that stalls in the middle, to show deterministically what a thread descheduled at the
 * wrong moment does to the others. `put`: the put claims its slot and then stalls before it
 * publishes the item (its codec's encoded bytes have a slow `byteLength`, read again while
 * writing). `get`: the get claims the item and stalls in `decode`, before it frees the slot.
 * The buffer must use `int32Codec` (given again here, with the stall).
 */
export interface StallJob {
  readonly type: 'stall';
  readonly op: 'put' | 'get';
  readonly handle: BoundedBufferHandle;
  readonly thread: number;
  /** The item whose put or get stalls. */
  readonly item: number;
  readonly stallMs: number;
  /** If given, the call is streamed here too (for a stalled thread that is terminated). */
  readonly log?: SharedArrayBuffer;
}

function runStall(job: StallJob): Operation[] {
  const buffer = BoundedBuffer.from<number>(job.handle, {
    codec: int32Codec({ op: job.op, item: job.item, ms: job.stallMs }),
  });
  const log = job.log === undefined ? undefined : new HistoryLog(job.log);
  const rec = new HistoryRecorder(job.thread, sharedClock, log);
  if (job.op === 'put') {
    rec.sync({ op: 'put', item: job.item }, 'putSync', () => buffer.putSync(job.item, { timeout: 5_000 }));
  } else {
    rec.sync({ op: 'get' }, 'getSync', () => buffer.getSync({ timeout: 5_000 }));
  }
  return rec.operations;
}

export type HistoryMessage =
  | { readonly type: 'ready' }
  /** A stall job's history. */
  | { readonly type: 'history'; readonly thread: number; readonly history: Operation[] }
  /** A job's calls are all made (its history is in its log). */
  | { readonly type: 'done'; readonly thread: number }
  /** The closer has closed the buffer, or taken out what was left. */
  | { readonly type: 'closed' | 'drained' };

/** The longest any single wait may take: a stuck call becomes a timeout, not a hang. */
const LONG = 250;

async function runJob(job: HistoryJob): Promise<void> {
  const buffer =
    job.slowPuts === undefined
      ? BoundedBuffer.from(job.handle)
      : BoundedBuffer.from(job.handle, {
          codec: job.role === 'producer' ? slowPutCodec(job.seed ^ 0x5bd1e995, job.slowPuts) : int32Codec(),
        });
  const random = prng(job.seed);
  const progress = new Int32Array(job.progress);
  const rec = new HistoryRecorder(job.thread, sharedClock, new HistoryLog(job.log));
  const tiny = () => (random() < 0.3 ? 0 : random() * 2);
  let k = 0;
  const fresh = () => itemOf(job.thread, k++);
  /** An abort controller that fires before the call (sometimes) or a moment into it. */
  const abortable = () => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (random() < 0.25) controller.abort();
    else timer = setTimeout(() => controller.abort(), random() * 2);
    return { signal: controller.signal, done: () => clearTimeout(timer) };
  };
  const capacity = buffer.capacity;

  for (let n = 0; n < job.operations; n++) {
    const choice = random();
    if (job.role === 'producer') {
      if (choice < 0.25) {
        const item = fresh();
        rec.sync({ op: 'put', item }, 'putSync', () => buffer.putSync(item, { timeout: tiny() }));
      } else if (choice < 0.4) {
        const item = fresh();
        rec.sync({ op: 'tryPut', item }, 'tryPut', () => buffer.tryPut(item));
      } else if (choice < 0.55) {
        const items = Array.from({ length: 1 + Math.floor(random() * capacity) }, fresh);
        rec.sync({ op: 'putMany', items }, 'putManySync', () =>
          buffer.putManySync(items, { timeout: tiny() }),
        );
      } else if (choice < 0.8) {
        const item = fresh();
        const { signal, done } = abortable();
        await rec.async(
          { op: 'put', item },
          'put',
          () => buffer.put(item, { signal, timeout: LONG }),
          signal,
        );
        done();
      } else {
        const item = fresh();
        rec.sync({ op: 'put', item }, 'putSync', () => buffer.putSync(item, { timeout: LONG }));
      }
    } else {
      if (choice < 0.25) {
        rec.sync({ op: 'get' }, 'getSync', () => buffer.getSync({ timeout: tiny() }));
      } else if (choice < 0.4) {
        rec.sync({ op: 'tryGet' }, 'tryGet', () => buffer.tryGet());
      } else if (choice < 0.55) {
        const max = 1 + Math.floor(random() * (capacity + 1));
        rec.sync({ op: 'getMany', max }, 'getManySync', () => buffer.getManySync(max, { timeout: tiny() }));
      } else if (choice < 0.8) {
        const { signal, done } = abortable();
        await rec.async({ op: 'get' }, 'get', () => buffer.get({ signal, timeout: LONG }), signal);
        done();
      } else {
        rec.sync({ op: 'get' }, 'getSync', () => buffer.getSync({ timeout: LONG }));
      }
    }
    Atomics.add(progress, 0, 1);
    const last = rec.operations[rec.operations.length - 1];
    if (last.result.kind === 'closed') break; // closed: no more puts, or closed and drained
  }
}

/** The closer's buffer, options and recorder, between its job and its close and drain messages. */
let closer: { buffer: BoundedBuffer; immediate: boolean; rec: HistoryRecorder } | undefined;

function closeBuffer(): void {
  const { buffer, immediate, rec } = closer!;
  rec.sync({ op: 'close', immediate }, 'close', () => buffer.close({ immediate }));
}

/** Takes out what is left (recorded, so the checker sees the order it comes out in). */
function drainBuffer(): void {
  const { buffer, rec } = closer!;
  for (let n = 0; n <= buffer.capacity; n++) {
    const r = rec.sync({ op: 'tryGet' }, 'tryGet', () => buffer.tryGet());
    if (r === undefined) break; // closed and drained
  }
  closer = undefined;
}

type Message = HistoryJob | CloserJob | StallJob | { type: 'close' | 'drain' | 'exit' };

const port = parentPort!;
port.on('message', (message: Message) => {
  switch (message.type) {
    case 'exit':
      port.close();
      return;
    case 'stall': {
      const history = runStall(message);
      port.postMessage({ type: 'history', thread: message.thread, history } satisfies HistoryMessage);
      return;
    }
    case 'closer':
      closer = {
        buffer: message.custom
          ? BoundedBuffer.from(message.handle, { codec: int32Codec() })
          : BoundedBuffer.from(message.handle),
        immediate: message.immediate,
        rec: new HistoryRecorder(0, sharedClock, new HistoryLog(message.log)),
      };
      return;
    case 'close':
      closeBuffer();
      port.postMessage({ type: 'closed' } satisfies HistoryMessage);
      return;
    case 'drain':
      drainBuffer();
      port.postMessage({ type: 'drained' } satisfies HistoryMessage);
      return;
    case 'job':
      runJob(message).then(
        () => port.postMessage({ type: 'done', thread: message.thread } satisfies HistoryMessage),
        (error) => {
          throw error; // an unexpected error: the worker's 'error' event fails the run
        },
      );
  }
});
port.postMessage({ type: 'ready' } satisfies HistoryMessage);
