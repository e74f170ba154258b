import { describe, expect, it, vi } from 'vitest';
import { TimeoutError } from '../../../src/index.js';
import { Line, Waiter, waitIn } from '../../../src/queue/channel/waiters.js';
import { Deadline } from '../../../src/sync/wait/deadline.js';

function waiters(n: number): Waiter<number>[] {
  return Array.from({ length: n }, (_, i) => {
    const w = new Waiter<number>();
    w.item = i;
    return w;
  });
}

describe("the Channel's waiters", () => {
  it('a line is FIFO, and any waiter leaves it at once wherever it stands', () => {
    const line = new Line<number>();
    const [a, b, c, d] = waiters(4);
    for (const w of [a, b, c, d]) line.push(w);
    line.remove(c);
    expect(c.line).toBeNull();
    line.remove(a);
    expect(line.length).toBe(2);
    expect([line.shift().item, line.shift().item]).toEqual([1, 3]);
    expect(line.first).toBeNull();
    expect(line.last).toBeNull();
  });

  it('a timed wait leaves its line and rejects when its time is up, then says the line moved', async () => {
    const line = new Line<number>();
    const left: Line<number>[] = [];
    const [w] = waiters(1);
    const waiting = waitIn(line, w, new Deadline({ timeout: 10 }), 'Test.wait', (l) => left.push(l));
    expect(line.length).toBe(1);
    await expect(waiting).rejects.toBeInstanceOf(TimeoutError);
    expect(line.length).toBe(0);
    expect(left).toEqual([line]);
  });

  it('an aborted wait rejects with the reason and leaves its line', async () => {
    const line = new Line<number>();
    const controller = new AbortController();
    const [aborted, behind] = waiters(2);
    const first = waitIn(line, aborted, new Deadline({ signal: controller.signal }), 'Test.wait', () => {});
    void waitIn(line, behind, undefined, 'Test.wait', () => {});
    controller.abort(new Error('stop'));
    await expect(first).rejects.toThrow('stop');
    expect(line.first).toBe(behind);
    expect(line.length).toBe(1);
  });

  it('a waiter leaving its line clears its timer and its abort listener', async () => {
    const line = new Line<number>();
    const controller = new AbortController();
    const [served] = waiters(1);
    const deadline = new Deadline({ timeout: 60_000, signal: controller.signal });
    const waiting = waitIn<number, string>(line, served, deadline, 'Test.wait', () => {});
    const timer = served.timer;
    expect(timer).toBeDefined();
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    const unlistened = vi.spyOn(controller.signal, 'removeEventListener');
    line.remove(served);
    expect(cleared).toHaveBeenCalledWith(timer);
    expect(unlistened).toHaveBeenCalledWith('abort', served.onAbort);
    vi.restoreAllMocks();
    (served.resolve as (value: string) => void)('done');
    expect(await waiting).toBe('done');
    expect(served.line).toBeNull();
  });

  it('a wait whose time is already up rejects without queueing', async () => {
    const line = new Line<number>();
    const [w] = waiters(1);
    await expect(waitIn(line, w, new Deadline({ timeout: 0 }), 'Test.wait', () => {})).rejects.toThrow(
      'Test.wait timed out after 0 ms',
    );
    expect(line.length).toBe(0);
  });
});
