// `conveyor run --web`'s runs: one scenario at a time on real worker threads, drawn on every open
// page. The events feed a LiveState on the server; pages get its frames (at most one per
// FLUSH_MS), so a page that opens late, or a run of a million items, costs the same as any other.
// "Run again" stops the current run (as Ctrl-C does) and starts the next one with new options.
import type { ServerResponse } from 'node:http';
import type { RunOptions } from '../run/options.js';
import { runScenario, type ScenarioHooks, type ScenarioResult } from '../run/scenario.js';
import { EventStream } from './event-stream.js';
import { LiveState } from './live-state.js';
import { formValues } from './run-form.js';

/** Frames are sent at most this often. */
const FLUSH_MS = 50;

/** What the command does with each run besides showing it: logging, tally, trace, chart. */
export interface RunHandlers extends Omit<ScenarioHooks, 'signal'> {
  /** The run ended (finished or stopped); returns what the page shows as its end. */
  finish(
    result: ScenarioResult,
  ): { stopped: boolean; elapsedMs: number } | Promise<{ stopped: boolean; elapsedMs: number }>;
  /** The run failed (a worker threw). */
  fail(error: unknown): void;
}

interface CurrentRun {
  options: RunOptions;
  actors: string[];
  state: LiveState;
  end?: { stopped?: boolean; elapsedMs?: number; error?: string };
  controller: AbortController;
  finished: Promise<void>;
}

export class LiveSession {
  readonly #stream = new EventStream();
  readonly #prepare: (options: RunOptions, actors: string[]) => RunHandlers;
  #current: CurrentRun | undefined;
  #nextId = 1;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #starting: Promise<void> = Promise.resolve();

  /** `prepare` makes each run's handlers (a fresh tally, trace file, … per run). */
  constructor(prepare: (options: RunOptions, actors: string[]) => RunHandlers) {
    this.#prepare = prepare;
  }

  /**
   * Stops the current run (if any), waits for its workers to exit, and starts one with `options`.
   * Calls are taken one at a time, so two quick "run again"s never leave two runs going.
   */
  start(options: RunOptions): Promise<void> {
    const next = this.#starting.then(() => this.#startNow(options));
    this.#starting = next.catch(() => {});
    return next;
  }

  async #startNow(options: RunOptions): Promise<void> {
    await this.stop();
    if (this.#closed) return;
    const actors = [
      ...Array.from({ length: options.consumers }, (_, i) => `consumer-${i + 1}`),
      ...Array.from({ length: options.producers }, (_, i) => `producer-${i + 1}`),
    ];
    const handlers = this.#prepare(options, actors);
    const run: CurrentRun = {
      options,
      actors,
      state: new LiveState(this.#nextId++, options, actors),
      controller: new AbortController(),
      finished: Promise.resolve(),
    };
    this.#current = run;
    this.#stream.send('run', this.#describe(run));
    run.finished = runScenario(options, {
      ...handlers,
      signal: run.controller.signal,
      onEvent: (event) => {
        run.state.add(event);
        handlers.onEvent?.(event);
        this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS);
      },
    }).then(
      async (result) => {
        this.#flush();
        const end = await handlers.finish(result);
        run.end = { stopped: end.stopped, elapsedMs: end.elapsedMs };
        this.#stream.send('end', { id: run.state.id, ...run.end });
      },
      (error: unknown) => {
        this.#flush();
        run.end = { error: (error as Error)?.message ?? String(error) };
        this.#stream.send('end', { id: run.state.id, ...run.end });
        handlers.fail(error);
      },
    );
  }

  /** Stops the current run and waits until its workers have exited. */
  async stop(): Promise<void> {
    const run = this.#current;
    if (run === undefined) return;
    run.controller.abort();
    await run.finished;
  }

  /** Streams runs to a page: the current run's description and state first. */
  attach(res: ServerResponse): void {
    this.#stream.attach(res, (send) => {
      const run = this.#current;
      if (run === undefined) return;
      send('run', this.#describe(run));
      send('frame', run.state.frame(true));
      if (run.end !== undefined) send('end', { id: run.state.id, ...run.end });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#starting;
    await this.stop();
    clearTimeout(this.#timer);
    this.#stream.close();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = this.#current;
    if (run !== undefined) this.#stream.send('frame', run.state.frame());
  }

  #describe(run: CurrentRun) {
    return {
      id: run.state.id,
      form: formValues(run.options),
      capacity: run.options.capacity,
      actors: run.actors,
    };
  }
}
