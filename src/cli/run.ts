// `conveyor run`: the seed's producer-consumer scenario on real worker threads.
//
// stdout carries the seed's log lines and nothing else (or, with --json, one JSON summary);
// stderr carries the live view (only when it is a terminal), the summary and errors.
// Exit codes: 0 done, 1 failed, 2 bad input, 130 stopped by Ctrl-C (SIGINT).
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { ChartRecorder, renderChart } from '../run/chart.js';
import { LiveView, type TextSink } from '../run/live-view.js';
import { parseRunArgs, type RunOptions, USAGE, UsageError } from '../run/options.js';
import type { RunEvent } from '../run/protocol.js';
import { runScenario } from '../run/scenario.js';
import { formatSummary, RunTally, traceLine } from '../run/summary.js';

export interface RunIO {
  stdout: TextSink;
  stderr: TextSink;
  /** Where SIGINT is listened for (default: process); null to not listen. */
  signals?: Pick<NodeJS.Process, 'once' | 'off'> | null;
  /** Aborting it stops the run as Ctrl-C does (for tests and embedding). */
  signal?: AbortSignal;
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

export async function runCommand(
  argv: string[],
  io: RunIO = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  if (argv.includes('--web')) {
    const { runWebCommand } = await import('./run-web.js'); // the live page: src/web/
    return runWebCommand(
      argv.filter((arg) => arg !== '--web'),
      io,
    );
  }
  let parsed: ReturnType<typeof parseRunArgs>;
  try {
    parsed = parseRunArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`conveyor run: ${error.message}\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (parsed.kind === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (parsed.kind === 'version') {
    io.stdout.write(`${version()}\n`);
    return EXIT_OK;
  }
  const options = parsed.options;

  // Fail before a long run, not after it, when an output file cannot be written.
  let traceFile: TraceFile | undefined;
  try {
    if (options.chart !== undefined) writeFileSync(options.chart, '');
    if (options.trace !== undefined) traceFile = new TraceFile(options.trace);
  } catch (error) {
    io.stderr.write(
      `conveyor run: cannot write ${(error as Error & { path?: string }).path ?? 'the output'}: ${(error as Error).message}\n`,
    );
    return EXIT_FAILED;
  }

  const controller = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    controller.abort();
  };
  const signals = io.signals === undefined ? process : io.signals;
  signals?.once('SIGINT', onSigint);
  const onAbort = () => onSigint();
  io.signal?.addEventListener('abort', onAbort, { once: true });

  const logging = !options.json && !options.quiet;
  const actors = actorNames(options);
  const view = logging && io.stderr.isTTY === true ? new LiveView(io.stderr, options, actors) : undefined;
  const onEvent = (event: RunEvent) => {
    view?.update(event);
    if (!logging) return;
    const line = logLine(event, options);
    if (line === undefined) return;
    if (view !== undefined) view.above(io.stdout, line);
    else io.stdout.write(line);
  };

  // Nothing below keeps the events: the tally counts, the chart thins, the trace streams.
  const tally = new RunTally(actors);
  const chart = options.chart === undefined ? undefined : new ChartRecorder(actors);
  const onActorEvent = (event: RunEvent) => {
    tally.add(event);
    chart?.add(event);
  };
  const onTimeOrdered = traceFile === undefined ? undefined : (event: RunEvent) => traceFile.add(event);

  let result: Awaited<ReturnType<typeof runScenario>>;
  try {
    view?.start();
    const hooks = { onEvent, onActorEvent, onTimeOrdered, signal: controller.signal };
    result =
      options.backend === undefined
        ? await runScenario(options, hooks)
        : await (await import('../run/redis/scenario.js')).runRedisScenario(options, hooks); // loads ioredis only here
  } catch (error) {
    view?.stop();
    traceFile?.close(false);
    io.stderr.write(`conveyor run: the run failed: ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT_FAILED;
  } finally {
    signals?.off('SIGINT', onSigint);
    io.signal?.removeEventListener('abort', onAbort);
  }
  view?.stop();

  const summary = tally.summarize(result);
  try {
    traceFile?.close();
    if (options.chart !== undefined) writeFileSync(options.chart, renderChart(chart!, result));
  } catch (error) {
    io.stderr.write(`conveyor run: cannot write the output: ${(error as Error).message}\n`);
    return EXIT_FAILED;
  }
  if (options.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (!options.quiet) io.stderr.write(`\n${formatSummary(summary)}\n`);
  if (interrupted) return EXIT_INTERRUPTED;
  return result.stopped ? EXIT_FAILED : EXIT_OK;
}

/** The seed's line for a produced or consumed event; the actor's number only when there are several. */
export function logLine(
  event: RunEvent,
  options: Pick<RunOptions, 'producers' | 'consumers'>,
): string | undefined {
  const index = event.actor.slice(event.actor.lastIndexOf('-') + 1);
  if (event.event === 'produced') {
    return `Producer${options.producers > 1 ? ` ${index}` : ''} produced: ${event.item}\n`;
  }
  if (event.event === 'consumed') {
    return `Consumer${options.consumers > 1 ? ` ${index}` : ''} consumed item: ${event.item}\n`;
  }
  return undefined;
}

function actorNames(options: RunOptions): string[] {
  const names: string[] = [];
  for (let i = 1; i <= options.consumers; i++) names.push(`consumer-${i}`);
  for (let i = 1; i <= options.producers; i++) names.push(`producer-${i}`);
  const role = options.backend?.role; // --role: only that side runs here
  return role === undefined ? names : names.filter((name) => name.startsWith(role));
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The trace file, written as the run goes, in chunks (one JSON line per trace event). */
export class TraceFile {
  readonly #fd: number;
  #pending = '';
  /** The first write error; later lines are dropped and close() throws it. */
  #error: unknown;

  constructor(path: string) {
    this.#fd = openSync(path, 'w');
  }

  add(event: RunEvent): void {
    const line = traceLine(event);
    if (line === undefined) return;
    this.#pending += `${line}\n`;
    if (this.#pending.length >= 64 * 1024) this.#write();
  }

  close(write = true): void {
    if (write) this.#write();
    closeSync(this.#fd);
    if (write && this.#error !== undefined) throw this.#error;
  }

  #write(): void {
    if (this.#error === undefined) {
      try {
        writeSync(this.#fd, this.#pending);
      } catch (error) {
        this.#error = error; // a full disk must not crash the run: said once, at the end
      }
    }
    this.#pending = '';
  }
}
