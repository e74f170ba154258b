// The line into a WorkerPool's queue: the tickets (protocol.ts) with their payload slots, and the
// tasks waiting for room, put in arrival order and in batches.
//
// Invariants (main thread only):
//   - a ticket is in `free`, or names an entry in `entries` (from its put until main reads it
//     back), or is in `requeue` (a dead worker's unstarted task), or waits in the one put of
//     `putting`: never two of these;
//   - waiting[waitingHead..] are the entries without a ticket yet, in arrival order (settled ones
//     are skipped when reached); at most one put waits for room at a time, the line's head's;
//   - putSeq[t] is t's place among every put into the tasks buffer (only main puts), which lets
//     a dead worker's leftovers be told apart (see WorkerPool's #sweepOrphans).
import { TimeoutError } from '../errors.js';
import type { SlotCodec } from '../queue/codec.js';
import type { BoundedBuffer } from './buffer.js';
import type { Entry } from './entry.js';
import { CANCELLED, FREE, QUEUED, RECHECK_MS } from './protocol.js';

/** What the line needs from its pool. */
export interface LineHost {
  /** Entries not settled yet. */
  unsettled(): number;
  /** close({ immediate: true }) has run: it took back every ticket that was in the queue. */
  closedNow(): boolean;
  /** Starts reading results back (each frees a ticket, and pumps again). */
  collect(): void;
  /** Delivers an entry's outcome (here: refused, the queue closed under its put). */
  settle(entry: Entry, ok: boolean, value: unknown): void;
}

export class Line {
  readonly entries: (Entry | undefined)[];
  readonly free: number[] = [];
  readonly putSeq: number[];
  putCount = 0;
  waiting: Entry[] = [];
  waitingHead = 0;
  /** Tickets of a dead worker's unstarted tasks, to put back before anything new. */
  readonly requeue: number[] = [];
  /** The entry (or requeued ticket) whose put waits for room, and how to call that put off. */
  putting: { entry: Entry | undefined; abort: AbortController } | undefined;
  #pumpScheduled = false;
  /** Scratch for pump()'s batches. */
  readonly #batch: number[] = [];
  readonly #host: LineHost;

  constructor(
    readonly control: Int32Array,
    readonly codec: SlotCodec<unknown>,
    readonly tasks: BoundedBuffer<number>,
    readonly queue: number,
    tickets: number,
    host: LineHost,
  ) {
    this.entries = new Array(tickets).fill(undefined);
    this.putSeq = new Array(tickets).fill(0);
    for (let t = tickets - 1; t >= 0; t--) this.free.push(t);
    this.#host = host;
  }

  /** Hands `ticket` back: it names no entry any more, its state is FREE, and it can be taken again. */
  release(ticket: number): void {
    this.entries[ticket] = undefined;
    Atomics.store(this.control, ticket, FREE);
    this.free.push(ticket);
  }

  /** Entries waiting for room, not settled. */
  waitingCount(): number {
    let n = 0;
    for (let i = this.waitingHead; i < this.waiting.length; i++) if (!this.waiting[i].settled) n++;
    return n;
  }

