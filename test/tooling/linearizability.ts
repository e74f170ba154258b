// A linearizability checker for histories of a bounded FIFO queue (see history.ts for how they
// are recorded).
//
// A history is linearizable when every operation can be given one instant between its call and
// its return (its linearization point) so that, taken in the order of those instants, the
// operations are a legal run of the sequential model below. Pending operations (no return seen)
// may be left out, or placed anywhere after their call.
//
// The search is Wing & Gong's, with the optimisations of Gavin Lowe ("Testing for
// linearizability", 2017), as Porcupine and Knossos use them:
//   - calls and returns sit in one doubly linked list, ordered by time; an operation may be
//     linearized next only if its call comes before the first return still in the list (every
//     operation that returned earlier must already be linearized);
//   - linearizing lifts the call and its return out of the list; backtracking puts them back in
//     O(1) (dancing links);
//   - every configuration reached, (set of linearized operations, model state), is remembered,
//     and the search never explores one twice. With item values unique per history this keeps the
//     search close to linear in practice.
// P-compositionality (checking each key on its own) does not apply: a queue is one object.
//
// Sequential model (capacity c; state: the items in order, and whether closed):
//   put / putSync ok        not closed, fewer than c items          → append the item
//   put timed out / aborted  no effect (at any moment)
//   put closed               closed
//   tryPut true / false      as put ok / not closed and exactly c items (false only when full)
//   putMany(xs) ok           not closed, room for all of xs (|xs| <= c: all or nothing) → append xs
//   putMany failed           no effect; its error carries back every item (nothing went in)
//   get ok → x               x is the head → remove it
//   get closed               closed and empty
//   get timed out / aborted  no effect
//   tryGet { ok: false }     empty and not closed (empty only when empty)
//   (with weakTry: tryPut false and tryGet { ok: false } may happen in any state, with no effect)
//   getMany(max) ok → xs     1 <= |xs| <= max and xs is a prefix → remove xs
//   close()                  closed (again is fine); returns []
//   close({ immediate })     not one atomic step: BoundedBuffer sets the closed mark, then drains,
//                            and gets racing with the drain may take some of the items. So it is
//                            checked as three kinds of steps inside its interval: close(); one
//                            get of each discarded item; and "closed and empty" (the drain ended).
//                            The order of the discarded list is not checked (the accounting
//                            checks that each item came out once).
//   pending (thread died)    either no effect or any effect its call could have had

import type { History, Operation, QueueCall } from './history.js';

/** The sequential model's state. Immutable: every step makes a new one. */
export interface QueueState {
  readonly items: readonly number[];
  readonly closed: boolean;
}

export interface CheckOptions {
  /** The queue's capacity, an integer >= 1. */
  capacity: number;
  /** Give up (verdict 'unknown') after this many search steps. Default 2 000 000. */
  maxSteps?: number;
  /**
   * Clock uncertainty in ms: a return and a later call closer than this are taken as overlapping.
   * Widening only ever makes the checker more lenient. Default 0.
   */
  epsilon?: number;
  /** The state before the first operation. Default: empty, open. */
  initial?: QueueState;
  /**
   * Weak try semantics: `tryGet` may report empty and `tryPut` full at any moment (as a weak
   * compare-and-swap may fail spuriously), so neither constrains the state. Vyukov's bounded queue,
   * which BoundedBuffer follows, is linearizable only in this weaker sense: a try call that meets a
   * slot claimed but not yet published (or freed) by a stalled thread fails though items (or room)
   * are there. Default false: the strict model, as the Queue contract states it.
   */
  weakTry?: boolean;
}

export type CheckResult =
  | {
      readonly verdict: 'linearizable';
      /** Indices into the history, in linearization order (pending ones left out have no place). */
      readonly order: number[];
      readonly steps: number;
    }
  | {
      readonly verdict: 'not linearizable';
      /** The longest prefix the search could linearize, as indices into the history. */
      readonly longest: number[];
      /** The model's state after that prefix. */
      readonly state: QueueState;
      /** Operations that could have come next but none was legal there. */
      readonly stuck: number[];
      readonly steps: number;
      /** A readable account, for test failures. */
      readonly explanation: string;
    }
  | { readonly verdict: 'unknown'; readonly steps: number; readonly reason: string };

