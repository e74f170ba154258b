// Runs Spin (spinroot.com; Debian package `spin`) on the Promela twin of the three-semaphore
// models, promela/three-semaphores.pml, for the cross-check: the same variant and parameters must get the same
// verdict from Spin as from explore(). Needs `spin` and a C compiler (`cc`) on PATH.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelParams } from './model.js';
import type { ThreeSemaphoreVariant } from './three-semaphores.js';

/** VARIANT numbers of promela/three-semaphores.pml. */
export const PROMELA_VARIANTS: Readonly<Record<ThreeSemaphoreVariant, number>> = {
  'three-semaphores': 0,
  'no-mutex': 1,
  'swapped-acquire': 2,
  'no-empty': 3,
  'no-full': 4,
  'wrong-release': 5,
};

/** The Promela file (it sits next to this module's source). */
export const THREE_SEMAPHORES_PML = fileURLToPath(
  new URL('../../src/check/promela/three-semaphores.pml', import.meta.url),
);

export interface SpinResult {
  /** Errors pan found: 0 means the model holds. */
  errors: number;
  /** The first error pan reported ('assertion violated (item!=0)', 'invalid end state'), if any. */
  firstError: string | null;
  /** States stored. */
  states: number;
  transitions: number;
  /** pan's own search time, in seconds (compile time excluded). */
  seconds: number;
  /** The spin and compiler command lines, to repeat by hand. */
  commands: string[];
  output: string;
}

/** Whether `spin` and `cc` can be run. */
export function spinAvailable(): boolean {
  try {
    execFileSync('spin', ['-V'], { stdio: 'pipe' });
    execFileSync('cc', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Generates, compiles (-O2 when `optimize`, else -O0: faster to build) and runs pan. */
export function runSpin(
  variant: ThreeSemaphoreVariant,
  params: ModelParams,
  options: { optimize?: boolean } = {},
): SpinResult {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-spin-'));
  try {
    const defines = [
      `-DP=${params.producers}`,
      `-DC=${params.consumers}`,
      `-DCAP=${params.capacity}`,
      `-DN=${params.items}`,
      `-DVARIANT=${PROMELA_VARIANTS[variant]}`,
    ];
    const spinArgs = ['-a', ...defines, THREE_SEMAPHORES_PML];
    const ccArgs = [options.optimize ? '-O2' : '-O0', '-DSAFETY', '-DMEMLIM=4096', '-o', 'pan', 'pan.c'];
    const panArgs = ['-m1000000'];
    execFileSync('spin', spinArgs, { cwd: dir, stdio: 'pipe' });
    execFileSync('cc', ccArgs, { cwd: dir, stdio: 'pipe' });
    let output: string;
    try {
      output = execFileSync(join(dir, 'pan'), panArgs, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      // pan exits non-zero on some errors; its report is still on stdout.
      output = String((error as { stdout?: unknown }).stdout ?? '');
    }
    const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? Number.NaN);
    return {
      errors: number(/errors: (\d+)/),
      firstError: /pan:1: (.*?) \(at depth/.exec(output)?.[1] ?? null,
      states: number(/(\d+) states, stored/),
      transitions: number(/(\d+) transitions \(= stored\+matched\)/),
      seconds: number(/pan: elapsed time ([\d.e+-]+) seconds/),
      commands: [`spin ${spinArgs.join(' ')}`, `cc ${ccArgs.join(' ')}`, `./pan ${panArgs.join(' ')}`],
      output,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
