// A model of ByteRing's publish protocol (src/stream/byte-ring.ts; its sleeping is in
// src/stream/byte-ring/sleep.ts): one writer, one reader, the bytes as items in a ring of
// `capacity` slots. It follows writeSync, readSync, close and the sleeping protocol step for
// step: every shared-memory access they make (an Atomics.load, store, add, compareExchange, wait
// or notify, or a TypedArray.set / subarray copy of a byte) is one step here, named after the
// function it is in.
//
// What is modelled: the writer writes its items in chunks of two (`writeSync` of 2 bytes, or 1 for
// the last), all or nothing when a chunk fits in the ring, in pieces of at least a quarter of the
// ring when it does not (capacity 1); then `close()`. The reader calls `readSync` with room for two
// bytes until it returns 0 (the end). Both sleep through RingSleep.waitSync with no deadline.
// Since 695bd64 a sleeper's WAITING word holds how many bytes it waits for, and a waker wakes it
// only when its change gives that many (sleep.ts): modelled as written (the writer wants the rest
// of its chunk, or a piece; the reader wants 1).
// What is not: abort() and cancel() (the same CAS on STATE and the same wakes as close()), the async
// forms (the same checks and words; an async writer waits for at least a piece; they sleep with
// Atomics.waitAsync), timeouts, and the roles (a
// CAS on an owner word before the first call). Each side's own index is a local here: only that
// side writes it, so its Atomics.load of it always returns what the local holds. Spinning is
// modelled as 0 checks (a failed check only reads).
//
// Broken variants, to show the checker finds what this design guards against:
//   byte-ring-publish-first  #writeSome stores WRITE before it copies the bytes in
//   byte-ring-wake-first     #writeSome looks for a sleeping reader before it publishes
//   byte-ring-no-recheck     waitSync sleeps without re-checking after raising its WAITING flag
//   byte-ring-stale-room     #readSome passes wake(WRITER) the room from before its own free, so a
//                            writer waiting for exactly the bytes just freed is not woken

import { ENDED, OPEN } from '../stream/byte-ring/layout.js';
import { ModelError } from './errors.js';
import { itemOf, type Model, type ModelParams, type Step, type ThreadContext } from './model.js';

export type ByteRingVariant =
  | 'byte-ring'
  | 'byte-ring-publish-first'
  | 'byte-ring-wake-first'
  | 'byte-ring-no-recheck'
  | 'byte-ring-stale-room';

export const BYTE_RING_VARIANTS: Readonly<Record<ByteRingVariant, string>> = {
  'byte-ring': "conveyor's ByteRing: SPSC chunks, one store publishes, notify only a sleeper (holds)",
  'byte-ring-publish-first': 'ByteRing that publishes WRITE before copying the bytes in',
  'byte-ring-wake-first': 'ByteRing whose writer looks for a sleeping reader before it publishes',
  'byte-ring-no-recheck': 'ByteRing whose sleepers do not re-check after raising WAITING',
  'byte-ring-stale-room': "ByteRing whose reader tells the writer its room from before the reader's own free",
};

/** The writer's chunk, and the reader's `into.length`, in bytes (items). */
const CHUNK = 2;

