// Histories that are linearizable by construction, for testing the checker: a run of the
// sequential model where every operation gets a linearization point, and then an interval around
// that point (so intervals of different threads overlap at random).
import { prng } from '../helpers/prng.js';
import type { Operation, QueueCall, QueueResult } from './history.js';

export interface SimulateOptions {
  capacity: number;
  operations: number;
  threads: number;
  seed: number;
  /** How far an interval may reach either side of its point, in ms (points are 1 ms apart). */
  spread?: number;
}

/**
 * A legal history of `operations` calls. Each thread's calls do not overlap each other (a thread
 * makes one call at a time), so a thread's next point is past its previous interval.
 */
export function simulate({ capacity, operations, threads, seed, spread = 3 }: SimulateOptions): Operation[] {
  const random = prng(seed);
  const items: number[] = [];
  let closed = false;
  let next = 1;
  const busyUntil = new Array<number>(threads).fill(0);
  const history: Operation[] = [];
  let time = 0;
  for (let k = 0; k < operations; k++) {
    time += 1;
    const thread = Math.floor(random() * threads);
    const call = pick(random, capacity, () => next++);
    const result = apply(call, random);
    const start = Math.max(busyUntil[thread] + 0.001, time - random() * spread);
    const point = Math.max(time, start);
    const end = point + random() * spread;
    busyUntil[thread] = end;
    time = point;
    history.push({ thread, call, result, start, end });
  }
  return history;

  function apply(call: QueueCall, r: () => number): QueueResult {
    switch (call.op) {
      case 'put':
        if (closed) return { kind: 'closed' };
        if (items.length === capacity || r() < 0.1) return { kind: r() < 0.5 ? 'timeout' : 'aborted' };
        items.push(call.item);
        return { kind: 'ok' };
      case 'tryPut':
        if (closed) return { kind: 'closed' };
        if (items.length === capacity) return { kind: 'ok', value: false };
        items.push(call.item);
        return { kind: 'ok', value: true };
      case 'putMany':
        if (closed) return { kind: 'closed', left: call.items };
        if (items.length + call.items.length > capacity) return { kind: 'timeout', left: call.items };
        items.push(...call.items);
        return { kind: 'ok' };
      case 'get':
        if (items.length === 0) return closed ? { kind: 'closed' } : { kind: 'timeout' };
        return { kind: 'ok', value: items.shift() };
      case 'tryGet':
        if (items.length === 0) return closed ? { kind: 'closed' } : { kind: 'ok', value: { ok: false } };
        return { kind: 'ok', value: { ok: true, value: items.shift() } };
      case 'getMany': {
        if (items.length === 0) return closed ? { kind: 'closed' } : { kind: 'aborted' };
        const n = 1 + Math.floor(r() * Math.min(call.max, items.length));
        return { kind: 'ok', value: items.splice(0, n) };
      }
      case 'close': {
        closed = true;
        return { kind: 'ok', value: call.immediate ? items.splice(0) : [] };
      }
    }
  }
}

function pick(random: () => number, capacity: number, fresh: () => number): QueueCall {
  const x = random();
  if (x < 0.25) return { op: 'put', item: fresh() };
  if (x < 0.4) return { op: 'tryPut', item: fresh() };
  if (x < 0.5) {
    const n = 1 + Math.floor(random() * capacity);
    return { op: 'putMany', items: Array.from({ length: n }, fresh) };
  }
  if (x < 0.75) return { op: 'get' };
  if (x < 0.88) return { op: 'tryGet' };
  if (x < 0.995) return { op: 'getMany', max: 1 + Math.floor(random() * (capacity + 1)) };
  return { op: 'close', immediate: random() < 0.5 };
}
