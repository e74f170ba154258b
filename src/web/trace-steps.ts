// A `conveyor run --trace` file as steps to view. A trace records events, not memory, so the
// memory is rebuilt: items join the buffer at `in` in the order they were produced and leave at
// `out`; `full` is the items held, `empty` the free slots. Along the way the trace is checked:
// an item consumed that was never produced (or twice) and, once every actor is done, an item
// produced but never consumed are violations, marked at the step that shows them.
import type { MemorySnapshot } from '../check/machine.js';
import { type SemaphoreName, TRACE_EVENTS } from '../run/protocol.js';
import { type ViewDoc, ViewFileError, type ViewStep, type ViewViolation } from './view-doc.js';

interface TraceEvent {
  t: number;
  actor: string;
  event: 'produced' | 'consumed' | 'wait' | 'wake' | 'done';
  item?: number;
  on?: SemaphoreName;
  occupancy: number;
}

const SEMAPHORES: ReadonlySet<string> = new Set(['empty', 'full', 'mutex']);
const ACTOR = /^(producer|consumer)-\d+$/;
/** Slots shown one by one; a larger buffer shows only its count (the page would not fit it). */
export const MAX_SLOTS_SHOWN = 64;
const EMPTY_SLOT = '·';
/** Longer traces are refused: the page lists every step, and nobody steps through more. */
export const MAX_TRACE_STEPS = 20_000;

/** Parses a trace (JSON lines); throws ViewFileError naming the first bad line. */
export function parseTraceText(file: string, text: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  const lines = text.split('\n');
  const count = lines.reduce((n, line) => (line.trim() === '' ? n : n + 1), 0);
  if (count > MAX_TRACE_STEPS) {
    throw new ViewFileError(
      `${file}: ${count} events is more than the ${MAX_TRACE_STEPS} conveyor view steps through; record a shorter run (fewer --items)`,
    );
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${file}, line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ViewFileError(`${where}: not JSON: ${clip(line)}`);
    }
    events.push(traceEvent(where, value, line));
  }
  if (events.length === 0) throw new ViewFileError(`${file}: the trace has no events`);
  return events;
}

function traceEvent(where: string, value: unknown, line: string): TraceEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ViewFileError(
      `${where}: expected an object such as {"t":0,"actor":"producer-1",…}, got ${clip(line)}`,
    );
  }
  const e = value as Record<string, unknown>;
  if (typeof e.t !== 'number' || !Number.isFinite(e.t))
    throw new ViewFileError(`${where}: 't' must be a number`);
  if (typeof e.actor !== 'string' || !ACTOR.test(e.actor)) {
    throw new ViewFileError(
      `${where}: 'actor' must be producer-N or consumer-N, got ${JSON.stringify(e.actor)}`,
    );
  }
  if (typeof e.event !== 'string' || !TRACE_EVENTS.has(e.event as never)) {
    throw new ViewFileError(
      `${where}: 'event' must be one of ${[...TRACE_EVENTS].join(', ')}, got ${JSON.stringify(e.event)}`,
    );
  }
  if ((e.event === 'produced' || e.event === 'consumed') && !Number.isInteger(e.item)) {
    throw new ViewFileError(`${where}: a ${e.event} event needs an integer 'item'`);
  }
  if ((e.event === 'wait' || e.event === 'wake') && !SEMAPHORES.has(e.on as string)) {
    throw new ViewFileError(`${where}: a ${e.event} event needs 'on': empty, full or mutex`);
  }
  if (!Number.isInteger(e.occupancy) || (e.occupancy as number) < 0) {
    throw new ViewFileError(`${where}: 'occupancy' must be an integer >= 0`);
  }
  return e as unknown as TraceEvent;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** The trace's steps with rebuilt memory; `capacity` is the run's --capacity when known. */
