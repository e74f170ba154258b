// `conveyor check`: explore every interleaving of a producer-consumer model and report the first
// bug with its shortest trace, or replay a schedule step by step.
// Exit codes: 0 the model holds (or a replay breaks nothing), 1 a violation, 2 bad input.

import { parseArgs } from 'node:util';
import { ModelError, ScheduleError } from '../check/errors.js';
import { explore, replay } from '../check/explore.js';
import { formatReplay, formatVerdict } from '../check/format.js';
import type { ModelParams } from '../check/model.js';
import { buildModel, DEFAULT_PARAMS, MODELS } from '../check/models.js';
import { parseSchedule } from '../check/schedule.js';

const USAGE = `Usage: conveyor check [--model NAME] [--producers N] [--consumers N] [--capacity N] [--items N] [--json]
       conveyor check --replay SCHEDULE [--json]
       conveyor check --list

Explores every interleaving of a model's threads and prints the verdict; for a violation, the
shortest trace and a schedule string that --replay runs again step by step.

Options:
  --model NAME          a built-in model (default seed); --list names them
  --producers N         producer threads (default ${DEFAULT_PARAMS.producers})
  --consumers N         consumer threads (default ${DEFAULT_PARAMS.consumers})
  --capacity N          buffer slots (default ${DEFAULT_PARAMS.capacity})
  --items N             items per producer (default ${DEFAULT_PARAMS.items})
  --max-preemptions N   explore only schedules with at most N preemptions
  --max-states N        give up (exit 1, INCOMPLETE) after N states (default 5000000)
  --replay SCHEDULE     run one schedule, e.g. no-mutex:2,2,2,2:000111
  --json                print one JSON object instead of text
  --list                print the models

Exit status: 0 the model holds, 1 a violation (or an incomplete search), 2 bad input.`;

class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_CHECK_USAGE';
}

function count(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${text}'`);
  }
  return Number(text);
}

export async function checkCommand(argv: string[]): Promise<number> {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  try {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (error) {
      if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
        throw new UsageError(error.message.split('\n')[0]);
      }
      throw error;
    }
    const { values, positionals } = parsed;
    if (values.help) {
      out(USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.list) {
      const width = Math.max(...Object.keys(MODELS).map((n) => n.length));
      for (const [name, summary] of Object.entries(MODELS)) out(`${name.padEnd(width)}  ${summary}`);
      return 0;
    }
    const json = values.json === true;
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
      return replayed.violation === undefined ? 0 : 1;
    }
    const params: Partial<ModelParams> = {};
    for (const key of ['producers', 'consumers', 'capacity', 'items'] as const) {
      const n = count(key, values[key], 1);
      if (n !== undefined) params[key] = n;
    }
    const model = buildModel(values.model ?? 'seed', params);
    const verdict = explore(model, {
      maxPreemptions: count('max-preemptions', values['max-preemptions'], 0),
      maxStates: count('max-states', values['max-states'], 1),
    });
    if (json) {
      const { violation, ...rest } = verdict;
      const body =
        violation === undefined ? rest : { ...rest, violation: { ...violation, steps: undefined } };
      out(JSON.stringify({ ...body, params: model.params, schedule: violation?.schedule ?? null }));
    } else {
      out(formatVerdict(model, verdict));
    }
    return verdict.status === 'holds' ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ModelError || error instanceof ScheduleError) {
      process.stderr.write(`conveyor check: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
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
