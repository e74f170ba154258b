// A `conveyor check --json` result (or a `--replay --json` one) as steps to view: the schedule it
// names is replayed on the model again, so every step's memory comes from the model itself.
import { ModelError, ScheduleError } from '../check/errors.js';
import { replay } from '../check/explore.js';
import { formatParams } from '../check/format.js';
import { Machine } from '../check/machine.js';
import type { Model } from '../check/model.js';
import { buildModel } from '../check/models.js';
import { parseSchedule } from '../check/schedule.js';
import { type ViewDoc, ViewFileError, type ViewStep } from './view-doc.js';

/** True when `value` looks like what `conveyor check --json` prints (it names a schedule or a status). */
export function isCheckResult(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && ('schedule' in value || 'status' in value);
}

export function counterexampleDoc(file: string, result: Record<string, unknown>): ViewDoc {
  const schedule = result.schedule;
  if (schedule === null || schedule === undefined) {
    const status = typeof result.status === 'string' ? result.status : 'unknown';
    throw new ViewFileError(
      `${file}: this check result has no counterexample to replay (status '${status}'): only a violation carries a schedule`,
    );
  }
  if (typeof schedule !== 'string') {
    throw new ViewFileError(`${file}: 'schedule' must be a string such as no-mutex:2,2,2,2:000111`);
  }
  let model: Model;
  let replayed: ReturnType<typeof replay>;
  try {
    const parsed = parseSchedule(schedule);
    model = buildModel(parsed.model, parsed.params ?? {});
    replayed = replay(model, schedule);
  } catch (error) {
    if (error instanceof ScheduleError || error instanceof ModelError) {
      throw new ViewFileError(`${file}: cannot replay schedule '${schedule}': ${error.message}`);
    }
    throw error;
  }
  const states = threadStates(model, schedule);
  const steps: ViewStep[] = replayed.trace.map((s, i) => ({
    step: s.step,
    thread: s.thread,
    action: s.action,
    memory: s.memory,
    threads: states[i],
  }));
  const v = replayed.violation;
  return {
    kind: 'counterexample',
    file,
    title: `model ${model.name}: ${formatParams(model.params)}`,
    threads: model.threads.map((t) => t.name),
    derived: false,
    notes: [
      model.summary,
      `schedule ${schedule} (conveyor check --replay ${schedule} prints the same steps)`,
    ],
    steps,
    violation:
      v === undefined ? null : { step: steps.length, kind: v.kind, message: v.message, thread: v.thread },
  };
}

/** After each step of the schedule, what every thread does next: runs, is blocked, or is done. */
function threadStates(model: Model, schedule: string): Record<string, string>[] {
  const machine = new Machine(model);
  const state = machine.initial();
  const out: Record<string, string>[] = [];
  for (const t of parseSchedule(schedule).steps) {
    const problem = machine.apply(state, t);
    if (problem !== undefined) {
      // The step that broke a check leaves the state half-updated: its thread's next step means nothing.
      const states = describe(machine, state);
      if (problem.thread >= 0)
        states[model.threads[problem.thread].name] = `broke the check: ${problem.kind}`;
      out.push(states);
      break;
    }
    out.push(describe(machine, state));
  }
  return out;
}

function describe(machine: Machine, state: Int32Array): Record<string, string> {
  const threads: Record<string, string> = {};
  machine.model.threads.forEach((thread, t) => {
    const next = machine.stepOf(state, t).text;
    if (machine.finished(state, t)) threads[thread.name] = 'done';
    else if (machine.enabled(state, t)) threads[thread.name] = `ready: ${next}`;
    else threads[thread.name] = `blocked on ${next}`;
  });
  return threads;
}
