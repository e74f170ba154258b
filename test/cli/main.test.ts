import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliCommand } from '../run/helpers.js';

/**
 * Runs `conveyor ...args` with its stdout a pipe whose reading end is closed at once, as
 * `conveyor ... | head -c 0` would: every write to stdout then fails with EPIPE.
 */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliCommand(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('conveyor writing to a reader that stopped reading', () => {
  it.each([
    [['run', '--time-scale', '0.001']],
    [['run', '--time-scale', '0', '--json']],
    [['check', '--json', '--list']],
    [['check', '--model', 'no-mutex']],
  ])('%j ends quietly with 0, as Unix tools do', async (args) => {
    const { code, stderr } = await withClosedStdout(args);
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });
});
