import { describe, expect, it } from 'vitest';
import { CodeMemory, type WordMap } from '../../src/check/code-memory.js';
import { ModelError } from '../../src/check/errors.js';
import { Layout, OP, ThreadContext } from '../../src/check/model.js';

// A memory of two words, x (index 0) and y (index 1, a futex word), and two data slots.
const map: WordMap = {
  ref: (index) => (index === 0 ? 'x' : index === 1 ? 'y' : undefined),
  futex: (index) => index === 1,
};
const layout = new Layout({ words: { x: 0, y: 0 }, buffers: { slot: 2 }, futexes: ['y'] });
const t = new ThreadContext(layout, 0);

function memory(faults = {}) {
  return new CodeMemory(new Int32Array(2), 2, map, 'slot', faults);
}

describe('the recorded memory that runs real code under the explorer', () => {
  it("stops the code at its first access past the results, as that access's step", () => {
    const m = memory();
    const body = () => {
      const x = Atomics.load(m.words, 0);
      Atomics.compareExchange(m.words, 1, x, x + 1);
      m.slots[1] = 7;
    };
    expect(m.replay(t, [], body).step).toMatchObject({ op: OP.READ, text: 'read x' });
    expect(m.replay(t, [5], body).step).toMatchObject({ op: OP.CAS, a: 5, b: 6, text: 'cas y 5 → 6' });
    expect(m.replay(t, [5, 5], body).step).toMatchObject({ op: OP.PUT, a: 7, text: 'slot[1] := p1#7' });
    expect(m.replay(t, [5, 5, 0], body).step.op).toBe(OP.DONE);
  });

  it('puts the real Atomics back after every replay, also when the code throws', () => {
    const real = Atomics;
    const m = memory();
    m.replay(t, [], () => Atomics.load(m.words, 0));
    expect(globalThis.Atomics).toBe(real);
    const { step } = m.replay(t, [], () => {
      throw new RangeError('bad stamp 9');
    });
    expect(globalThis.Atomics).toBe(real);
    expect(step).toMatchObject({
      op: OP.ASSERT,
      a: 0,
      text: 'assert the code threw RangeError: bad stamp 9',
    });
  });

  it('refuses a word the model does not hold, naming its index, and calls it does not model', () => {
    const m = memory();
    expect(() => m.replay(t, [], () => Atomics.load(m.words, 1 + 1))).toThrow(/the code touched word 2/);
    expect(() => m.replay(t, [], () => Atomics.add(m.words, 0, 1))).toThrow(ModelError);
    expect(() => m.replay(t, [], () => Atomics.load(new Int32Array(4), 0))).toThrow(/outside the model/);
    expect(() => m.replay(t, [], () => Atomics.wait(m.words, 1, 0, 10))).toThrow(/has no clock/);
    expect(() => m.replay(t, [], () => m.words.fill(0))).toThrow(/fill of a word array/);
  });

  it('says so when the code does not retrace its steps', () => {
    const m = memory();
    let calls = 0;
    const body = () => {
      if (calls++ === 0) Atomics.load(m.words, 0);
    };
    m.replay(t, [], body);
    expect(() => m.replay(t, [0], body)).toThrow(/not deterministic/);
  });

  it('waits as Atomics.wait does: not-equal at once, or an enqueue and a sleep', () => {
    const m = memory();
    let answer = '';
    const body = () => {
      answer = Atomics.wait(m.words, 1, 3);
    };
    expect(m.replay(t, [], body).step).toMatchObject({ op: OP.WAIT, a: 3 });
    m.replay(t, [0], body);
    expect(answer).toBe('not-equal');
    expect(m.replay(t, [1], body).step.op).toBe(OP.SLEEP);
    m.replay(t, [1, 0], body);
    expect(answer).toBe('ok');
  });

  it('hides the WAITING bit from exchanges on futex words, as the no-mark variant asks', () => {
    const m = memory({ hideWaitingBit: true });
    let old = 0;
    const body = () => {
      old = Atomics.exchange(m.words, 1, 4);
    };
    m.replay(t, [(1 << 31) | 3], body);
    expect(old).toBe(3);
  });

  it('lands slot writes after the next exchange, as the publish-first variant asks', () => {
    const m = memory({ writeAfterPublish: true });
    const body = () => {
      m.slots[0] = 9;
      Atomics.exchange(m.words, 1, 1);
    };
    expect(m.replay(t, [], body).step.op).toBe(OP.EXCHANGE);
    expect(m.replay(t, [0], body).step).toMatchObject({ op: OP.PUT, a: 9 });
  });

  it('declares a state only where the replay stands, and declareWoken only right after a wait', () => {
    const m = memory();
    const body = () => {
      m.declare('start');
      Atomics.load(m.words, 0);
      m.declareWoken('after a read');
      Atomics.wait(m.words, 1, 0);
      m.declareWoken('woken');
      Atomics.load(m.words, 0);
    };
    expect(m.replay(t, [], body).declared).toBe('start');
    expect(m.replay(t, [0], body).declared).toBeUndefined();
    expect(m.replay(t, [0, 0], body).declared).toBe('woken');
  });
});
