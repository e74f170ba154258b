// Puts a run's events in time order as they stream in, holding only those that a later event
// could still come before (so a trace of a million items needs no more memory than one of ten).
//
// Why it is safe to release an event at time t once t <= the watermark W, where
// W = min(each unfinished actor's latest `t` seen, the smallest `t` EventOrder still holds):
// every event still to come is either held by EventOrder now (t >= its held minimum; releasing
// it may only raise t) or not yet arrived from some unfinished actor a, whose events arrive in
// the order a made them, so its t >= a's latest t seen. A finished actor posts nothing more.

/** Events handed on in time order; equal times keep their log order. */
export class TimeOrder<E extends { t: number }> {
  readonly #latest = new Map<string, number>();
  readonly #heldMinT: () => number;
  readonly #emit: (event: E) => void;
  /** A binary min-heap on (t, arrival number). */
  readonly #heap: { t: number; n: number; event: E }[] = [];
  #arrivals = 0;

  constructor(actors: readonly string[], heldMinT: () => number, emit: (event: E) => void) {
    for (const actor of actors) this.#latest.set(actor, 0);
    this.#heldMinT = heldMinT;
    this.#emit = emit;
  }

  /** An actor's event arrived (in that actor's own order); `last` once it posted its final one. */
  saw(actor: string, t: number, last: boolean): void {
    if (last) this.#latest.delete(actor);
    else this.#latest.set(actor, t);
  }

  /** An event in log order, to be released in time order. */
  push(event: E): void {
    const heap = this.#heap;
    heap.push({ t: event.t, n: this.#arrivals++, event });
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  /** Releases every event that no later one can come before. */
  release(): void {
    if (this.#heap.length === 0) return;
    let watermark = this.#heldMinT();
    for (const t of this.#latest.values()) if (t < watermark) watermark = t;
    while (this.#heap.length > 0 && this.#heap[0].t <= watermark) this.#emit(this.#pop());
  }

  /** Releases everything (the run is over). */
  flush(): void {
    while (this.#heap.length > 0) this.#emit(this.#pop());
  }

  #pop(): E {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top.event;
  }
}

function less(a: { t: number; n: number }, b: { t: number; n: number }): boolean {
  return a.t < b.t || (a.t === b.t && a.n < b.n);
}
