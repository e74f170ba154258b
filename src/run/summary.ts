// From a run's events to what a person reads: each actor's timeline (working, sleeping, waiting
// on a semaphore), the occupancy over time, and the summary with its text and JSON forms.
import type { RunOptions } from './options.js';
import { type RunEvent, type SemaphoreName, TRACE_EVENTS } from './protocol.js';
import type { ScenarioResult } from './scenario.js';

export type ActorState = 'working' | 'sleeping' | 'waiting' | 'done';

/** One stretch of an actor's time in one state. */
export interface Segment {
  from: number;
  to: number;
  state: Exclude<ActorState, 'done'>;
  on?: SemaphoreName;
}

/** The state an actor enters with each event. */
export function stateAfter(event: RunEvent): { state: ActorState; on?: SemaphoreName } {
  switch (event.event) {
    case 'wait':
      return { state: 'waiting', on: event.on };
    case 'sleep':
      return { state: 'sleeping' };
    case 'done':
      return { state: 'done' };
    default:
      return { state: 'working' };
  }
}

/** Each actor's segments, from its `start` to its `done` (or to `end` if it never finished). */
export function timelines(
  events: readonly RunEvent[],
  actors: readonly string[],
  end: number,
): Map<string, Segment[]> {
  const result = new Map<string, Segment[]>(actors.map((a) => [a, []]));
  const current = new Map<string, { since: number; state: ActorState; on?: SemaphoreName }>();
  for (const event of byTime(events)) {
    const now = current.get(event.actor);
    const next = stateAfter(event);
    if (now !== undefined && now.state !== 'done') {
      if (next.state === now.state && next.on === now.on) continue;
      pushSegment(result.get(event.actor)!, now.since, event.t, now.state, now.on);
    }
    current.set(event.actor, { since: event.t, ...next });
  }
  for (const [actor, now] of current) {
    if (now.state !== 'done')
      pushSegment(result.get(actor)!, now.since, Math.max(end, now.since), now.state, now.on);
  }
  return result;
}

function pushSegment(list: Segment[], from: number, to: number, state: ActorState, on?: SemaphoreName): void {
  if (state === 'done' || to < from) return;
  list.push(on === undefined ? { from, to, state } : { from, to, state, on });
}

/** Events sorted by time (stable, so equal times keep their log order). */
export function byTime(events: readonly RunEvent[]): RunEvent[] {
  return [...events].sort((a, b) => a.t - b.t);
}

/** The trace: one JSON object per line, only the trace's five events, in time order. */
export function traceLines(events: readonly RunEvent[]): string {
  let out = '';
  for (const e of byTime(events)) {
    if (!TRACE_EVENTS.has(e.event)) continue;
    const line: Record<string, unknown> = { t: e.t, actor: e.actor, event: e.event };
    if (e.item !== undefined) line.item = e.item;
    if (e.on !== undefined) line.on = e.on;
    line.occupancy = e.occupancy;
    out += `${JSON.stringify(line)}\n`;
  }
  return out;
}

export interface ActorSummary {
  actor: string;
  /** Items this actor produced or consumed. */
  items: number;
  finished: boolean;
  workingMs: number;
  sleepingMs: number;
  waitingMs: Record<SemaphoreName, number>;
  /** How many times it had to wait on each semaphore. */
  waits: Record<SemaphoreName, number>;
}

export interface RunSummary {
  mode: RunOptions['mode'];
  produced: number;
  consumed: number;
  elapsedMs: number;
  capacity: number;
  maxOccupancy: number;
  stopped: boolean;
  timeScale: number;
  seed: number;
  actors: ActorSummary[];
}

export function summarize(result: ScenarioResult): RunSummary {
  const { events, actors, elapsed, options } = result;
  const lanes = timelines(events, actors, elapsed);
  const finished = new Set(events.filter((e) => e.event === 'done').map((e) => e.actor));
  const zero = (): Record<SemaphoreName, number> => ({ empty: 0, full: 0, mutex: 0 });
  const summaries = actors.map((actor): ActorSummary => {
    const s: ActorSummary = {
      actor,
      items: 0,
      finished: finished.has(actor),
      workingMs: 0,
      sleepingMs: 0,
      waitingMs: zero(),
      waits: zero(),
    };
    for (const seg of lanes.get(actor)!) {
      const ms = seg.to - seg.from;
      if (seg.state === 'working') s.workingMs += ms;
      else if (seg.state === 'sleeping') s.sleepingMs += ms;
      else s.waitingMs[seg.on!] += ms;
    }
    return s;
  });
  const byActor = new Map(summaries.map((s) => [s.actor, s]));
  let produced = 0;
  let consumed = 0;
  let maxOccupancy = 0;
  for (const e of events) {
    if (e.event === 'produced') produced++;
    if (e.event === 'consumed') consumed++;
    if (e.event === 'produced' || e.event === 'consumed') byActor.get(e.actor)!.items++;
    if (e.event === 'wait') byActor.get(e.actor)!.waits[e.on!]++;
    maxOccupancy = Math.max(maxOccupancy, e.occupancy);
  }
  for (const s of summaries) {
    s.workingMs = round(s.workingMs);
    s.sleepingMs = round(s.sleepingMs);
    for (const k of Object.keys(s.waitingMs) as SemaphoreName[]) s.waitingMs[k] = round(s.waitingMs[k]);
  }
  return {
    mode: options.mode,
    produced,
    consumed,
    elapsedMs: round(elapsed),
    capacity: options.capacity,
    maxOccupancy,
    stopped: result.stopped,
    timeScale: options.timeScale,
    seed: options.seed,
    actors: summaries,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** `2.5 s`, `340 ms`, `0.4 ms`. */
export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** The summary as text for stderr. */
export function formatSummary(s: RunSummary): string {
  const lines = [
    `${s.stopped ? 'Stopped' : 'Done'}: ${s.produced} produced, ${s.consumed} consumed in ${formatMs(s.elapsedMs)}` +
      ` (mode ${s.mode}${s.timeScale === 1 ? '' : `, time scale ${s.timeScale}`})`,
    `Largest occupancy: ${s.maxOccupancy} of ${s.capacity}`,
    '',
  ];
  const header = ['actor', 'items', 'working', 'sleeping', 'wait empty', 'wait full', 'wait mutex'];
  const rows = s.actors.map((a) => [
    a.finished ? a.actor : `${a.actor} (stopped)`,
    String(a.items),
    formatMs(a.workingMs),
    formatMs(a.sleepingMs),
    waitCell(a, 'empty'),
    waitCell(a, 'full'),
    waitCell(a, 'mutex'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const render = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  lines.push(render(header), ...rows.map(render));
  return lines.join('\n');
}

function waitCell(a: ActorSummary, on: SemaphoreName): string {
  if (a.waits[on] === 0) return '-';
  return `${formatMs(a.waitingMs[on])} ×${a.waits[on]}`;
}
