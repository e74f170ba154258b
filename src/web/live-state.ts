// What the live page shows of a run, kept up to date from its events on the server: the counts,
// each actor's state, the buffer's slots (items enter at `in`, leave at `out`) and the occupancy
// points, thinned so that a run of a million items costs the page no more than one of twenty.
// The page draws frames of this state; it never sees the events themselves.
import type { RunOptions } from '../run/options.js';
import type { RunEvent } from '../run/protocol.js';
import { MAX_SLOTS_SHOWN } from './trace-steps.js';

/** Occupancy points kept; past this, neighbours are merged pairwise (the higher one stays). */
export const MAX_CHART_POINTS = 4000;

export interface ActorView {
  name: string;
  /** `starting`, `working`, `sleeping`, `waiting on empty|full|mutex`, `done`. */
  state: string;
  items: number;
  waits: number;
}

export interface LiveFrame {
  id: number;
  /** The latest event's time, ms since the run's start. */
  t: number;
  produced: number;
  consumed: number;
  largest: number;
  /** Items in the buffer now. */
  held: number;
  capacity: number;
  /** Each slot's item or null (only for a buffer of up to MAX_SLOTS_SHOWN slots). */
  slots?: (number | null)[];
  /** The next slot to fill and to empty. */
  in: number;
  out: number;
  actors: ActorView[];
  /** [t, items held] points: all of them when `resetPoints`, else those since the last frame. */
  points: [number, number][];
  resetPoints: boolean;
}

export class LiveState {
  readonly id: number;
  readonly #capacity: number;
  readonly #actors = new Map<string, ActorView>();
  /** The items held, oldest first (kept only when the slots are shown). */
  readonly #queue: number[] = [];
  #held = 0;
  #produced = 0;
  #consumed = 0;
  #largest = 0;
  #t = 0;
  #points: [number, number][] = [[0, 0]];
  /** Points already sent in a frame; after a thinning, the next frame sends them all again. */
  #sent = 0;
  #thinned = false;

  constructor(id: number, options: RunOptions, actors: readonly string[]) {
    this.id = id;
    this.#capacity = options.capacity;
    for (const name of actors) this.#actors.set(name, { name, state: 'starting', items: 0, waits: 0 });
  }

  /** One event, in log order. */
  add(e: RunEvent): void {
    const actor = this.#actors.get(e.actor);
    if (actor === undefined) return;
    if (e.t > this.#t) this.#t = e.t;
    switch (e.event) {
      case 'produced':
        this.#produced++;
        this.#held++;
        if (this.#capacity <= MAX_SLOTS_SHOWN) this.#queue.push(e.item!);
        actor.items++;
        actor.state = 'working';
        break;
      case 'consumed': {
        this.#consumed++;
        this.#held = Math.max(0, this.#held - 1);
        const at = this.#capacity <= MAX_SLOTS_SHOWN ? this.#queue.indexOf(e.item!) : -1;
        if (at >= 0) this.#queue.splice(at, 1);
        actor.items++;
        actor.state = 'working';
        break;
      }
      case 'wait':
        actor.state = `waiting on ${e.on}`;
        actor.waits++;
        break;
      case 'sleep':
        actor.state = 'sleeping';
        break;
      case 'done':
        actor.state = 'done';
        break;
      default: // start, work, wake
        actor.state = 'working';
    }
    if (e.event === 'produced' || e.event === 'consumed') {
      if (e.occupancy > this.#largest) this.#largest = e.occupancy;
      this.#points.push([e.t, this.#held]);
      if (this.#points.length > MAX_CHART_POINTS) this.#thin();
    }
  }

  /** The state now; `full` (for a page that just connected) sends every point and moves nothing. */
  frame(full = false): LiveFrame {
    const reset = full || this.#thinned;
    const points = reset ? this.#points.slice() : this.#points.slice(this.#sent);
    if (!full) {
      this.#sent = this.#points.length;
      this.#thinned = false;
    }
    const capacity = this.#capacity;
    const frame: LiveFrame = {
      id: this.id,
      t: this.#t,
      produced: this.#produced,
      consumed: this.#consumed,
      largest: this.#largest,
      held: this.#held,
      capacity,
      in: this.#produced % capacity,
      out: this.#consumed % capacity,
      actors: [...this.#actors.values()].map((a) => ({ ...a })),
      points,
      resetPoints: reset,
    };
    if (capacity <= MAX_SLOTS_SHOWN) {
      const slots = new Array<number | null>(capacity).fill(null);
      for (let i = 0; i < this.#queue.length; i++) slots[(frame.out + i) % capacity] = this.#queue[i];
      frame.slots = slots;
    }
    return frame;
  }

  #thin(): void {
    const kept: [number, number][] = [this.#points[0]];
    for (let i = 1; i < this.#points.length; i += 2) {
      const a = this.#points[i];
      const b = this.#points[i + 1];
      kept.push(b === undefined || a[1] >= b[1] ? a : b);
    }
    this.#points = kept;
    this.#thinned = true;
  }
}
