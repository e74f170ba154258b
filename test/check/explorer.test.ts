import { describe, expect, it } from 'vitest';
import { ModelError, ScheduleError } from '../../src/check/errors.js';
import { explore, replay } from '../../src/check/explore.js';
import { itemOf, type Model } from '../../src/check/model.js';
import { buildModel } from '../../src/check/models.js';

/** Two threads increment a counter with a read then a write: the textbook lost update. */
function racyCounter(withLock: boolean): Model {
  return {
    name: 'racy-counter',
    summary: 'two threads increment x',
    memory: { words: { x: 0, done: 0 }, mutexes: ['m'], sections: ['bump'] },
    threads: ['a', 'b'].map((name) => ({
      name,
      *run(t) {
        if (withLock) yield t.lock('m');
        yield t.enter('bump');
        const x = yield t.read('x');
        yield t.write('x', x + 1);
        yield t.leave('bump');
        if (withLock) yield t.unlock('m');
        const done = yield t.read('done');
        yield t.write('done', done + 1);
        if (done === 1) yield t.assert((m) => m.get('x') === 2, 'x === 2 once both are done');
      },
    })),
  };
}

describe('explore', () => {
  it('finds two threads inside one critical section when nothing guards it', () => {
    const verdict = explore(racyCounter(false));
    expect(verdict.violation?.kind).toBe('mutual-exclusion');
    expect(verdict.violation?.trace.map((s) => s.thread)).toEqual(['a', 'b']);
  });

  it('proves the same counter correct once a mutex guards it', () => {
    const verdict = explore(racyCounter(true));
    expect(verdict.status).toBe('holds');
    expect(verdict.stats.transitions).toBeGreaterThanOrEqual(verdict.stats.states - 1);
  });

  it('reports a failed user assertion with the thread that made it', () => {
    const model: Model = {
      name: 'lost-update',
      summary: 'a lost update caught by an assert',
      memory: { words: { x: 0, done: 0 } },
      threads: ['a', 'b'].map((name) => ({
        name,
        *run(t) {
          const x = yield t.read('x');
          yield t.write('x', x + 1);
          const done = yield t.cas('done', 0, 1);
          if (done === 1) yield t.assert((m) => m.get('x') === 2, 'x === 2');
        },
      })),
    };
    const violation = explore(model).violation!;
    expect(violation.kind).toBe('assertion');
    expect(violation.message).toMatch(/x === 2 failed/);
    expect(replay(model, violation.steps).violation?.kind).toBe('assertion');
  });

  it('gives the shortest counterexample, not the first one the depth-first search meets', () => {
    // Thread 0 breaks after six steps, thread 1 at once: depth first tries thread 0 first.
    const model: Model = {
      name: 'two-paths',
      summary: 'a long and a short way to fail',
      memory: { words: { x: 0 } },
      threads: [
        {
          name: 'slow',
          *run(t) {
            for (let i = 0; i < 5; i++) yield t.write('x', i);
            yield t.assert(false, 'slow fails');
          },
        },
        {
          name: 'fast',
          *run(t) {
            yield t.assert(false, 'fast fails');
          },
        },
      ],
    };
    expect(explore(model, { shortest: false }).violation?.steps).toEqual([0, 0, 0, 0, 0, 0]);
    expect(explore(model).violation?.steps).toEqual([1]);
  });

  it('finds a lost wake-up: a sleeper that waits after the change it waited for sleeps forever', () => {
    const model: Model = {
      name: 'lost-wakeup',
      summary: 'check, then sleep, with no register step',
      memory: { words: { ready: 0 }, futexes: ['ready'] },
      threads: [
        {
          name: 'waiter',
          *run(t) {
            const seen = yield t.read('ready');
            if (seen === 0) yield* t.wait('ready', 1); // bug: waits for the wrong value
          },
        },
        {
          name: 'setter',
          *run(t) {
            yield t.write('ready', 1);
            yield t.notify('ready');
          },
        },
      ],
    };
    const violation = explore(model).violation!;
    expect(violation.kind).toBe('deadlock');
    expect(violation.message).toMatch(/waiter blocked on sleep on ready/);
  });

  it('reports an unlock by a thread that does not hold the mutex', () => {
    const model: Model = {
      name: 'bad-unlock',
      summary: 'b unlocks what a holds',
      memory: { mutexes: ['m'] },
      threads: [
        {
          name: 'a',
          *run(t) {
            yield t.lock('m');
          },
        },
        {
          name: 'b',
          *run(t) {
            yield t.unlock('m');
          },
        },
      ],
    };
    expect(explore(model).violation?.message).toMatch(/b unlocks a mutex held by (a|nobody)/);
  });

  it('reports items that no consumer took once every thread has finished', () => {
    const model: Model = {
      name: 'forgetful',
      summary: 'puts two items, takes one',
      memory: { buffers: { buf: 2 } },
      items: [2],
      threads: [
        {
          name: 'p1',
          *run(t) {
            yield t.put('buf', 0, itemOf(0, 0));
            yield t.put('buf', 1, itemOf(0, 1));
            yield t.take('buf', 0);
          },
        },
      ],
    };
    const violation = explore(model).violation!;
    expect(violation.kind).toBe('missing');
    expect(violation.message).toMatch(/p1#2 was never consumed/);
  });

  it('explores fewer states under a preemption bound and still finds the no-mutex bug', () => {
    const model = buildModel('no-mutex', { producers: 2, consumers: 2, capacity: 2, items: 2 });
    const full = explore(
      buildModel('three-semaphores', { producers: 2, consumers: 2, capacity: 2, items: 2 }),
    );
    const bounded = explore(
      buildModel('three-semaphores', { producers: 2, consumers: 2, capacity: 2, items: 2 }),
      {
        maxPreemptions: 1,
      },
    );
    expect(bounded.status).toBe('holds');
    expect(bounded.stats.states).toBeLessThan(full.stats.states);
    expect(explore(model, { maxPreemptions: 1 }).violation?.kind).toBe('lost-item');
  });

  it('stops with status incomplete at the state limit', () => {
    const verdict = explore(
      buildModel('three-semaphores', { producers: 2, consumers: 2, capacity: 2, items: 2 }),
      {
        maxStates: 50,
      },
    );
    expect(verdict.status).toBe('incomplete');
    expect(verdict.status === 'incomplete' && verdict.stoppedBy).toBe('states');
    expect(verdict.stats.states).toBe(50);
  });

  it('bounds the search for the shortest trace by time and keeps the trace it found, marked as such', () => {
    // Unbounded, this search stored states for minutes and died with "Map maximum size exceeded".
    const model = buildModel('conveyor-buffer-no-mark', {
      producers: 2,
      consumers: 2,
      capacity: 2,
      items: 3,
    });
    const verdict = explore(model, { shortestMs: 100 });
    expect(verdict.status).toBe('violation');
    if (verdict.status !== 'violation') return;
    expect(verdict.violation.shortest).toBe(false);
    expect(verdict.violation.note).toMatch(/stopped at the time limit \(100 ms\)/);
    expect(verdict.violation.kind).toBe('deadlock');
    expect(replay(model, verdict.violation.steps).violation?.kind).toBe('deadlock');
  });

  it('marks a trace as the shortest when the breadth-first search finished', () => {
    const verdict = explore(buildModel('no-mutex'));
    expect(verdict.status === 'violation' && verdict.violation.shortest).toBe(true);
    expect(verdict.violation?.note).toBeUndefined();
  });

  it('rejects bad options and bad models with errors that name the bad value', () => {
    const model = buildModel('three-semaphores');
    expect(() => explore(model, { maxDepth: 0 })).toThrow(/maxDepth must be an integer >= 1 .*got 0/);
    expect(() => explore(model, { maxPreemptions: Number.NaN })).toThrow(RangeError);
    expect(() => buildModel('three-semaphores', { capacity: 0 })).toThrow(
      /capacity must be an integer from 1 to 8, got 0/,
    );
    expect(() => buildModel('nope')).toThrow(ModelError);
    const typo: Model = {
      name: 'typo',
      summary: 'names memory it does not declare',
      memory: {},
      threads: [
        {
          name: 'a',
          *run(t) {
            yield t.read('nowhere');
          },
        },
      ],
    };
    expect(() => explore(typo)).toThrow(/thread a: no shared word named 'nowhere'/);
  });

  it('refuses a schedule that runs a blocked thread or belongs to another model', () => {
    const model = buildModel('three-semaphores', { producers: 1, consumers: 1, capacity: 1, items: 1 });
    expect(() => replay(model, [1])).toThrow(/c1 cannot run: it is blocked on acquire\(full\)/);
    expect(() => replay(model, 'no-mutex:1,1,1,1:0')).toThrow(ScheduleError);
    expect(() => replay(model, 'seed:1,1,1,1:!')).toThrow(/malformed schedule/);
  });
});
