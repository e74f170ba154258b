// Keep-alive, the same rule for every waiting call: a pending Promise wait that another thread can
// end holds its process open until it settles; `{ ref: false }` lets an abandoned one not hold it;
// a Channel wait (only this thread could end it) never holds it. Each case runs in a real child
// process that must exit (or must stay until the other thread ends its wait).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const CHILD = new URL('../../workers/keep-alive-child.ts', import.meta.url).pathname;

/** Runs the child for one case; returns what it printed on exit and how long it took. */
function child(...args: string[]): { out: string; ms: number; status: number | null } {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { out: `${run.stdout}${run.stderr}`.trim(), ms: performance.now() - started, status: run.status };
}

describe('keep-alive of pending waits', () => {
  it.each(['semaphore', 'mutex', 'buffer'])(
    'an abandoned %s wait with { ref: false } lets the process exit, unsettled',
    (kind) => {
      const run = child(kind, 'false');
      expect(run.status).toBe(0);
      expect(run.out).toBe('exit: settled never');
    },
  );

  it.each(['ring-read', 'ring-write'])(
    'a pending ByteRing %s holds the process open until it settles, and with { ref: false } does not',
    (kind) => {
      expect(child(kind, 'default').out).toBe('exit: settled rejected'); // its 1 s timeout ran out
      const run = child(kind, 'false');
      expect(run.status).toBe(0);
      expect(run.out).toBe('exit: settled never');
    },
  );

  it('a pending Semaphore.acquire() holds the process open until another thread releases a permit', () => {
    const run = child('semaphore', 'default', 'release');
    expect(run.status).toBe(0);
    expect(run.out).toBe('exit: settled acquired');
  });

  it('a pending Channel.get() never holds the process (only this thread could end it)', () => {
    const run = child('channel', 'default');
    expect(run.status).toBe(0);
    expect(run.out).toBe('exit: settled never');
  });

  it("{ ref: false } unrefs the wait's timeout timer too: a 60 s acquire does not hold the process", () => {
    const run = child('semaphore-timeout', 'false');
    expect(run.out).toBe('exit: settled never');
    expect(run.ms).toBeLessThan(30_000);
  });

  it('refuses a ref that is not a boolean, naming it', async () => {
    const { Semaphore, BoundedBuffer } = await import('../../../src/index.js');
    await expect(new Semaphore(0).acquire({ ref: 'no' as never })).rejects.toThrow(
      /ref must be a boolean, got 'no' \(string\)/,
    );
    expect(() => new BoundedBuffer({ capacity: 1 }).getSync({ ref: 1 as never })).toThrow(
      /ref must be a boolean/,
    );
  });
});