// -----------------------------------------------------------------------------------------------
// The model

/**
 * Every state the model may be in after `op` runs in state `s`; empty when `op` cannot happen in
 * `s` with the result it had. More than one for pending operations (effect or none).
 */
export function step(s: QueueState, op: Operation, capacity: number, weakTry = false): QueueState[] {
  const { call, result } = op;
  const { items, closed } = s;
  const n = items.length;
  const append = (xs: readonly number[]): QueueState[] =>
    !closed && n + xs.length <= capacity ? [{ items: [...items, ...xs], closed }] : [];
  const drop = (k: number): QueueState => ({ items: items.slice(k), closed });
  const closedAndEmpty = closed && n === 0 ? [s] : [];
  switch (call.op) {
    case 'put':
    case 'tryPut':
      switch (result.kind) {
        case 'ok':
          if (call.op === 'tryPut' && result.value === false)
            return !closed && (weakTry || n === capacity) ? [s] : [];
          if (call.op === 'tryPut' && result.value !== true) return [];
          return append([call.item]);
        case 'closed':
          return closed ? [s] : [];
        case 'timeout':
        case 'aborted':
          return call.op === 'put' ? [s] : [];
        case 'pending':
          return [s, ...append([call.item])];
        default:
          return [];
      }
    case 'putMany':
      switch (result.kind) {
        case 'ok':
          return append(call.items);
        case 'closed':
        case 'timeout':
        case 'aborted': {
          // A batch of at most capacity items goes in whole or not at all: all must come back.
          const whole = result.left === undefined || result.left.length === call.items.length;
          if (!whole) return [];
          return result.kind === 'closed' ? (closed ? [s] : []) : [s];
        }
        case 'pending':
          return [s, ...append(call.items)];
        default:
          return [];
      }
    case 'get':
    case 'tryGet':
      switch (result.kind) {
        case 'ok': {
          let value = result.value;
          if (call.op === 'tryGet') {
            const r = value as { ok?: unknown; value?: unknown } | null;
            if (r?.ok === false) return weakTry || (n === 0 && !closed) ? [s] : [];
            if (r?.ok !== true) return [];
            value = r.value;
          }
          return n > 0 && items[0] === value ? [drop(1)] : [];
        }
        case 'closed':
          return closedAndEmpty;
        case 'timeout':
        case 'aborted':
          return call.op === 'get' ? [s] : [];
        case 'pending':
          return n > 0 ? [s, drop(1)] : [s];
        default:
          return [];
      }
    case 'getMany':
      switch (result.kind) {
        case 'ok': {
          const got = result.value as readonly number[];
          if (!Array.isArray(got) || got.length < 1 || got.length > call.max || got.length > n) return [];
          for (let k = 0; k < got.length; k++) if (items[k] !== got[k]) return [];
          return [drop(got.length)];
        }
        case 'closed':
          return closedAndEmpty;
        case 'timeout':
        case 'aborted':
          return [s];
        case 'pending': {
          const out: QueueState[] = [s];
          for (let k = 1; k <= Math.min(call.max, n); k++) out.push(drop(k));
          return out;
        }
        default:
          return [];
      }
    case 'close': {
      const after: QueueState = { items: call.immediate ? [] : items, closed: true };
      if (result.kind === 'pending') return [s, after];
      if (result.kind !== 'ok') return [];
      const discarded = result.value as readonly number[];
      if (!Array.isArray(discarded)) return [];
      const expected = call.immediate ? items : [];
      if (discarded.length !== expected.length) return [];
      for (let k = 0; k < expected.length; k++) if (discarded[k] !== expected[k]) return [];
      return [after];
    }
  }
}

// -----------------------------------------------------------------------------------------------
// Checking a history

