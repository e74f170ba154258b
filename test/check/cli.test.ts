import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkCommand } from '../../src/cli/check.js';

/** Runs `conveyor check ...args` in-process and returns its exit code and output. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const code = await checkCommand(args);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('conveyor check', () => {
  it('exits 0 and says HOLDS for the seed protocol', async () => {
    const { code, stdout } = await run('--model', 'seed', '--producers', '1', '--consumers', '2');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^HOLDS/m);
    expect(stdout).toMatch(/explored [\d,]+ states, [\d,]+ transitions/);
  });

  it('exits 1 for no-mutex and prints numbered steps, memory and a schedule that replays', async () => {
    const { code, stdout } = await run('--model', 'no-mutex');
    expect(code).toBe(1);
    expect(stdout).toMatch(/VIOLATION \(lost-item\)/);
    expect(stdout).toMatch(/^ {2}1\. p1 +acquire\(empty\) +empty=1 full=0 in=0 out=0 buffer=\[· ·\]$/m);
    const schedule = /^schedule: (\S+)$/m.exec(stdout)![1];
    const replayed = await run('--replay', schedule);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toMatch(/VIOLATION \(lost-item\)/);
  });

  it('prints one JSON object with the verdict, statistics, trace and schedule', async () => {
    const { code, stdout } = await run('--model', 'no-full', '--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.status).toBe('violation');
    expect(report.violation.kind).toBe('underflow');
    expect(report.stats.states).toBeGreaterThan(0);
    expect(report.schedule).toMatch(/^no-full:2,2,2,2:[0-9a-z]+$/);
    expect(report.violation.trace[0]).toMatchObject({ step: 1, memory: { semaphores: { empty: 2 } } });
  });

  it('lists every model', async () => {
    const { code, stdout } = await run('--list');
    expect(code).toBe(0);
    for (const name of [
      'seed',
      'no-mutex',
      'swapped-acquire',
      'no-empty',
      'no-full',
      'wrong-release',
      'conveyor-buffer',
    ]) {
      expect(stdout).toMatch(new RegExp(`^${name} `, 'm'));
    }
  });

  for (const [args, message] of [
    [['--model', 'nope'], "unknown model 'nope'"],
    [['--producers', '0'], "--producers must be an integer >= 1, got '0'"],
    [['--capacity', '0'], "--capacity must be an integer >= 1, got '0'"],
    [['--items', 'two'], "--items must be an integer >= 1, got 'two'"],
    [['--replay', 'seed:1,1,1,1:?'], "malformed schedule 'seed:1,1,1,1:?'"],
    [['--replay', 'seed:1,1,1,1:1'], 'c1 cannot run: it is blocked on acquire(full)'],
    [['--bogus'], "Unknown option '--bogus'"],
  ] as const) {
    it(`exits 2 with one clear line and the usage for ${args.join(' ')}`, async () => {
      const { code, stdout, stderr } = await run(...args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const [first] = stderr.split('\n');
      expect(first).toContain(message);
      expect(stderr).toMatch(/Usage: conveyor check/);
    });
  }
});
