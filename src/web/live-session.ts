// `conveyor run --web`'s runs: one scenario at a time on real worker threads, its events streamed
// to every open page. A page that opens late gets the current run's events so far; "run again"
// stops the current run (as Ctrl-C does) and starts the next one with the new options.
import type { ServerResponse } from 'node:http';
import type { RunOptions } from '../run/options.js';
import type { RunEvent } from '../run/protocol.js';
import { runScenario, type ScenarioResult } from '../run/scenario.js';
import { type RunSummary, summarize } from '../run/summary.js';
import { EventStream } from './event-stream.js';
import { formValues } from './run-form.js';

/** Events are sent in batches at most this often, so a fast run does not send one frame per event. */
const FLUSH_MS = 50;

export interface LiveHooks {
  /** Each event, in log order (the command writes the seed's log lines from it). */
  onEvent?: (event: RunEvent, options: RunOptions) => void;
  /** A run ended (finished or stopped). */
  onEnd?: (result: ScenarioResult, summary: RunSummary) => void | Promise<void>;
  /** A run failed (a worker threw). */
  onError?: (error: unknown) => void;
}

interface CurrentRun {
  id: number;
  options: RunOptions;
  actors: string[];
  events: RunEvent[];
  /** Sent to pages but not yet flushed. */
  pending: RunEvent[];
  end?: { summary?: RunSummary; error?: string };
  controller: AbortController;
  finished: Promise<void>;
}

export class LiveSession {
  readonly #stream = new EventStream();
  readonly #hooks: LiveHooks;
  #current: CurrentRun | undefined;
  #nextId = 1;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #starting: Promise<void> = Promise.resolve();

  constructor(hooks: LiveHooks = {}) {
    this.#hooks = hooks;
  }

  /** The options of the run now shown. */
  get options(): RunOptions | undefined {
    return this.#current?.options;
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
    const run: CurrentRun = {
      id: this.#nextId++,
      options,
      actors,
      events: [],
      pending: [],
      controller: new AbortController(),
      finished: Promise.resolve(),
    };
    this.#current = run;
    this.#stream.send('run', this.#describe(run));
    run.finished = runScenario(options, {
      signal: run.controller.signal,
      onEvent: (event) => {
        run.events.push(event);
        run.pending.push(event);
        this.#hooks.onEvent?.(event, options);
        this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS);
      },
    }).then(
      async (result) => {
        const summary = summarize(result);
        this.#flush();
        run.end = { summary };
        this.#stream.send('end', { id: run.id, ...run.end });
        await this.#hooks.onEnd?.(result, summary);
      },
      (error: unknown) => {
        this.#flush();
        run.end = { error: (error as Error)?.message ?? String(error) };
        this.#stream.send('end', { id: run.id, ...run.end });
        this.#hooks.onError?.(error);
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

  /** Streams runs to a page: the current run's start and events so far first. */
  attach(res: ServerResponse): void {
    this.#stream.attach(res, (send) => {
      const run = this.#current;
      if (run === undefined) return;
      send('run', this.#describe(run));
      const sent = run.events.slice(0, run.events.length - run.pending.length);
      if (sent.length > 0) send('events', { id: run.id, events: sent });
      if (run.end !== undefined) send('end', { id: run.id, ...run.end });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
    clearTimeout(this.#timer);
    this.#stream.close();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = this.#current;
    if (run === undefined || run.pending.length === 0) return;
    this.#stream.send('events', { id: run.id, events: run.pending });
    run.pending = [];
  }

  #describe(run: CurrentRun) {
    return {
      id: run.id,
      form: formValues(run.options),
      capacity: run.options.capacity,
      mode: run.options.mode,
      actors: run.actors,
    };
  }
}
