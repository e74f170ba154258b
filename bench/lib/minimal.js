// Minimal promise-based primitives written for the benchmark: the limit of what a plain JS
// implementation with no timeouts, signals, close or FIFO guarantees can do. Not part of conveyor.

const EMPTY = Symbol('empty');

/** An array read from a moving head index (Array.shift copies the array each call). */
class Fifo {
  constructor() {
    this.array = [];
    this.head = 0;
  }
  get length() {
    return this.array.length - this.head;
  }
  push(value) {
    this.array.push(value);
  }
  shift() {
    const value = this.array[this.head];
    this.array[this.head++] = undefined;
    if (this.head === this.array.length) {
      this.array = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.array.length) {
      this.array = this.array.slice(this.head);
      this.head = 0;
    }
    return value;
  }
}

/** A bounded channel: a FIFO of items and two FIFOs of waiting resolvers. */
export class MinimalChannel {
  static EMPTY = EMPTY;

  constructor(capacity) {
    this.capacity = capacity;
    this.items = new Fifo();
    this.getters = new Fifo();
    this.putters = new Fifo();
  }

  async put(item) {
    while (this.items.length >= this.capacity) await new Promise((resolve) => this.putters.push(resolve));
    this.items.push(item);
    if (this.getters.length > 0) this.getters.shift()();
  }

  async get() {
    while (this.items.length === 0) await new Promise((resolve) => this.getters.push(resolve));
    const item = this.items.shift();
    if (this.putters.length > 0) this.putters.shift()();
    return item;
  }

  tryPut(item) {
    if (this.items.length >= this.capacity) return false;
    this.items.push(item);
    if (this.getters.length > 0) this.getters.shift()();
    return true;
  }

  /** Returns the item, or MinimalChannel.EMPTY. */
  tryGet() {
    if (this.items.length === 0) return EMPTY;
    const item = this.items.shift();
    if (this.putters.length > 0) this.putters.shift()();
    return item;
  }
}

/** A counting semaphore: a number and a FIFO of waiting resolvers. */
export class MinimalSemaphore {
  constructor(permits) {
    this.permits = permits;
    this.waiters = new Fifo();
  }

  acquire() {
    if (this.permits > 0) {
      this.permits--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release() {
    if (this.waiters.length > 0) this.waiters.shift()();
    else this.permits++;
  }
}
