// The history checker on hand-made histories, legal and illegal, and on random histories that are
// legal by construction (and stop being legal when one result is falsified).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balance, type Operation, type QueueCall, type QueueResult } from './history.js';
import { type CheckResult, checkLinearizable } from './linearizability.js';
import { simulate } from './simulate.js';

/** One operation of thread `thread` over [start, end]. */
function op(thread: number, call: QueueCall, result: QueueResult, start: number, end: number): Operation {
  return { thread, call, result, start, end };
}
const ok = (value?: unknown): QueueResult => ({ kind: 'ok', value });
const put = (item: number): QueueCall => ({ op: 'put', item });
const tryPut = (item: number): QueueCall => ({ op: 'tryPut', item });
const putMany = (...items: number[]): QueueCall => ({ op: 'putMany', items });
const get: QueueCall = { op: 'get' };
const tryGet: QueueCall = { op: 'tryGet' };
const getMany = (max: number): QueueCall => ({ op: 'getMany', max });
const close = (immediate = false): QueueCall => ({ op: 'close', immediate });
const pending: QueueResult = { kind: 'pending' };

function verdict(history: Operation[], capacity = 2): CheckResult['verdict'] {
  return checkLinearizable(history, { capacity }).verdict;
}

describe('the linearizability checker accepts legal histories', () => {
  it('an empty history is linearizable', () => {
    expect(verdict([])).toBe('linearizable');
  });

  it('puts then gets in order, one after another, are linearizable', () => {
    expect(
      verdict([
        op(1, put(1), ok(), 0, 1),
        op(1, put(2), ok(), 2, 3),
        op(2, get, ok(1), 4, 5),
        op(2, get, ok(2), 6, 7),
      ]),
    ).toBe('linearizable');
  });

  it('two overlapping puts may come out in either order', () => {
    for (const [first, second] of [
      [1, 2],
      [2, 1],
    ]) {
      const history = [
        op(1, put(1), ok(), 0, 10),
        op(2, put(2), ok(), 1, 9),
        op(3, get, ok(first), 11, 12),
        op(3, get, ok(second), 13, 14),
      ];
      expect(verdict(history)).toBe('linearizable');
    }
  });

  it('overlapping operations legal in only one order are found in that order', () => {
    // The put's interval covers both others, yet the tryGet (which saw nothing) must come before
    // it and the get (which got its item) after it.
    const history = [
      op(1, put(7), ok(), 0, 10),
      op(2, tryGet, ok({ ok: false }), 2, 3),
      op(3, get, ok(7), 4, 5),
    ];
    const result = checkLinearizable(history, { capacity: 1 });
    expect(result.verdict).toBe('linearizable');
    if (result.verdict === 'linearizable') expect(result.order).toEqual([1, 0, 2]);
  });

  it('a put that timed out or was aborted has no effect', () => {
    expect(
      verdict([
        op(1, put(1), ok(), 0, 1),
        op(1, put(2), ok(), 2, 3),
        op(1, put(3), { kind: 'timeout' }, 4, 5),
        op(1, put(4), { kind: 'aborted' }, 6, 7),
        op(2, get, ok(1), 8, 9),
        op(2, get, ok(2), 10, 11),
        op(2, tryGet, ok({ ok: false }), 12, 13),
      ]),
    ).toBe('linearizable');
  });

  it('tryPut false when full and tryGet empty when empty are legal', () => {
    expect(
      verdict(
        [
          op(1, tryPut(1), ok(true), 0, 1),
          op(1, tryPut(2), ok(false), 2, 3),
          op(2, tryGet, ok({ ok: true, value: 1 }), 4, 5),
          op(2, tryGet, ok({ ok: false }), 6, 7),
        ],
        1,
      ),
    ).toBe('linearizable');
  });

  it('putMany goes in whole and getMany takes a prefix of 1..max items', () => {
    expect(
      verdict(
        [
          op(1, putMany(1, 2, 3), ok(), 0, 1),
          op(2, getMany(2), ok([1, 2]), 2, 3),
          op(2, getMany(5), ok([3]), 4, 5),
        ],
        3,
      ),
    ).toBe('linearizable');
  });

  it('a close lets gets drain, then gets and puts fail as closed', () => {
    expect(
      verdict([
        op(1, put(1), ok(), 0, 1),
        op(0, close(), ok([]), 2, 3),
        op(1, put(2), { kind: 'closed' }, 4, 5),
        op(2, get, ok(1), 6, 7),
        op(2, get, { kind: 'closed' }, 8, 9),
        op(2, tryGet, { kind: 'closed' }, 10, 11),
      ]),
    ).toBe('linearizable');
  });

  it('an immediate close returns exactly what was inside', () => {
    expect(
      verdict([
        op(1, putMany(1, 2), ok(), 0, 1),
        op(0, close(true), ok([1, 2]), 2, 3),
        op(2, getMany(2), { kind: 'closed' }, 4, 5),
      ]),
    ).toBe('linearizable');
  });

  it('a pending put (its thread died) may have gone in, or not', () => {
    const died = op(1, put(1), pending, 0, Infinity);
    expect(verdict([died, op(2, get, ok(1), 5, 6)])).toBe('linearizable');
    expect(verdict([died, op(2, tryGet, ok({ ok: false }), 5, 6)])).toBe('linearizable');
  });

  it('a pending get may have taken the head, or not', () => {
    const history = [op(1, put(1), ok(), 0, 1), op(2, get, pending, 2, Infinity)];
    expect(verdict([...history, op(3, tryGet, ok({ ok: false }), 5, 6)])).toBe('linearizable');
    expect(verdict([...history, op(3, get, ok(1), 5, 6)])).toBe('linearizable');
  });
});

