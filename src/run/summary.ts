// From a run's events to what a person reads: each actor's timeline (working, sleeping, waiting
// on a semaphore), the trace line, and the summary with its text and JSON forms; all of it
// computed as the events stream in, so that nothing grows with the number of items.
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

/**
 * Follows each actor through its states as its events arrive (each actor's events in the order it
 * made them) and hands on every finished stretch as a Segment: nothing is kept here but the
 * current state of each actor.
 */
export class Lanes {
  readonly #current = new Map<string, { since: number; state: ActorState; on?: SemaphoreName }>();
  readonly #onSegment: (actor: string, segment: Segment) => void;

  constructor(onSegment: (actor: string, segment: Segment) => void) {
    this.#onSegment = onSegment;
  }

  add(event: RunEvent): void {
    const now = this.#current.get(event.actor);
    const next = stateAfter(event);
    if (now !== undefined && now.state !== 'done') {
      if (next.state === now.state && next.on === now.on) return;
      this.#segment(event.actor, now.since, event.t, now.state, now.on);
    }
    this.#current.set(event.actor, { since: event.t, ...next });
  }

  /** Ends every actor that did not finish at `end`. */
  finish(end: number): void {
    for (const [actor, now] of this.#current) {
      if (now.state !== 'done') this.#segment(actor, now.since, Math.max(end, now.since), now.state, now.on);
      now.state = 'done';
    }
  }

  #segment(actor: string, from: number, to: number, state: ActorState, on?: SemaphoreName): void {
    if (state === 'done' || to < from) return;
    this.#onSegment(actor, on === undefined ? { from, to, state } : { from, to, state, on });
  }
}

/** A trace line: only the trace's five events, as one JSON object (no newline). */
export function traceLine(e: RunEvent): string | undefined {
  if (!TRACE_EVENTS.has(e.event)) return undefined;
  const line: Record<string, unknown> = { t: e.t, actor: e.actor, event: e.event };
  if (e.item !== undefined) line.item = e.item;
  if (e.on !== undefined) line.on = e.on;
  if (e.attempt !== undefined) line.attempt = e.attempt; // a redelivery (--backend redis)
  line.occupancy = e.occupancy;
  return JSON.stringify(line);
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

/**
 * The summary's counters, fed each event as it arrives (each actor's events in its own order):
 * its memory is one record per actor, however many items the run has.
 */
export class RunTally {
  produced = 0;
  consumed = 0;
  maxOccupancy = 0;
  readonly #actors = new Map<string, ActorSummary>();
  readonly #lanes = new Lanes((actor, seg) => {
    const s = this.#actors.get(actor)!;
    const ms = seg.to - seg.from;
    if (seg.state === 'working') s.workingMs += ms;
    else if (seg.state === 'sleeping') s.sleepingMs += ms;
    else s.waitingMs[seg.on!] += ms;
  });

  constructor(actors: readonly string[]) {
    const zero = (): Record<SemaphoreName, number> => ({ empty: 0, full: 0, mutex: 0 });
    for (const actor of actors) {
      this.#actors.set(actor, {
        actor,
        items: 0,
        finished: false,
        workingMs: 0,
        sleepingMs: 0,
        waitingMs: zero(),
        waits: zero(),
      });
    }
  }

  add(e: RunEvent): void {
    const s = this.#actors.get(e.actor)!;
    this.#lanes.add(e);
    if (e.event === 'produced') this.produced++;
    if (e.event === 'consumed') this.consumed++;
    if (e.event === 'produced' || e.event === 'consumed') s.items++;
    if (e.event === 'wait') s.waits[e.on!]++;
    if (e.event === 'done') s.finished = true;
    if (e.occupancy > this.maxOccupancy) this.maxOccupancy = e.occupancy;
  }

  /** The summary, once the run is over. */
  summarize(result: ScenarioResult): RunSummary {
    const { options } = result;
    this.#lanes.finish(result.elapsed);
    const actors = [...this.#actors.values()].map((a) => ({
      ...a,
      workingMs: round(a.workingMs),
      sleepingMs: round(a.sleepingMs),
      waitingMs: {
        empty: round(a.waitingMs.empty),
        full: round(a.waitingMs.full),
        mutex: round(a.waitingMs.mutex),
      },
    }));
    return {
      mode: options.mode,
      produced: this.produced,
      consumed: this.consumed,
      elapsedMs: round(result.elapsed),
      capacity: options.capacity,
      maxOccupancy: this.maxOccupancy,
      stopped: result.stopped,
      timeScale: options.timeScale,
      seed: options.seed,
      actors,
    };
  }
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
