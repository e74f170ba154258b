// `conveyor run`'s flags: parsing and validation. Every bad input becomes one UsageError whose
// message names the flag and the bad value; the command prints it with the usage and exits 2.
import { parseArgs } from 'node:util';
import { joinValues, parseArgsMessage, wholeNumber } from '../cli/args.js';
import { MAX_CAPACITY as BUFFER_MAX_CAPACITY } from '../queue/bounded-buffer.js';
import { type RedisBackend, redisBackend } from './redis/options.js';

/** A sleep after each item, in milliseconds before --time-scale: fixed (min === max) or a range. */
export interface SleepRange {
  readonly min: number;
  readonly max: number;
}

export type RunMode = 'classic' | 'buffer';

export interface RunOptions {
  /** Items each producer makes. */
  items: number;
  capacity: number;
  producers: number;
  consumers: number;
  produceMs: SleepRange;
  consumeMs: SleepRange;
  /** Seed of the sleep draws (only matters for ranges). */
  seed: number;
  /** Multiplies every sleep. */
  timeScale: number;
  mode: RunMode;
  trace: string | undefined;
  chart: string | undefined;
  json: boolean;
  quiet: boolean;
  /** --backend redis://…: each actor its own OS process on a RedisBuffer (see run/redis/). */
  backend?: RedisBackend;
}

/** The seed's scenario: one producer (1 s per item) faster than one consumer (2.5 s), 20 items, 10 slots. */
export const SEED_DEFAULTS: Readonly<RunOptions> = Object.freeze({
  items: 20,
  capacity: 10,
  producers: 1,
  consumers: 1,
  produceMs: { min: 1000, max: 1000 },
  consumeMs: { min: 2500, max: 2500 },
  seed: 1,
  timeScale: 1,
  mode: 'classic',
  trace: undefined,
  chart: undefined,
  json: false,
  quiet: false,
});

export const MAX_ITEMS = 1_000_000;
/** The library's own limit, so that a run accepts every capacity a BoundedBuffer does. */
export const MAX_CAPACITY = BUFFER_MAX_CAPACITY;
export const MAX_ACTORS = 64;
const MAX_SLEEP_MS = 3_600_000;

export const USAGE = `Usage: conveyor run [options]

Replays the founding program's producer-consumer scenario on real worker threads: producers fill
a bounded buffer, consumers drain it, and you see who waits on which semaphore. The defaults are
that program's.

Options:
  --items N            items each producer makes (default 20)
  --capacity N         slots in the buffer (default 10)
  --producers N        producer threads (default 1)
  --consumers N        consumer threads (default 1)
  --produce-ms MS      a producer's sleep after each item: a number or a range MIN-MAX (default 1000)
  --consume-ms MS      a consumer's sleep after each item: a number or a range MIN-MAX (default 2500)
  --seed N             seed for the range draws, for repeatable runs (default 1)
  --time-scale F       multiply every sleep by F (0.01: the founding run in half a second; default 1)
  --mode MODE          classic: the founding program's ring and semaphores empty/full/mutex (default)
                       buffer: the same work through conveyor's BoundedBuffer
  --trace FILE         write every event as a JSON line to FILE
  --backend URL        redis://HOST:PORT: each producer and consumer its own OS process on a RedisBuffer
  --role ROLE          with --backend: run only the producers or only the consumers here
  --name QUEUE         with --backend: the queue's name in Redis (default conveyor-run)
  --chart FILE.svg     draw the run as an SVG chart in FILE.svg
  --json               print the summary as one JSON object on stdout, and no log lines
  --quiet              print no log lines, live view or summary
  --web                show the run live on a page served from 127.0.0.1 (docs/page.md)
  -h, --help           show this help
  -v, --version        show conveyor's version

Examples:
  conveyor run                                   the founding run, live (about 50 s)
  conveyor run --time-scale 0.01                 the same, in about half a second
  conveyor run --producers 3 --consumers 2 --consume-ms 100-400 --seed 7 --chart run.svg`;

