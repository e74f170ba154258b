// Reading a WorkerPool's results back: while any task is awaited, one loop takes returned tickets
// from the results buffer (in batches, each wait bounded by RECHECK_MS), frees each ticket and
// delivers its outcome to its entry. Main thread only.
import { TimeoutError } from '../errors.js';
import type { SlotCodec } from '../queue/codec.js';
import type { BoundedBuffer } from './buffer.js';
import type { Entry } from './entry.js';
import type { Line } from './line.js';
import { OK, RECHECK_MS, SKIPPED } from './protocol.js';
import { type ErrorShape, fromShape } from './remote-error.js';

/** The reason the loop's wait is called off with (a constant: an AbortError costs a stack). */
const STOP_READING = Symbol('nothing awaited');
/** Results read back per wake of the main thread. */
const RESULTS_PER_READ = 1024;

/** What reading results needs from its pool. */
export interface ResultsHost {
  /** Entries not settled yet: the loop runs (holding the process open) while this is above 0. */
  unsettled(): number;
  /** Delivers an entry's outcome, once. */
  settle(entry: Entry, ok: boolean, value: unknown): void;
  /** Counts a task's outcome (for stats). */
  countOutcome(ok: boolean): void;
}

export class ResultReader {
  readonly #results: BoundedBuffer<number>;
  readonly #control: Int32Array;
  /** Where the outcome words start in `control`. */
  readonly #outcomes: number;
  readonly #codec: SlotCodec<unknown>;
  readonly #line: Line;
  readonly #host: ResultsHost;
  #collecting = false;
  #abort: AbortController | undefined;

  constructor(
    results: BoundedBuffer<number>,
    control: Int32Array,
    outcomes: number,
    codec: SlotCodec<unknown>,
    line: Line,
    host: ResultsHost,
  ) {
    this.#results = results;
    this.#control = control;
    this.#outcomes = outcomes;
    this.#codec = codec;
    this.#line = line;
    this.#host = host;
  }

  /** Starts the loop, unless it runs already. */
  collect(): void {
    if (this.#collecting) return;
    this.#collecting = true;
    void this.#loop();
  }

  /** Nothing is awaited any more: ends the loop's wait now, so it stops holding the process open. */
  stop(): void {
    this.#abort?.abort(STOP_READING);
  }

  /** Reads back, without waiting, every ticket that is in the results buffer now. */
  readWhatIsThere(): void {
    for (let got = this.#results.tryGet(); got.ok; got = this.#results.tryGet()) this.readBack([got.value]);
  }

  async #loop(): Promise<void> {
    try {
      while (this.#host.unsettled() > 0) {
        const abort = new AbortController();
        this.#abort = abort;
        let tickets: number[];
        try {
          tickets = await this.#results.getMany(RESULTS_PER_READ, {
            signal: abort.signal,
            timeout: RECHECK_MS,
          });
        } catch (error) {
          if (abort.signal.aborted || error instanceof TimeoutError) continue;
          throw error;
        }
        this.readBack(tickets);
      }
    } finally {
      this.#collecting = false;
      this.#abort = undefined;
    }
  }

  /** Takes returned tickets: frees each and delivers its outcome to its entry, if still awaited. */
  readBack(tickets: number[]): void {
    const control = this.#control;
    const line = this.#line;
    for (const ticket of tickets) {
      const entry = line.entries[ticket];
      line.entries[ticket] = undefined;
      const outcome = control[this.#outcomes + ticket];
      let ok = outcome === OK;
      let value: unknown;
      if (entry !== undefined && !entry.settled && outcome !== SKIPPED) {
        try {
          value = this.#codec.decode(this.#codec.take(ticket));
          if (!ok) value = fromShape(value as ErrorShape);
        } catch (error) {
          ok = false;
          value = error;
        }
      }
      line.release(ticket); // after the payload is read: the ticket's slot may be reused at once
      if (entry === undefined || entry.settled) continue;
      if (outcome === SKIPPED) {
        this.#host.settle(entry, false, new Error('the task was skipped'));
        continue;
      }
      this.#host.countOutcome(ok);
      this.#host.settle(entry, ok, value);
    }
    line.pump();
  }
}
