// The classic three-semaphore bounded buffer as models: the correct protocol (`three-semaphores`,
// the founding program's; `seed` is its old name, still accepted) and the broken variants that
// program's text warns about. Each producer puts `items` items, each consumer takes its share of
// all of them (the shares differ by at most one), as in the founding program's loops:
//
//   producer: empty.acquire(); mutex.acquire(); buffer[in] = item; in = (in + 1) % CAPACITY;
//             mutex.release(); full.release()
//   consumer: full.acquire(); mutex.acquire(); item = buffer[out]; out = (out + 1) % CAPACITY;
//             mutex.release(); empty.release()
//
// Reading `in` and writing it back are separate steps, as they are in any real machine: that is
// exactly the window the mutex closes. src/check/promela/three-semaphores.pml is the same
// protocol in Promela, step for step, for the cross-check against Spin.

import {
  itemOf,
  type Model,
  type ModelParams,
  type Step,
  type ThreadContext,
  type ThreadSpec,
} from './model.js';

export type ThreeSemaphoreVariant =
  | 'three-semaphores'
  | 'no-mutex'
  | 'swapped-acquire'
  | 'no-empty'
  | 'no-full'
  | 'wrong-release';

export const THREE_SEMAPHORE_VARIANTS: Readonly<Record<ThreeSemaphoreVariant, string>> = {
  'three-semaphores':
    "semaphores empty and full, and a mutex around the buffer: the founding program's protocol (holds)",
  'no-mutex': 'no mutex: two producers read the same `in`, write the same slot, and an item is lost',
  'swapped-acquire':
    'the producer locks the mutex before acquiring empty: a deadlock once the buffer is full',
  'no-empty': 'the producer never acquires empty: it writes past capacity',
  'no-full': 'the consumer never acquires full: it reads a slot that holds nothing',
  'wrong-release': 'the consumer releases full instead of empty',
};

/** How many items consumer c (0-based) takes: all items, split as evenly as possible. */
export function consumerShare(params: ModelParams, c: number): number {
  const total = params.producers * params.items;
  return Math.floor(total / params.consumers) + (c < total % params.consumers ? 1 : 0);
}

export function threeSemaphoreModel(variant: ThreeSemaphoreVariant, params: ModelParams): Model {
  const { producers, consumers, capacity, items } = params;
  const mutex = variant !== 'no-mutex';

  function* producer(t: ThreadContext, p: number): Generator<Step, void, number> {
    for (let k = 0; k < items; k++) {
      if (variant === 'swapped-acquire') {
        yield t.lock('mutex');
        yield t.acquire('empty');
      } else {
        if (variant !== 'no-empty') yield t.acquire('empty');
        if (mutex) yield t.lock('mutex');
      }
      const i = yield t.read('in');
      yield t.put('buffer', i, itemOf(p, k));
      yield t.write('in', (i + 1) % capacity);
      if (mutex) yield t.unlock('mutex');
      yield t.release('full');
    }
  }

  function* consumer(t: ThreadContext, share: number): Generator<Step, void, number> {
    for (let k = 0; k < share; k++) {
      if (variant !== 'no-full') yield t.acquire('full');
      if (mutex) yield t.lock('mutex');
      const o = yield t.read('out');
      yield t.take('buffer', o);
      yield t.write('out', (o + 1) % capacity);
      if (mutex) yield t.unlock('mutex');
      yield t.release(variant === 'wrong-release' ? 'full' : 'empty');
    }
  }

  const threads: ThreadSpec[] = [];
  for (let p = 0; p < producers; p++) threads.push({ name: `p${p + 1}`, run: (t) => producer(t, p) });
  for (let c = 0; c < consumers; c++) {
    const share = consumerShare(params, c);
    threads.push({ name: `c${c + 1}`, run: (t) => consumer(t, share) });
  }
  return {
    name: variant,
    summary: THREE_SEMAPHORE_VARIANTS[variant],
    memory: {
      semaphores: { empty: capacity, full: 0 },
      mutexes: mutex ? ['mutex'] : [],
      words: { in: 0, out: 0 },
      buffers: { buffer: capacity },
    },
    threads,
    items: Array.from({ length: producers }, () => items),
    fifo: true,
    params: { ...params },
  };
}
