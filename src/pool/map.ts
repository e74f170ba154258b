// pool.map(): streams a source (any iterable or async iterable, possibly endless) through the
// pool and yields the results, in order or as they complete, with memory bounded by a window.
//
// Invariants (one thread: the main one):
//   - inFlight = tasks submitted − results consumed ≤ window, so at most `window` tasks, results
//     and reorder places exist at once, whatever the source's length;
//   - ordered: the result of task i is yielded only after those of tasks 0..i-1; places are
//     indexed i % window, and i − nextOut < window while task i is in flight;
//   - every submitted entry is in `pending` until it settles; stop() cancels whatever is there.
import type { Entry, Sink } from './entry.js';

export interface MapHooks {
  submit(task: unknown, index: number, sink: Sink): Entry;
  cancel(entry: Entry, reason: unknown): void;
}

type Outcome = { ok: boolean; value: unknown };

export class MapRun<R> implements Sink {
  readonly #window: number;
  readonly #ordered: boolean;
  readonly #hooks: MapHooks;
  readonly #signal: AbortSignal | undefined;
  readonly #source: Iterator<unknown> | AsyncIterator<unknown>;
  readonly #sync: boolean;
  readonly #pending = new Set<Entry>();
  /** Ordered: outcomes by index % window. Unordered: outcomes in arrival order, from #head. */
  readonly #places: (Outcome | undefined)[];
  #arrived: Outcome[] = [];
  #head = 0;
  #nextIn = 0;
  #nextOut = 0;
  #inFlight = 0;
  /** The source is exhausted (or failed: #failure), no more tasks come. */
  #sourceDone = false;
  #failure: { error: unknown } | undefined;
  #stopped = false;
  #aborted: { reason: unknown } | undefined;
  #feeding = false;
  #wakeConsumer: (() => void) | undefined;

  constructor(
    source: Iterable<unknown> | AsyncIterable<unknown>,
    ordered: boolean,
    window: number,
    signal: AbortSignal | undefined,
    hooks: MapHooks,
  ) {
    const asyncIterator = (source as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator];
    const syncIterator = (source as Iterable<unknown> | null)?.[Symbol.iterator];
    if (typeof asyncIterator !== 'function' && typeof syncIterator !== 'function') {
      throw new TypeError(
        `map() needs an iterable or async iterable source, got ${source === null ? 'null' : typeof source}`,
      );
    }
    if (signal?.aborted) throw signal.reason;
    this.#sync = typeof asyncIterator !== 'function';
    this.#source = this.#sync
      ? (syncIterator as () => Iterator<unknown>).call(source)
      : (asyncIterator as () => AsyncIterator<unknown>).call(source);
    this.#ordered = ordered;
    this.#window = window;
    this.#signal = signal;
    this.#hooks = hooks;
    this.#places = ordered ? new Array(window).fill(undefined) : [];
  }

  /** The results, as an async iterator whose return() (a `break`) stops the run. */
  async *results(): AsyncIterableIterator<R> {
    const onAbort = () => {
      this.#aborted = { reason: this.#signal!.reason };
      this.#fail(this.#signal!.reason);
    };
    this.#signal?.addEventListener('abort', onAbort, { once: true });
    try {
      this.#feed();
      for (;;) {
        if (this.#aborted !== undefined) throw this.#aborted.reason;
        const outcome = this.#take();
        if (outcome !== undefined) {
          if (!outcome.ok) throw outcome.value;
          yield outcome.value as R;
          continue;
        }
        if (this.#inFlight === 0 && this.#sourceDone) {
          if (this.#failure !== undefined) throw this.#failure.error;
          return;
        }
        await new Promise<void>((resolve) => {
          this.#wakeConsumer = resolve;
        });
      }
    } finally {
      this.#signal?.removeEventListener('abort', onAbort);
      await this.#stop();
    }
  }

  /** The next outcome that may be yielded now, if any (and lets the feeder go on). */
  #take(): Outcome | undefined {
    let outcome: Outcome | undefined;
    if (this.#ordered) {
      const place = this.#nextOut % this.#window;
      outcome = this.#places[place];
      if (outcome === undefined) return undefined;
      this.#places[place] = undefined;
      this.#nextOut++;
    } else {
      if (this.#head === this.#arrived.length) return undefined;
      outcome = this.#arrived[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#arrived.length) {
        this.#arrived = this.#arrived.slice(this.#head);
        this.#head = 0;
      }
    }
    this.#inFlight--;
    // Refill once half the window is free: one feeder wake per half window, not per result.
    if (!this.#feeding && !this.#sourceDone && this.#inFlight <= this.#window >> 1) this.#feed();
    return outcome;
  }

  /** Sink: a task's outcome arrived. */
  settle(entry: Entry, ok: boolean, value: unknown): void {
    this.#pending.delete(entry);
    if (this.#stopped) return;
    const outcome = { ok, value };
    if (this.#ordered) this.#places[entry.index % this.#window] = outcome;
    else this.#arrived.push(outcome);
    this.#wake();
  }

  #wake(): void {
    const wake = this.#wakeConsumer;
    this.#wakeConsumer = undefined;
    wake?.();
  }

  /** Pulls tasks from the source and submits them while the window has room. */
  #feed(): void {
    this.#feeding = true;
    void this.#feedLoop();
  }

  async #feedLoop(): Promise<void> {
    try {
      while (!this.#stopped && !this.#sourceDone && this.#inFlight < this.#window) {
        const next = this.#sync
          ? (this.#source as Iterator<unknown>).next()
          : await (this.#source as AsyncIterator<unknown>).next();
        if (this.#stopped) break;
        if (next.done) {
          this.#sourceDone = true;
          break;
        }
        this.#pending.add(this.#hooks.submit(next.value, this.#nextIn, this)); // throws for a task the codec cannot carry
        this.#nextIn++;
        this.#inFlight++;
      }
      if (this.#stopped && !this.#sourceDone) await this.#closeSource(); // #stop left it to us
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#feeding = false;
      this.#wake();
    }
  }

  /** The source (or a submit) failed, or the signal aborted: no more tasks; the error ends the iteration. */
  #fail(error: unknown): void {
    this.#failure ??= { error };
    this.#sourceDone = true;
    // Ordered results already in flight still come first; the error ends the iteration after them.
    this.#wake();
  }

  /** Ends the run: cancels the tasks in flight and closes the source. */
  async #stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const reason = this.#failure?.error ?? new DOMException('map() was stopped', 'AbortError');
    for (const entry of this.#pending) this.#hooks.cancel(entry, reason);
    this.#pending.clear();
    // An async source's next() still pending: the feeder closes it once that settles (an async
    // generator would queue our return() behind it anyway).
    if (this.#feeding && !this.#sync) return;
    if (!this.#sourceDone || this.#failure !== undefined) await this.#closeSource();
  }

  async #closeSource(): Promise<void> {
    this.#sourceDone = true;
    try {
      await this.#source.return?.();
    } catch {
      // The source's own cleanup failed; the map is over either way.
    }
  }
}
