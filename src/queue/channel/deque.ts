// The Channel's buffer: a FIFO deque over a power-of-two array, grown by doubling, whose `shift`
// is O(1) (never Array.shift) and clears the slot it frees so that the item can be collected.
// One thread only (the Channel's): no atomics, no locks.

/** A FIFO over a power-of-two array; `shift` is O(1) and clears the slot it frees. */
export class Deque<T> {
  #items: (T | undefined)[];
  #mask: number;
  /** Index of the oldest item. */
  #head = 0;
  length = 0;

  /** Room for `initial` items (at least 8) before the first growth. */
  constructor(initial: number) {
    let size = 8;
    while (size < initial) size *= 2;
    this.#items = new Array(size);
    this.#mask = size - 1;
  }

  push(item: T): void {
    if (this.length > this.#mask) this.#grow();
    this.#items[(this.#head + this.length) & this.#mask] = item;
    this.length++;
  }

  /** Call only when length > 0. */
  shift(): T {
    const head = this.#head;
    const item = this.#items[head] as T;
    this.#items[head] = undefined; // let the item be collected
    this.#head = (head + 1) & this.#mask;
    this.length--;
    return item;
  }

  /** Removes up to n items, oldest first, appending them to `out`; returns `out`. */
  shiftMany(n: number, out: T[]): T[] {
    const count = Math.min(n, this.length);
    for (let k = 0; k < count; k++) out.push(this.shift());
    return out;
  }

  #grow(): void {
    const old = this.#items;
    const size = old.length * 2;
    const items = new Array<T | undefined>(size);
    for (let k = 0; k < this.length; k++) items[k] = old[(this.#head + k) & this.#mask];
    this.#items = items;
    this.#mask = size - 1;
    this.#head = 0;
  }
}