describe('the linearizability checker rejects illegal histories', () => {
  it('a get that returns an item before any put of it started', () => {
    expect(verdict([op(2, get, ok(1), 0, 1), op(1, put(1), ok(), 2, 3)])).toBe('not linearizable');
  });

  it('two gets that return the same item', () => {
    expect(verdict([op(1, put(1), ok(), 0, 1), op(2, get, ok(1), 2, 5), op(3, get, ok(1), 3, 4)])).toBe(
      'not linearizable',
    );
  });

  it('FIFO violated between puts that did not overlap', () => {
    expect(
      verdict([
        op(1, put(1), ok(), 0, 1),
        op(1, put(2), ok(), 2, 3),
        op(2, get, ok(2), 4, 5),
        op(2, get, ok(1), 6, 7),
      ]),
    ).toBe('not linearizable');
  });

  it('tryPut false while the buffer is provably not full', () => {
    expect(verdict([op(1, put(1), ok(), 0, 1), op(1, tryPut(2), ok(false), 2, 3)])).toBe('not linearizable');
  });

  it('tryGet empty while the buffer provably holds an item', () => {
    expect(verdict([op(1, put(1), ok(), 0, 1), op(2, tryGet, ok({ ok: false }), 2, 3)])).toBe(
      'not linearizable',
    );
  });

  it('with weak try semantics, a try call may fail while items or room are there, and nothing else changes', () => {
    const notFull = [op(1, put(1), ok(), 0, 1), op(1, tryPut(2), ok(false), 2, 3)];
    const notEmpty = [op(1, put(1), ok(), 0, 1), op(2, tryGet, ok({ ok: false }), 2, 3)];
    expect(checkLinearizable(notFull, { capacity: 2, weakTry: true }).verdict).toBe('linearizable');
    expect(checkLinearizable(notEmpty, { capacity: 2, weakTry: true }).verdict).toBe('linearizable');
    const fifoBroken = [...notEmpty, op(1, put(3), ok(), 4, 5), op(2, get, ok(3), 6, 7)];
    expect(checkLinearizable(fifoBroken, { capacity: 2, weakTry: true }).verdict).toBe('not linearizable');
  });

  it('a timed-out put whose item is later got', () => {
    expect(verdict([op(1, put(1), { kind: 'timeout' }, 0, 1), op(2, get, ok(1), 2, 3)])).toBe(
      'not linearizable',
    );
    expect(verdict([op(1, put(1), { kind: 'aborted' }, 0, 1), op(2, get, ok(1), 0.5, 3)])).toBe(
      'not linearizable',
    );
  });

  it('more items put than the capacity holds, with no get in between', () => {
    expect(verdict([op(1, put(1), ok(), 0, 1), op(2, put(2), ok(), 0, 1), op(3, put(3), ok(), 0, 1)])).toBe(
      'not linearizable',
    );
  });

  it('a put that succeeds after the close returned', () => {
    expect(verdict([op(0, close(), ok([]), 0, 1), op(1, put(1), ok(), 2, 3)])).toBe('not linearizable');
  });

  it('a get that reports closed while items are still inside', () => {
    expect(
      verdict([
        op(1, put(1), ok(), 0, 1),
        op(0, close(), ok([]), 2, 3),
        op(2, get, { kind: 'closed' }, 4, 5),
      ]),
    ).toBe('not linearizable');
  });

  it('an immediate close that returns too little, or an item someone else got', () => {
    const two = op(1, putMany(1, 2), ok(), 0, 1);
    expect(verdict([two, op(0, close(true), ok([1]), 2, 3)])).toBe('not linearizable');
    expect(verdict([two, op(2, get, ok(1), 2, 3), op(0, close(true), ok([1, 2]), 4, 5)])).toBe(
      'not linearizable',
    );
  });

  it('an immediate close drains after its mark, so a get racing with it may take an item', () => {
    // The close marks first (the put fails as closed), and the drain runs after the get: legal.
    const history = [
      op(1, putMany(1, 2), ok(), 0, 1),
      op(0, close(true), ok([2]), 2, 10),
      op(1, put(3), { kind: 'closed' }, 3, 4),
      op(2, get, ok(1), 5, 6),
    ];
    expect(verdict(history)).toBe('linearizable');
    // But an item got after the close returned was not discarded when it should have been.
    expect(verdict([...history.slice(0, 3), op(2, get, ok(1), 11, 12)])).toBe('not linearizable');
  });

  it('a putMany that went in part way, or a getMany that skipped the head', () => {
    expect(
      verdict([op(1, put(1), ok(), 0, 1), op(1, putMany(2, 3), { kind: 'timeout', left: [3] }, 2, 3)]),
    ).toBe('not linearizable');
    expect(verdict([op(1, putMany(1, 2), ok(), 0, 1), op(2, getMany(2), ok([2]), 2, 3)])).toBe(
      'not linearizable',
    );
  });

  it('explains where it got stuck', () => {
    const result = checkLinearizable([op(1, put(1), ok(), 0, 1), op(2, get, ok(9), 2, 3)], { capacity: 2 });
    expect(result.verdict).toBe('not linearizable');
    if (result.verdict === 'not linearizable') {
      expect(result.longest).toEqual([0]);
      expect(result.stuck).toEqual([1]);
      expect(result.explanation).toContain('get() → ok 9');
    }
  });

  it('refuses a putMany larger than the capacity, which is not one atomic step', () => {
    expect(() => checkLinearizable([op(1, putMany(1, 2, 3), ok(), 0, 1)], { capacity: 2 })).toThrow(
      TypeError,
    );
  });

  it('gives up with verdict unknown instead of searching forever', () => {
    const history = simulate({ capacity: 3, operations: 200, threads: 4, seed: 1 });
    expect(checkLinearizable(history, { capacity: 3, maxSteps: 10 }).verdict).toBe('unknown');
  });
});

