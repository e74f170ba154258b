// Schedule strings: one line that names a model, its parameters and the order its threads ran in,
// so a counterexample can be pasted into `conveyor check --replay`.
//
//   no-mutex:2,1,2,2:0101
//   ^model   ^producers,consumers,capacity,items   ^one character per step: the thread's index
//                                                   in base 36 (0-9, then a-z)
//
// A model built without parameters has an empty middle part: `my-model::0011`.

import { ScheduleError } from './errors.js';
import type { Model, ModelParams } from './model.js';

export interface ParsedSchedule {
  model: string;
  params?: ModelParams;
  steps: number[];
}

const PATTERN = /^([a-z][a-z0-9-]*):(?:(\d+),(\d+),(\d+),(\d+))?:([0-9a-z]+)$/;

export function formatSchedule(model: Model, steps: readonly number[]): string {
  const params = model.params;
  const middle =
    params === undefined ? '' : `${params.producers},${params.consumers},${params.capacity},${params.items}`;
  return `${model.name}:${middle}:${steps.map((t) => t.toString(36)).join('')}`;
}

export function parseSchedule(text: string): ParsedSchedule {
  if (typeof text !== 'string') throw new ScheduleError(`a schedule must be a string, got ${typeof text}`);
  const match = PATTERN.exec(text.trim());
  if (match === null) {
    throw new ScheduleError(
      `malformed schedule '${text.length > 60 ? `${text.slice(0, 60)}…` : text}': expected MODEL:P,C,K,N:STEPS, e.g. no-mutex:2,1,2,2:0101`,
    );
  }
  const [, model, p, c, k, n, steps] = match;
  const parsed: ParsedSchedule = { model, steps: Array.from(steps, (ch) => Number.parseInt(ch, 36)) };
  if (p !== undefined) {
    parsed.params = { producers: Number(p), consumers: Number(c), capacity: Number(k), items: Number(n) };
  }
  return parsed;
}
