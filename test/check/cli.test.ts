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
  it('exits 0 and says HOLDS for the three-semaphore protocol, the model it checks by default', async () => {
    const { code, stdout } = await run('--producers', '1', '--consumers', '2');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^model three-semaphores: 1 producer, 2 consumers/m);
    expect(stdout).toMatch(/^HOLDS/m);
    expect(stdout).toMatch(/explored [\d,]+ states, [\d,]+ transitions/);
  });

  it('still takes the old name seed for the three-semaphore model, and replays its schedules', async () => {
    const asSeed = await run('--model', 'seed', '--producers', '1', '--consumers', '2', '--json');
    const asNew = await run('--model', 'three-semaphores', '--producers', '1', '--consumers', '2', '--json');
    expect(asSeed.code).toBe(0);
    const [seed, renamed] = [JSON.parse(asSeed.stdout), JSON.parse(asNew.stdout)];
    expect(seed.model).toBe('seed');
    expect(renamed.model).toBe('three-semaphores');
    expect(seed.status).toBe('holds');
    expect(seed.stats.states).toBe(renamed.stats.states);
    expect(seed.stats.transitions).toBe(renamed.stats.transitions);
    const replayed = await run('--replay', 'seed:1,1,1,1:00000001111111');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/^model seed: 1 producer, 1 consumer/m);
    expect(replayed.stdout).toContain('every thread finished; no check broke');
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
      'three-semaphores',
      'no-mutex',
      'swapped-acquire',
      'no-empty',
      'no-full',
      'wrong-release',
      'conveyor-buffer',
    ]) {
      expect(stdout).toMatch(new RegExp(`^${name} `, 'm'));
    }
    expect(stdout).toMatch(/^seed +old name of three-semaphores, still accepted$/m);
  });

  for (const [args, message] of [
    [['--model', 'nope'], "unknown model 'nope'"],
    [['--producers', '0'], "--producers must be an integer from 1 to 8, got '0'"],
    [['--capacity', '0'], "--capacity must be an integer from 1 to 8, got '0'"],
    [['--capacity', '9'], "--capacity must be an integer from 1 to 8, got '9'"],
    [['--items', 'two'], "--items must be an integer from 1 to 30, got 'two'"],
    [['--items', '-1'], "--items must be an integer from 1 to 30, got '-1'"],
    [['--max-states', '0'], "--max-states must be an integer >= 1, got '0'"],
    [['--items'], '--items needs a value'],
    [['extra'], 'unexpected argument extra (conveyor check takes only options)'],
    [['--replay', 'seed:1,1,1,1:?'], "malformed schedule 'seed:1,1,1,1:?'"],
    [['--replay', 'seed:1,1,1,1:1'], 'step 1: thread c1 cannot run: it is blocked on acquire(full)'],
    [['--bogus'], 'unknown option --bogus'],
  ] as const) {
    it(`exits 2 with one clear line, a blank line and the usage for ${args.join(' ')}`, async () => {
      const { code, stdout, stderr } = await run(...args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const [first, blank, usage] = stderr.split('\n');
      expect(first).toContain(`conveyor check: ${message}`);
      expect(first).not.toMatch(/ambiguous|Unknown option '/);
      expect(blank).toBe('');
      expect(usage).toMatch(/^Usage: conveyor check/);
    });
  }

  it('states the limits of each size in --help', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/--producers N +producer threads, 1 to 8 /);
    expect(stdout).toMatch(/--consumers N +consumer threads, 1 to 8 /);
    expect(stdout).toMatch(/--capacity N +buffer slots, 1 to 8 /);
    expect(stdout).toMatch(/--items N +items per producer, 1 to 30 /);
  });

  it('lists the models as JSON with --list --json, in either order', async () => {
    for (const args of [
      ['--list', '--json'],
      ['--json', '--list'],
    ]) {
      const { code, stdout } = await run(...args);
      expect(code).toBe(0);
      const { models, aliases } = JSON.parse(stdout);
      expect(models.map((m: { name: string }) => m.name)).toContain('conveyor-buffer');
      expect(aliases).toEqual({ seed: 'three-semaphores' });
      expect(models.find((m: { name: string }) => m.name === 'three-semaphores')).toMatchObject({
        summary: expect.stringContaining('mutex'),
        defaults: { producers: 2, consumers: 2, capacity: 2, items: 2 },
      });
    }
  });

  it('completes conveyor-buffer at its default sizes and says the proof covers those sizes only', async () => {
    const { code, stdout } = await run('--model', 'conveyor-buffer');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^model conveyor-buffer: 2 producers, 1 consumer, capacity 2, 1 item each$/m);
    expect(stdout).toMatch(/^HOLDS/m);
    expect(stdout).toContain('for these sizes only');
  });

  it('says a HOLDS found under --max-preemptions covers only those schedules', async () => {
    const { code, stdout } = await run('--model', 'seed', '--max-preemptions', '1');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^ {2}with at most 1 preemption \(--max-preemptions\): a proof for these sizes and those schedules only$/m,
    );
    expect(stdout).not.toContain('for these sizes only:');
  });

  it('exits 3, not 1, when the search stops at --max-states, and says what that means', async () => {
    const { code, stdout } = await run('--model', 'three-semaphores', '--max-states', '50');
    expect(code).toBe(3);
    expect(stdout).toMatch(/^INCOMPLETE: stopped at the state limit/m);
    expect(stdout).toContain('no proof either');
  });

  it('keeps the shortest-trace search within --max-states and prints the trace it has with a note', async () => {
    const { code, stdout } = await run(
      '--model',
      'conveyor-buffer-no-mark',
      '--producers',
      '2',
      '--items',
      '3',
      '--max-states',
      '2000',
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/^VIOLATION \(deadlock\)/m);
    expect(stdout).toMatch(/; trace: \d+ steps$/m);
    expect(stdout).toMatch(/^note: the search for a shorter trace stopped at the state limit \(2000\)/m);
    const schedule = /^schedule: (\S+)$/m.exec(stdout)![1];
    const replayed = await run('--replay', schedule);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toMatch(/VIOLATION \(deadlock\)/);
  });
});