export function traceDoc(file: string, events: TraceEvent[], capacity?: number): ViewDoc {
  let largest = 0;
  for (const e of events) if (e.occupancy > largest) largest = e.occupancy;
  const notes: string[] = [
    'The memory is rebuilt from the trace: items enter the buffer at in and leave at out; full counts the items held and empty the free slots after each event.',
  ];
  if (capacity === undefined) {
    capacity = Math.max(1, largest);
    notes.push(
      `The capacity is taken from the largest occupancy seen (${capacity}); pass --capacity N to set it.`,
    );
  }
  const actors = [...new Set(events.map((e) => e.actor))].sort(byRoleThenNumber);
  const states: Record<string, string> = Object.fromEntries(actors.map((a) => [a, 'not started']));
  const queue: number[] = [];
  const produced = new Set<number>();
  const consumed = new Set<number>();
  let taken = 0; // items consumed so far: `out` is taken % capacity
  let put = 0;
  let violation: ViewViolation | null = null;
  const steps: ViewStep[] = [];
  for (const e of events) {
    const step = steps.length + 1;
    const flag = (kind: string, message: string) => {
      violation ??= { step, kind, message, thread: e.actor };
    };
    let action: string = e.event;
    switch (e.event) {
      case 'produced':
        action = `produced ${e.item}`;
        if (produced.has(e.item!)) flag('duplicate', `${e.actor} produced item ${e.item} a second time`);
        produced.add(e.item!);
        queue.push(e.item!);
        put++;
        if (queue.length > capacity) {
          flag(
            'overflow',
            `${queue.length} items in a buffer of ${capacity} slots after ${e.actor} produced ${e.item}`,
          );
        }
        states[e.actor] = 'running';
        break;
      case 'consumed': {
        action = `consumed ${e.item}`;
        const at = queue.indexOf(e.item!);
        if (consumed.has(e.item!))
          flag('duplicate', `${e.actor} consumed item ${e.item}, which was consumed before`);
        else if (at < 0) flag('unknown-item', `${e.actor} consumed item ${e.item}, which no one produced`);
        if (at >= 0) queue.splice(at, 1);
        consumed.add(e.item!);
        taken++;
        states[e.actor] = 'running';
        break;
      }
      case 'wait':
        action = `wait on ${e.on}`;
        states[e.actor] = `waiting on ${e.on}`;
        break;
      case 'wake':
        action = `woke (${e.on})`;
        states[e.actor] = 'running';
        break;
      case 'done':
        states[e.actor] = 'done';
        break;
    }
    steps.push({
      step,
      thread: e.actor,
      action,
      t: e.t,
      memory: memory(queue, taken, put, capacity),
      threads: { ...states },
    });
  }
  const finished = actors.every((a) => states[a] === 'done');
  const left = [...produced].filter((item) => !consumed.has(item));
  if (violation === null && finished && left.length > 0) {
    violation = {
      step: steps.length,
      kind: 'lost-item',
      message: `every actor finished, but ${left.length === 1 ? 'item' : 'items'} ${left.slice(0, 10).join(', ')}${left.length > 10 ? ', …' : ''} ${left.length === 1 ? 'was' : 'were'} never consumed`,
      thread: null,
    };
  }
  if (!finished) notes.push('Not every actor reached done: the run was stopped, or the trace is cut short.');
  const count = (role: string) => actors.filter((a) => a.startsWith(role)).length;
  return {
    kind: 'trace',
    file,
    title: `run trace: ${count('producer')} producer(s), ${count('consumer')} consumer(s), capacity ${capacity}, ${events.length} events`,
    threads: actors,
    derived: true,
    notes,
    steps,
    violation,
  };
}

function memory(queue: readonly number[], taken: number, put: number, capacity: number): MemorySnapshot {
  const held = Math.min(queue.length, capacity);
  const buffers: Record<string, string[]> = {};
  if (capacity <= MAX_SLOTS_SHOWN) {
    const slots = new Array<string>(capacity).fill(EMPTY_SLOT);
    for (let i = 0; i < held; i++) slots[(taken + i) % capacity] = String(queue[i]);
    buffers.buffer = slots;
  }
  return {
    semaphores: { empty: capacity - held, full: held },
    mutexes: {},
    words: { in: put % capacity, out: taken % capacity, count: queue.length },
    buffers,
  };
}

function byRoleThenNumber(a: string, b: string): number {
  const [ra, na] = a.split('-');
  const [rb, nb] = b.split('-');
  if (ra !== rb) return ra === 'producer' ? -1 : 1;
  return Number(na) - Number(nb);
}
