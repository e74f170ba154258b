// Text for people: verdicts, traces and replays as `conveyor check` prints them.

import type { Replay, TraceStep, Verdict } from './explore.js';
import type { MemorySnapshot } from './machine.js';
import type { Model, ModelParams } from './model.js';

const WAITING_BIT = 1 << 31;
const RUN_BIT = 1 << 30;

function word(value: number): string {
  // Bits 31 and 30 are flags in the models that use them (a stamp's WAITING bit and RUN mark):
  // show them apart.
  const flags = `${(value & RUN_BIT) !== 0 ? '+R' : ''}${(value & WAITING_BIT) !== 0 ? '+W' : ''}`;
  return flags === '' ? String(value) : `${value & 0x3fffffff}${flags}`;
}

/** `empty=1 full=0 mutex=p1 in=1 out=0 buffer=[p1#1 ·]` */
export function formatMemory(memory: MemorySnapshot): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(memory.semaphores)) parts.push(`${name}=${value}`);
  for (const [name, holder] of Object.entries(memory.mutexes)) parts.push(`${name}=${holder ?? 'free'}`);
  for (const [name, value] of Object.entries(memory.words)) {
    parts.push(`${name}=${Array.isArray(value) ? `[${value.map(word).join(' ')}]` : word(value)}`);
  }
  for (const [name, slots] of Object.entries(memory.buffers)) parts.push(`${name}=[${slots.join(' ')}]`);
  return parts.join(' ');
}

export function formatParams(params: ModelParams | undefined): string {
  if (params === undefined) return '';
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(params.producers, 'producer')}, ${plural(params.consumers, 'consumer')}, capacity ${params.capacity}, ${plural(params.items, 'item')} each`;
}

export function formatTrace(trace: readonly TraceStep[]): string {
  const width = Math.max(4, ...trace.map((s) => s.action.length));
  const numberWidth = String(trace.length).length;
  return trace
    .map(
      (s) =>
        `  ${String(s.step).padStart(numberWidth)}. ${s.thread.padEnd(3)} ${s.action.padEnd(width)}  ${formatMemory(s.memory)}`,
    )
    .join('\n');
}

function rate(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `maxPreemptions`: the bound the search ran under, if any (a HOLDS then covers only those schedules). */
export function formatVerdict(
  model: Model,
  verdict: Verdict,
  maxPreemptions = Number.POSITIVE_INFINITY,
): string {
  const { stats } = verdict;
  const lines = [`model ${model.name}: ${formatParams(model.params)}`.trimEnd(), `  ${model.summary}`];
  const explored = `${rate(stats.states)} states, ${rate(stats.transitions)} transitions, ${stats.ms} ms (${rate(stats.statesPerSecond)} states/s)`;
  if (verdict.status === 'holds') {
    lines.push(
      `HOLDS: no deadlock, overflow, underflow, lost, duplicated or reordered item in any interleaving`,
      Number.isFinite(maxPreemptions)
        ? `  with at most ${maxPreemptions} preemption${maxPreemptions === 1 ? '' : 's'} (--max-preemptions): a proof for these sizes and those schedules only`
        : `  (a proof for these sizes only: larger ones are not covered)`,
      `explored ${explored}`,
    );
  } else if (verdict.status === 'incomplete') {
    const limit = verdict.stoppedBy === 'states' ? 'the state limit (--max-states)' : 'the memory limit';
    lines.push(
      `INCOMPLETE: stopped at ${limit} before exploring every interleaving; no violation in the`,
      `  states explored, but no proof either: try smaller sizes, --max-preemptions or --max-states`,
      `explored ${explored}`,
    );
  } else {
    const v = verdict.violation;
    lines.push(
      `VIOLATION (${v.kind}): ${v.message}`,
      v.shortest
        ? `found after ${explored}; shortest trace: ${v.trace.length} steps`
        : `found after ${explored}; trace: ${v.trace.length} steps`,
      ...(v.note === undefined ? [] : [`note: ${v.note}`]),
      '',
      formatTrace(v.trace),
      '',
      `schedule: ${v.schedule}`,
      `replay:   conveyor check --replay ${v.schedule}`,
    );
  }
  return lines.join('\n');
}

export function formatReplay(model: Model, schedule: string, replayed: Replay): string {
  const lines = [`replay of ${schedule}`, `model ${model.name}: ${formatParams(model.params)}`.trimEnd(), ''];
  lines.push(formatTrace(replayed.trace), '');
  if (replayed.violation !== undefined) {
    lines.push(`VIOLATION (${replayed.violation.kind}): ${replayed.violation.message}`);
  } else if (replayed.finished) {
    lines.push('every thread finished; no check broke');
  } else {
    lines.push('the schedule ends here; no check broke so far');
  }
  return lines.join('\n');
}
