import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run.js';
import { runCli, startCli } from './helpers.js';

/** Runs the command in this process with captured streams (no workers start for bad input). */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCommand(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    signals: null,
  });
  return { code, stdout, stderr };
}

describe('conveyor run on bad input', () => {
  it.each([
    [['--capacity', '0'], "--capacity must be an integer from 1 to 1048576, got '0'"],
    [['--items', '-1'], "--items must be an integer from 1 to 1000000, got '-1'"],
    [['--time-scale', 'abc'], "--time-scale must be a number from 0 to 1000 (such as 0.01), got 'abc'"],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['--items'], '--items needs a value'],
    [['--items', '--json'], '--items needs a value'],
    [['--producers', '1.5'], "--producers must be an integer from 1 to 64, got '1.5'"],
    [['--consume-ms', '500-100'], "--consume-ms: the range's MIN must not exceed its MAX, got '500-100'"],
    [
      ['--produce-ms', 'fast'],
      "--produce-ms must be milliseconds from 0 to 3600000, or a range MIN-MAX such as 100-400, got 'fast'",
    ],
    [['--mode', 'turbo'], "--mode must be 'classic' or 'buffer', got 'turbo'"],
    [['extra'], 'unexpected argument extra (conveyor run takes only options)'],
    [['--chart', 'run.png'], "--chart draws SVG only: give a file name ending in .svg, got 'run.png'"],
    [['--capacity', '1e9'], "--capacity must be an integer from 1 to 1048576, got '1e9'"],
  ])('%j exits with 2, one clear line and the usage', async (argv, message) => {
    const { code, stdout, stderr } = await inProcess(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const [first, blank, usage] = stderr.split('\n');
    expect(first).toBe(`conveyor run: ${message}`);
    expect(blank).toBe('');
    expect(usage).toBe('Usage: conveyor run [options]');
  });

  it('exits with 2 from the real binary too', async () => {
    const { code, stdout, stderr } = await runCli(['--capacity', '0']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toBe(
      "conveyor run: --capacity must be an integer from 1 to 1048576, got '0'",
    );
  });

  it('prints the usage on --help and the version on --version', async () => {
    const help = await inProcess(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--time-scale F');
    const version = await inProcess(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('conveyor run reading numbers', () => {
  it('accepts every way of writing a whole number that Number.isInteger accepts (1e3, +4, 0x10)', async () => {
    const { code, stdout, stderr } = await runCli([
      '--capacity',
      '1e3',
      '--producers',
      '+2',
      '--items',
      '0x10',
      '--time-scale',
      '0',
      '--json',
    ]); // prettier-ignore
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ capacity: 1000, produced: 32, consumed: 32 });
  });
});

describe('conveyor run on Ctrl-C', () => {
  it('stops the workers, prints the summary so far and exits with 130', async () => {
    const run = startCli(['--time-scale', '0.05']);
    await run.seen('Consumer consumed item: 2');
    run.kill('SIGINT');
    const { code, stdout, stderr } = await run.result;
    expect(code).toBe(130);
    expect(stderr).toMatch(/Stopped: \d+ produced, \d+ consumed/);
    expect(stderr).toContain('(stopped)');
    const lines = stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThan(40);
  });
});
