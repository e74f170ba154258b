// One task submitted to a WorkerPool, from run() or map(), until its outcome is delivered.

/** Where an entry's outcome goes: run()'s promise, or a map()'s results. */
export interface Sink {
  settle(entry: Entry, ok: boolean, value: unknown): void;
}

export class Entry {
  /** Its ticket once it has one (it waits for room without one), else -1. */
  ticket = -1;
  /** True once its outcome went to the sink (a result, an error, a cancel): nothing more is delivered. */
  settled = false;
  /** The wait-for-room timer and the abort listener, removed once it is queued or settled. */
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;

  constructor(
    /** The task as given (handed back in errors). */
    readonly task: unknown,
    /** The task encoded by the pool's codec, ready to write in a payload slot. */
    readonly prepared: unknown,
    readonly sink: Sink,
    /** The map()'s index of the task (0 for run()). */
    readonly index = 0,
  ) {}

  /** Stops listening for timeout and abort (it was queued or settled). */
  unlisten(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.onAbort !== undefined) this.signal?.removeEventListener('abort', this.onAbort);
    this.onAbort = undefined;
  }
}

/** run()'s sink: one promise. */
export class PromiseSink implements Sink {
  constructor(
    private readonly resolve: (value: never) => void,
    private readonly reject: (reason: unknown) => void,
  ) {}
  settle(_entry: Entry, ok: boolean, value: unknown): void {
    if (ok) this.resolve(value as never);
    else this.reject(value);
  }
}