describe('the linearizability checker on random histories', () => {
  it('every history made by running the model is linearizable, however the intervals overlap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 80 }),
        (capacity, threads, seed, operations) => {
          const history = simulate({ capacity, operations, threads, seed });
          expect(checkLinearizable(history, { capacity }).verdict).toBe('linearizable');
          expect(balance(history, [])).toEqual(expect.any(Array));
        },
      ),
      { numRuns: 200, seed: 6 },
    );
  });

  it('a history where one got item is swapped for an item never put is caught', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (capacity, seed) => {
          const history = simulate({ capacity, operations: 60, threads: 3, seed });
          const at = history.findIndex((o) => o.call.op === 'get' && o.result.kind === 'ok');
          if (at < 0) return;
          history[at] = { ...history[at], result: ok(-1) };
          expect(checkLinearizable(history, { capacity }).verdict).toBe('not linearizable');
        },
      ),
      { numRuns: 100, seed: 7 },
    );
  });

  it('checks a 400-operation history of 4 threads quickly', () => {
    const history = simulate({ capacity: 4, operations: 400, threads: 4, seed: 42, spread: 4 });
    const t0 = performance.now();
    const result = checkLinearizable(history, { capacity: 4 });
    expect(result.verdict).toBe('linearizable');
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});

describe('the accounting of a history', () => {
  it('balances when every acknowledged item came out once', () => {
    const history = [
      op(1, put(1), ok(), 0, 1),
      op(1, tryPut(2), ok(true), 2, 3),
      op(1, tryPut(3), ok(false), 4, 5),
      op(1, putMany(4, 5), { kind: 'closed', left: [5] }, 6, 7),
      op(2, get, ok(1), 8, 9),
      op(0, close(true), ok([2]), 10, 11),
    ];
    expect(balance(history, [4])).toEqual([]);
  });

  it('names the lost item and the duplicated one', () => {
    const history = [
      op(1, put(1), ok(), 0, 1),
      op(1, put(2), ok(), 2, 3),
      op(2, getMany(2), ok([2, 2]), 4, 5),
    ];
    expect(balance(history)).toEqual([
      'item 1 was acknowledged as put but never came out (lost)',
      'item 2 came out 1 time(s) more than it was put',
    ]);
  });
});