/** Bad command-line input: the command prints the message and the usage, and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_CONVEYOR_USAGE';
}

export type ParsedRunArgs =
  | { readonly kind: 'run'; readonly options: RunOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

const VALUE_FLAGS = [
  'items',
  'capacity',
  'producers',
  'consumers',
  'produce-ms',
  'consume-ms',
  'seed',
  'time-scale',
  'mode',
  'trace',
  'chart',
  'backend',
  'role',
  'name',
] as const;

/** Parses `conveyor run`'s arguments; throws UsageError on anything it cannot use. */
export function parseRunArgs(argv: readonly string[]): ParsedRunArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: joinValues(argv, VALUE_FLAGS),
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(VALUE_FLAGS.map((name) => [name, { type: 'string' as const }])),
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (error) {
    throw new UsageError(parseArgsMessage(error, 'conveyor run'));
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const d = SEED_DEFAULTS;
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const options: RunOptions = {
    items: integer('--items', text('items'), 1, MAX_ITEMS, d.items),
    capacity: integer('--capacity', text('capacity'), 1, MAX_CAPACITY, d.capacity),
    producers: integer('--producers', text('producers'), 1, MAX_ACTORS, d.producers),
    consumers: integer('--consumers', text('consumers'), 1, MAX_ACTORS, d.consumers),
    produceMs: sleepRange('--produce-ms', text('produce-ms'), d.produceMs),
    consumeMs: sleepRange('--consume-ms', text('consume-ms'), d.consumeMs),
    seed: integer('--seed', text('seed'), 0, 0xffffffff, d.seed),
    timeScale: timeScale(text('time-scale')),
    mode: mode(text('mode')),
    trace: fileName('--trace', text('trace')),
    chart: chartName(text('chart')),
    json: values.json === true,
    quiet: values.quiet === true,
  };
  const backend = redisBackend(text('backend'), text('role'), text('name'));
  if (backend !== undefined) {
    if (text('mode') === 'classic')
      throw new UsageError('--backend runs on a RedisBuffer: leave out --mode classic');
    options.backend = backend;
    options.mode = 'buffer';
  }
  return { kind: 'run', options };
}

function integer(flag: string, text: string | undefined, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  const value = wholeNumber(text);
  if (value === undefined || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

function milliseconds(flag: string, text: string, whole: string): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || value > MAX_SLEEP_MS) {
    throw new UsageError(
      `${flag} must be milliseconds from 0 to ${MAX_SLEEP_MS}, or a range MIN-MAX such as 100-400, got '${whole}'`,
    );
  }
  return value;
}

function sleepRange(flag: string, text: string | undefined, fallback: SleepRange): SleepRange {
  if (text === undefined) return fallback;
  const parts = text.trim().split('-');
  if (parts.length === 1) {
    const ms = milliseconds(flag, parts[0], text);
    return { min: ms, max: ms };
  }
  if (parts.length === 2) {
    const min = milliseconds(flag, parts[0], text);
    const max = milliseconds(flag, parts[1], text);
    if (min > max) throw new UsageError(`${flag}: the range's MIN must not exceed its MAX, got '${text}'`);
    return { min, max };
  }
  return milliseconds(flag, '', text) as never; // throws with the usual message
}

function timeScale(text: string | undefined): number {
  if (text === undefined) return SEED_DEFAULTS.timeScale;
  const value = /^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || value < 0 || value > 1000) {
    throw new UsageError(`--time-scale must be a number from 0 to 1000 (such as 0.01), got '${text}'`);
  }
  return value;
}

function mode(text: string | undefined): RunMode {
  if (text === undefined) return SEED_DEFAULTS.mode;
  if (text === 'classic' || text === 'buffer') return text;
  throw new UsageError(`--mode must be 'classic' or 'buffer', got '${text}'`);
}

function fileName(flag: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') throw new UsageError(`${flag} needs a file name, got ''`);
  return text;
}

/** The chart is SVG: a name that asks for another format is refused rather than silently ignored. */
function chartName(text: string | undefined): string | undefined {
  const name = fileName('--chart', text);
  if (name !== undefined && !/\.svg$/i.test(name)) {
    throw new UsageError(`--chart draws SVG only: give a file name ending in .svg, got '${name}'`);
  }
  return name;
}