/** One call or return in the time-ordered list. */
interface Entry {
  /** Index of the operation in the history. */
  readonly id: number;
  readonly isCall: boolean;
  readonly time: number;
  /** For a call: its return. */
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

/** Throws a TypeError if the history cannot be checked at all (as opposed to being illegal). */
function validate(history: History, capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`capacity must be an integer >= 1, got ${String(capacity)}`);
  }
  history.forEach((op, i) => {
    const where = `operation ${i} (${describeOp(op)})`;
    if (!Number.isFinite(op.start)) throw new TypeError(`${where}: start must be a finite time`);
    if (!(op.end >= op.start)) throw new TypeError(`${where}: ends before it starts`);
    if ((op.end === Infinity) !== (op.result.kind === 'pending')) {
      throw new TypeError(`${where}: exactly the pending operations have end = Infinity`);
    }
    if (op.call.op === 'putMany' && op.call.items.length > capacity) {
      throw new TypeError(
        `${where}: a putMany of more than capacity (${capacity}) items is several atomic batches; split it before checking`,
      );
    }
  });
}

/**
 * Checks `history` against the bounded FIFO queue model. Never hangs: it gives up with verdict
 * 'unknown' after `maxSteps` steps.
 */
export function checkLinearizable(original: History, options: CheckOptions): CheckResult {
  const { capacity, maxSteps = 2_000_000, epsilon = 0, weakTry = false } = options;
  const initial: QueueState = options.initial ?? { items: [], closed: false };
  validate(original, capacity);
  const { history, origin } = expand(original);
  const back = (ids: number[]) => [...new Set(ids.map((id) => origin[id]))];

  // The list: calls and returns by time; at equal times calls first (so touching intervals
  // overlap, the lenient reading of an uncertain clock).
  const entries: Entry[] = [];
  history.forEach((op, id) => {
    const ret: Entry = {
      id,
      isCall: false,
      time: op.end + epsilon,
      match: undefined,
      prev: undefined,
      next: undefined,
    };
    const call: Entry = { id, isCall: true, time: op.start, match: ret, prev: undefined, next: undefined };
    entries.push(call, ret);
  });
  entries.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.id - b.id : a.isCall ? -1 : 1));
  const head: Entry = {
    id: -1,
    isCall: false,
    time: -Infinity,
    match: undefined,
    prev: undefined,
    next: undefined,
  };
  let last = head;
  for (const e of entries) {
    last.next = e;
    e.prev = last;
    last = e;
  }

  const lift = (call: Entry) => {
    call.prev!.next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match!;
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Entry) => {
    const ret = call.match!;
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
    call.prev!.next = call;
    if (call.next) call.next.prev = call;
  };

  const words = new Uint32Array(Math.ceil(history.length / 32) + 1);
  const flip = (id: number) => {
    words[id >>> 5] ^= 1 << (id & 31);
  };
  const seen = new Set<string>();
  const stateKey = (s: QueueState) => `${s.closed ? 'c' : 'o'}${s.items.join(',')}`;
  const configKey = (s: QueueState) => `${words.join('.')}|${stateKey(s)}`;

  interface Frame {
    entry: Entry;
    before: QueueState;
    options: QueueState[];
    choice: number;
  }
  const stack: Frame[] = [];
  let state = initial;
  let steps = 0;
  let longest: number[] = [];
  let longestState = initial;

  /** Tries choices from `from` of linearizing `entry`'s operation now; true if one is new. */
  const tryFrom = (entry: Entry, options: QueueState[], from: number): boolean => {
    flip(entry.id);
    for (let c = from; c < options.length; c++) {
      const key = configKey(options[c]);
      if (seen.has(key)) continue;
      seen.add(key);
      stack.push({ entry, before: state, options, choice: c });
      state = options[c];
      lift(entry);
      if (stack.length > longest.length) {
        longest = stack.map((f) => f.entry.id);
        longestState = state;
      }
      return true;
    }
    flip(entry.id);
    return false;
  };

  let entry = head.next;
  while (head.next !== undefined) {
    if (++steps > maxSteps) {
      return { verdict: 'unknown', steps, reason: `gave up after ${maxSteps} steps` };
    }
    if (entry!.isCall) {
      const options = step(state, history[entry!.id], capacity, weakTry);
      entry = tryFrom(entry!, options, 0) ? head.next : entry!.next;
      continue;
    }
    // A return: the operation it ends was not linearized in time. Undo the last choice, and try
    // that operation's next possible effect, or else the operations after it.
    const frame = stack.pop();
    if (frame === undefined) return failure(history, origin, longest, longestState, steps, capacity);
    state = frame.before;
    unlift(frame.entry);
    flip(frame.entry.id);
    entry = tryFrom(frame.entry, frame.options, frame.choice + 1) ? head.next : frame.entry.next;
  }
  return { verdict: 'linearizable', order: back(stack.map((f) => f.entry.id)), steps };
}