export function byteRingModel(variant: ByteRingVariant, params: ModelParams): Model {
  const { producers, consumers, capacity, items } = params;
  if (producers !== 1 || consumers !== 1) {
    throw new ModelError(
      `model '${variant}' has one writer and one reader: give --producers 1 --consumers 1, got ${producers} and ${consumers}`,
    );
  }
  const piece = Math.max(1, capacity >> 2); // this.#piece = Math.max(1, capacity >> 2)

  /**
   * RingSleep.waitSync(side, ready, want): ready() first; then seq = SIGNAL, WAITING = want,
   * ready() again, and Atomics.wait(SIGNAL, seq) only if still not ready; WAITING = 0; and again
   * from the top.
   */
  function* waitSync(
    t: ThreadContext,
    side: 'writer' | 'reader',
    ready: () => Generator<Step, boolean, number>,
    live: readonly number[],
    want: number,
  ): Generator<Step, void, number> {
    for (;;) {
      yield t.state(`${side}/waitSync`, ...live);
      if (yield* ready()) return;
      const seq = yield t.read(`${side}Signal`); // const seq = Atomics.load(i32, side.signal)
      yield t.write(`${side}Waiting`, want); // Atomics.store(i32, side.waiting, want)
      if (variant === 'byte-ring-no-recheck' || !(yield* ready())) {
        yield* t.wait(`${side}Signal`, seq); // Atomics.wait(i32, side.signal, seq, remaining)
      }
      yield t.write(`${side}Waiting`, 0); // Atomics.store(i32, side.waiting, 0)
    }
  }

  /**
   * RingSleep.wake(side, has): only if that side sleeps (WAITING = want > 0) and the change left it
   * `has` >= want bytes (Infinity for a change of STATE), SIGNAL += 1 and notify.
   */
  function* wake(
    t: ThreadContext,
    side: 'writer' | 'reader',
    has = Number.POSITIVE_INFINITY,
  ): Generator<Step, void, number> {
    const want = yield t.read(`${side}Waiting`); // const want = Atomics.load(i32, side.waiting)
    if (want === 0 || has < want) return; // if (want === 0 || has < want) return
    yield t.add(`${side}Signal`, 1); // Atomics.add(i32, side.signal, 1)
    yield t.notify(`${side}Signal`); // Atomics.notify(i32, side.signal)
  }

  function* writer(t: ThreadContext): Generator<Step, void, number> {
    let written = 0; // WRITE, which only this thread stores
    let made = 0; // items made so far: item `made` is the next byte to write
    /**
     * #writeSome(bytes, from) for the chunk's `left` bytes still to write: how many it wrote
     * (0: no room yet).
     */
    function* writeSome(left: number): Generator<Step, number, number> {
      const state = yield t.read('state'); // const state = Atomics.load(i32, STATE)
      yield t.assert(state === OPEN, 'the writer finds the ring open (only it ends it)');
      const read = yield t.read('read'); // Atomics.load(i32, READ)
      const free = capacity - (written - read);
      let n = left;
      if (left > capacity) {
        if (free < piece) return 0;
        n = Math.min(free, left);
      } else if (free < left) {
        return 0;
      }
      if (variant === 'byte-ring-wake-first') yield* wake(t, 'reader');
      if (variant === 'byte-ring-publish-first') yield t.write('write', written + n);
      for (let j = 0; j < n; j++) {
        yield t.put('ring', (written + j) % capacity, itemOf(0, made + j)); // u8.set(...)
      }
      // Atomics.store(i32, WRITE, (written + n) | 0): publish bytes [written, written + n)
      if (variant !== 'byte-ring-publish-first') yield t.write('write', written + n);
      written += n;
      made += n;
      if (variant !== 'byte-ring-wake-first') yield* wake(t, 'reader'); // this.#sleep.wake(READER)
      return n;
    }
    /** #canWrite(left)'s closure: STATE !== OPEN, or room for what the write waits for. */
    const canWrite = (left: number) =>
      function* (): Generator<Step, boolean, number> {
        const need = left <= capacity ? left : piece;
        if ((yield t.read('state')) !== OPEN) return true;
        return capacity - (written - (yield t.read('read'))) >= need;
      };

    while (made < items) {
      yield t.state('write', written, made);
      // writeSync(chunk): from = #writeSome(bytes, 0); then wait and #writeSome until all went.
      let left = Math.min(CHUNK, items - made);
      left -= yield* writeSome(left);
      while (left > 0) {
        yield t.state('write/wait', written, made, left);
        // const want = this.#wantFree(left, false): the rest if it fits, else a piece
        yield* waitSync(t, 'writer', canWrite(left), [written, made, left], left <= capacity ? left : piece);
        left -= yield* writeSome(left);
      }
    }
    // close(): #stop(ENDED) moves STATE from OPEN and wakes both sides; the writer's own WAITING
    // flag is 0 here (it is not waiting), so only the reader's wake is a step that can matter.
    yield t.cas('state', OPEN, ENDED);
    yield* wake(t, 'reader');
  }

  function* reader(t: ThreadContext): Generator<Step, void, number> {
    let read = 0; // READ, which only this thread stores
    const canRead = function* (): Generator<Step, boolean, number> {
      if ((yield t.read('state')) !== OPEN) return true; // Atomics.load(i32, STATE) !== OPEN ||
      return (yield t.read('write')) !== read; // Atomics.load(i32, WRITE) !== Atomics.load(i32, READ)
    };
    for (;;) {
      yield t.state('read', read);
      // #readSome(into) with into.length === CHUNK
      const state = yield t.read('state'); // const state = Atomics.load(i32, STATE)
      const available = (yield t.read('write')) - read; // Atomics.load(i32, WRITE) - read
      if (available === 0) {
        if (state === ENDED) return; // END: readSync returns 0
        yield* waitSync(t, 'reader', canRead, [read], 1); // NOT_YET: this.#sleep.waitSync(READER, this.#canRead(), deadline, 1)
        continue;
      }
      const n = Math.min(available, CHUNK);
      for (let j = 0; j < n; j++) yield t.take('ring', (read + j) % capacity); // into.set(u8.subarray(...))
      read += n;
      yield t.write('read', read); // Atomics.store(i32, READ, (read + n) | 0): free them for the writer
      // this.#sleep.wake(WRITER, capacity - ((Atomics.load(i32, WRITE) - read - n) | 0)): the
      // writer's free bytes now (it does not move WRITE while it sleeps)
      const write = yield t.read('write');
      const freed = variant === 'byte-ring-stale-room' ? read - n : read;
      yield* wake(t, 'writer', capacity - (write - freed));
    }
  }

  return {
    name: variant,
    summary: BYTE_RING_VARIANTS[variant],
    memory: {
      words: {
        state: OPEN,
        write: 0,
        read: 0,
        readerWaiting: 0,
        readerSignal: 0,
        writerWaiting: 0,
        writerSignal: 0,
      },
      buffers: { ring: capacity },
      futexes: ['readerSignal', 'writerSignal'],
    },
    threads: [
      { name: 'w', run: writer },
      { name: 'r', run: reader },
    ],
    items: [items],
    fifo: true,
    params: { ...params },
  };
}