  /** Adds to the line; the pump runs once the caller's synchronous stretch ends, to put a batch. */
  enqueue(entry: Entry): void {
    this.waiting.push(entry);
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.pump();
    });
  }

  /** timeout 0: queue now or not at all. */
  tryQueueNow(entry: Entry): boolean {
    this.pump(); // the line first: what is in it came before
    if (this.waitingHead < this.waiting.length || this.requeue.length > 0 || this.putting !== undefined) {
      return false; // others wait for room before it
    }
    const ticket = this.free.pop();
    if (ticket === undefined) return false;
    if (!this.#put(ticket, entry)) {
      this.free.push(ticket);
      return false;
    }
    return true;
  }

  /** Writes the entry's task in the ticket's slot and tries to put the ticket; false if the queue is full. */
  #put(ticket: number, entry: Entry): boolean {
    this.codec.write(ticket, entry.prepared);
    Atomics.store(this.control, ticket, QUEUED);
    if (!this.tasks.tryPut(ticket)) {
      Atomics.store(this.control, ticket, FREE);
      return false;
    }
    entry.ticket = ticket;
    this.entries[ticket] = entry;
    this.putSeq[ticket] = this.putCount++;
    return true;
  }

  /**
   * Moves waiting work into the queue while there is room and a free ticket: requeued tickets
   * first, then entries in arrival order. When the queue is full, one put waits for room.
   */
  pump(): void {
    if (this.putting !== undefined) return;
    while (this.requeue.length > 0) {
      if (!this.tasks.tryPut(this.requeue[0])) {
        this.#waitForRoom(undefined);
        return;
      }
      this.putSeq[this.requeue.shift()!] = this.putCount++;
    }
    const waiting = this.waiting;
    const control = this.control;
    const batch = this.#batch;
    while (this.waitingHead < waiting.length) {
      const head = waiting[this.waitingHead];
      if (head.settled) {
        this.waitingHead++;
        continue;
      }
      // As many as there is room for, in one putMany: one wake-up of a worker per batch, not per task.
      const room = this.queue - this.tasks.size;
      if (room <= 0) {
        // The put that waits for room needs a ticket too. With none free (every ticket is in the
        // queue, running, or a result not read back yet), reading results back frees one, and
        // pumps again.
        if (this.free.length === 0) this.#host.collect();
        else this.#waitForRoom(head);
        break;
      }
      let next = this.waitingHead;
      batch.length = 0;
      while (next < waiting.length && batch.length < room) {
        const entry = waiting[next];
        if (!entry.settled) {
          const ticket = this.free.pop();
          if (ticket === undefined) break;
          this.codec.write(ticket, entry.prepared);
          Atomics.store(control, ticket, QUEUED);
          entry.ticket = ticket;
          this.entries[ticket] = entry;
          batch.push(ticket);
        }
        next++;
      }
      if (batch.length === 0) {
        this.#host.collect(); // no free ticket: a result coming back frees one, and pumps again
        break;
      }
      try {
        this.tasks.putManySync(batch, { timeout: 0 });
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
        // The room seen was not all free yet (a worker still reading a slot): undo, and wait for room.
        for (const ticket of batch) {
          const entry = this.entries[ticket]!;
          entry.ticket = -1;
          this.entries[ticket] = undefined;
          Atomics.store(control, ticket, FREE);
          this.free.push(ticket);
        }
        this.#waitForRoom(head);
        break;
      }
      for (const ticket of batch) {
        this.putSeq[ticket] = this.putCount++;
        const entry = this.entries[ticket]!;
        if (entry.timer !== undefined) {
          clearTimeout(entry.timer); // the timeout is for waiting for room only
          entry.timer = undefined;
        }
      }
      this.waitingHead = next;
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > waiting.length) {
      this.waiting = waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
    if (this.#host.unsettled() > 0) this.#host.collect();
  }

  /** Puts the head of the line (a requeued ticket, or `entry`) with a put that waits for room. */
  #waitForRoom(entry: Entry | undefined): void {
    const abort = new AbortController();
    this.putting = { entry, abort };
    let ticket: number;
    if (entry === undefined) ticket = this.requeue[0];
    else {
      ticket = this.free.pop()!; // #pump just gave this one back
      this.codec.write(ticket, entry.prepared);
      Atomics.store(this.control, ticket, QUEUED);
      // Known before the put: a worker may run the task and its result be read back before the
      // put's callback below runs, and a result whose ticket names no entry would be dropped.
      this.entries[ticket] = entry;
    }
    this.tasks.put(ticket, { signal: abort.signal, timeout: RECHECK_MS }).then(
      () => {
        this.putting = undefined;
        if (this.#host.closedNow()) {
          // close({ immediate: true }) came between the put and this callback: it took the ticket back.
        } else if (entry === undefined) this.putSeq[this.requeue.shift()!] = this.putCount++;
        else {
          this.putSeq[ticket] = this.putCount++;
          this.waitingHead++;
          if (entry.timer !== undefined) clearTimeout(entry.timer);
          entry.timer = undefined;
          if (!entry.settled) entry.ticket = ticket;
          // Cancelled while its put was going through: the put won, so cancel it in the queue.
          // (Settled by its result, read back already: the ticket is free again, nothing to do.)
          else if (this.entries[ticket] === entry)
            Atomics.compareExchange(this.control, ticket, QUEUED, CANCELLED);
        }
        this.pump();
      },
      (error: unknown) => {
        this.putting = undefined;
        if (entry !== undefined) {
          if (this.entries[ticket] === entry) this.entries[ticket] = undefined;
          Atomics.store(this.control, ticket, FREE);
          this.free.push(ticket);
          // The queue closed under it; a TimeoutError is only our bounded wait: the pump tries again.
          if (!abort.signal.aborted && !(error instanceof TimeoutError))
            this.#host.settle(entry, false, error);
        }
        this.pump();
      },
    );
  }
}