/**
 * Splits each completed immediate close into the steps it is made of (see the model above);
 * `origin[i]` is the index in the original history of operation i.
 */
function expand(history: History): { history: Operation[]; origin: number[] } {
  const out: Operation[] = [];
  const origin: number[] = [];
  history.forEach((op, i) => {
    const { call, result } = op;
    if (call.op === 'close' && call.immediate && result.kind === 'ok' && Array.isArray(result.value)) {
      out.push({ ...op, call: { op: 'close', immediate: false }, result: { kind: 'ok', value: [] } });
      for (const item of result.value as unknown[]) {
        out.push({
          ...op,
          call: { op: 'get' },
          result: { kind: 'ok', value: item },
          method: 'close(discard)',
        });
      }
      out.push({ ...op, call: { op: 'get' }, result: { kind: 'closed' }, method: 'close(drained)' });
      for (let k = 1 + (result.value as unknown[]).length + 1; k > 0; k--) origin.push(i);
    } else {
      out.push(op);
      origin.push(i);
    }
  });
  return { history: out, origin };
}

function failure(
  history: History,
  origin: number[],
  longest: number[],
  state: QueueState,
  steps: number,
  capacity: number,
): CheckResult {
  const done = new Set(longest);
  const rest = history.map((op, i) => ({ op, i })).filter(({ i }) => !done.has(i));
  const firstEnd = Math.min(...rest.map(({ op }) => op.end));
  const stuck = rest.filter(({ op }) => op.start <= firstEnd).map(({ i }) => i);
  const lines = [
    `not linearizable (capacity ${capacity}): ${longest.length} of ${history.length} steps linearized at best, then stuck`,
    `state after that prefix: ${state.closed ? 'closed, ' : ''}[${state.items.join(', ')}]`,
    'last operations of the prefix:',
    ...longest.slice(-5).map((i) => `  #${origin[i]} ${describeOp(history[i])}`),
    'none of these could come next:',
    ...stuck.map((i) => `  #${origin[i]} ${describeOp(history[i])}`),
  ];
  const back = (ids: number[]) => [...new Set(ids.map((id) => origin[id]))];
  return {
    verdict: 'not linearizable',
    longest: back(longest),
    state,
    stuck: back(stuck),
    steps,
    explanation: lines.join('\n'),
  };
}

/** `t2 putSync(5) → ok [12.301, 12.340]`: one operation, readably. */
export function describeOp(op: Operation): string {
  const args = (call: QueueCall): string => {
    switch (call.op) {
      case 'put':
      case 'tryPut':
        return String(call.item);
      case 'putMany':
        return `[${call.items.join(', ')}]`;
      case 'getMany':
        return String(call.max);
      case 'close':
        return call.immediate ? '{ immediate: true }' : '';
      default:
        return '';
    }
  };
  const r = op.result;
  const result = r.kind === 'ok' ? `ok ${JSON.stringify(r.value) ?? ''}`.trim() : r.kind;
  const at = (t: number) => (t === Infinity ? '∞' : (t % 100_000).toFixed(3));
  return `t${op.thread} ${op.method ?? op.call.op}(${args(op.call)}) → ${result} [${at(op.start)}, ${at(op.end)}]`;
}
