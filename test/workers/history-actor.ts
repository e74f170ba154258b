// A producer or consumer for the history-checked fault-injection stress (test/tooling/fault-stress.ts).
// It stays alive for many runs: each job message names a buffer, a role, a seed and a budget of
// operations; the actor makes that many calls (or stops at the first "closed"), recording every
// call and return, and posts the history back. Faults are injected at random from the seed: sync
// calls with tiny timeouts (0 to 2 ms), async calls aborted through an AbortController (before
// the call, or 0 to 2 ms into it). Every wait has a finite timeout, so a bug fails, never hangs.
import { parentPort } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle } from '../../src/index.js';
import { prng } from '../helpers/prng.js';
import { HistoryRecorder, itemOf, type Operation } from '../tooling/history.js';
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
}

function runStall(job: StallJob): Operation[] {
  const buffer = BoundedBuffer.from<number>(job.handle, {
    codec: int32Codec({ op: job.op, item: job.item, ms: job.stallMs }),
  });
  const rec = new HistoryRecorder(job.thread);
  if (job.op === 'put') {
    rec.sync({ op: 'put', item: job.item }, 'putSync', () => buffer.putSync(job.item, { timeout: 5_000 }));
  } else {
    rec.sync({ op: 'get' }, 'getSync', () => buffer.getSync({ timeout: 5_000 }));
  }
  return rec.operations;
}

export type HistoryMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'history'; readonly thread: number; readonly history: Operation[] };

/** The longest any single wait may take: a stuck call becomes a timeout, not a hang. */
const LONG = 250;

async function runJob(job: HistoryJob): Promise<Operation[]> {
  const buffer = BoundedBuffer.from(job.handle);
  const random = prng(job.seed);
  const progress = new Int32Array(job.progress);
  const rec = new HistoryRecorder(job.thread);
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
  return rec.operations;
}

const port = parentPort!;
port.on('message', (message: HistoryJob | StallJob | { type: 'exit' }) => {
  if (message.type === 'exit') {
    port.close();
    return;
  }
  if (message.type === 'stall') {
    const history = runStall(message);
    port.postMessage({ type: 'history', thread: message.thread, history } satisfies HistoryMessage);
    return;
  }
  runJob(message).then(
    (history) =>
      port.postMessage({ type: 'history', thread: message.thread, history } satisfies HistoryMessage),
    (error) => {
      throw error; // an unexpected error: the worker's 'error' event fails the run
    },
  );
});
port.postMessage({ type: 'ready' } satisfies HistoryMessage);
