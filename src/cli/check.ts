// `conveyor check`: explore every interleaving of a producer-consumer model and report the first
// bug with its shortest trace, or replay a schedule step by step.
// Exit codes: 0 the model holds (or a replay breaks nothing), 1 a violation, 2 bad input,
// 3 an incomplete search.

import { parseArgs } from 'node:util';
import { ModelError, ScheduleError } from '../check/errors.js';
import { explore, replay } from '../check/explore.js';
import { formatReplay, formatVerdict } from '../check/format.js';
import type { ModelParams } from '../check/model.js';
import {
  buildModel,
  CONVEYOR_BUFFER_DEFAULT_PARAMS,
  DEFAULT_PARAMS,
  defaultParams,
  MODEL_ALIASES,
  MODELS,
  PARAM_LIMITS,
} from '../check/models.js';
import { parseSchedule } from '../check/schedule.js';
import { joinValues, parseArgsMessage, wholeNumber } from './args.js';

const VALUE_FLAGS = [
  'model',
  'producers',
  'consumers',
  'capacity',
  'items',
  'max-preemptions',
  'max-states',
  'replay',
] as const;

const range = (key: keyof ModelParams) => `${PARAM_LIMITS[key][0]} to ${PARAM_LIMITS[key][1]}`;
const defaults = (key: keyof ModelParams) =>
  DEFAULT_PARAMS[key] === CONVEYOR_BUFFER_DEFAULT_PARAMS[key]
    ? `default ${DEFAULT_PARAMS[key]}`
    : `default ${DEFAULT_PARAMS[key]}; ${CONVEYOR_BUFFER_DEFAULT_PARAMS[key]} for conveyor-buffer*`;

export const USAGE = `Usage: conveyor check [--model NAME] [--producers N] [--consumers N] [--capacity N] [--items N] [--json]
       conveyor check --replay SCHEDULE [--json]
       conveyor check --list [--json]

Explores every interleaving of a model's threads and prints the verdict; for a violation, the
shortest trace and a schedule string that --replay runs again step by step. A verdict covers the
sizes given, no others.

Options:
  --model NAME          a built-in model (default three-semaphores; seed is its old name);
                        --list names them
  --producers N         producer threads, ${range('producers')} (${defaults('producers')})
  --consumers N         consumer threads, ${range('consumers')} (${defaults('consumers')})
  --capacity N          buffer slots, ${range('capacity')} (${defaults('capacity')})
  --items N             items per producer, ${range('items')} (${defaults('items')})
  --max-preemptions N   explore only schedules with at most N preemptions
  --max-states N        stop (INCOMPLETE) after N states; it also bounds the search for the
                        shortest trace (default 5000000)
  --replay SCHEDULE     run one schedule, e.g. no-mutex:2,2,2,2:000111
  --json                print one JSON object instead of text
  --list                print the models
  -h, --help            show this help

Exit status: 0 the model holds, 1 a violation, 2 bad input, 3 an incomplete search (a limit was
reached first).`;

const EXIT_HOLDS = 0;
const EXIT_VIOLATION = 1;
const EXIT_USAGE = 2;
const EXIT_INCOMPLETE = 3;

class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_CHECK_USAGE';
}

function count(
  name: string,
  text: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (text === undefined) return undefined;
  const value = wholeNumber(text);
  if (value === undefined || value < min || value > max) {
    const limits = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be an integer ${limits}, got '${text}'`);
  }
  return value;
}

export async function checkCommand(argv: string[]): Promise<number> {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  try {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(joinValues(argv, VALUE_FLAGS));
    } catch (error) {
      throw new UsageError(parseArgsMessage(error, 'conveyor check'));
    }
    const { values } = parsed;
    if (values.help) {
      out(USAGE);
      return EXIT_HOLDS;
    }
    const json = values.json === true;
    if (values.list) {
      if (json) {
        const models = Object.entries(MODELS).map(([name, summary]) => ({
          name,
          summary,
          defaults: defaultParams(name),
        }));
        out(JSON.stringify({ models, aliases: MODEL_ALIASES }));
        return EXIT_HOLDS;
      }
      const width = Math.max(...Object.keys(MODELS).map((n) => n.length));
      for (const [name, summary] of Object.entries(MODELS)) out(`${name.padEnd(width)}  ${summary}`);
      for (const [alias, name] of Object.entries(MODEL_ALIASES)) {
        out(`${alias.padEnd(width)}  old name of ${name}, still accepted`);
      }
      return EXIT_HOLDS;
    }
    if (values.replay !== undefined) {
      const modelOptions = ['model', 'producers', 'consumers', 'capacity', 'items'] as const;
      const clash = modelOptions.find((o) => values[o] !== undefined);
      if (clash !== undefined)
        throw new UsageError(`--replay takes the model from the schedule; drop --${clash}`);
      const schedule = parseSchedule(values.replay);
      const model = buildModel(schedule.model, schedule.params ?? {});
      const replayed = replay(model, values.replay);
      out(
        json
          ? JSON.stringify({ schedule: values.replay, ...replayed })
          : formatReplay(model, values.replay, replayed),
      );
      return replayed.violation === undefined ? EXIT_HOLDS : EXIT_VIOLATION;
    }
    const params: Partial<ModelParams> = {};
    for (const key of ['producers', 'consumers', 'capacity', 'items'] as const) {
      const n = count(key, values[key], PARAM_LIMITS[key][0], PARAM_LIMITS[key][1]);
      if (n !== undefined) params[key] = n;
    }
    const model = buildModel(values.model ?? 'three-semaphores', params);
    const maxPreemptions = count('max-preemptions', values['max-preemptions'], 0);
    const verdict = explore(model, {
      maxPreemptions,
      maxStates: count('max-states', values['max-states'], 1),
    });
    if (json) {
      const body =
        verdict.status === 'violation'
          ? { ...verdict, violation: { ...verdict.violation, steps: undefined } }
          : verdict;
      out(
        JSON.stringify({
          ...body,
          params: model.params,
          schedule: verdict.status === 'violation' ? verdict.violation.schedule : null,
        }),
      );
    } else {
      out(formatVerdict(model, verdict, maxPreemptions));
    }
    if (verdict.status === 'holds') return EXIT_HOLDS;
    return verdict.status === 'violation' ? EXIT_VIOLATION : EXIT_INCOMPLETE;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ModelError || error instanceof ScheduleError) {
      process.stderr.write(`conveyor check: ${error.message}\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      model: { type: 'string' },
      producers: { type: 'string' },
      consumers: { type: 'string' },
      capacity: { type: 'string' },
      items: { type: 'string' },
      'max-preemptions': { type: 'string' },
      'max-states': { type: 'string' },
      replay: { type: 'string' },
      json: { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
