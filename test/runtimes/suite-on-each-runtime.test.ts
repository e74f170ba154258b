// The contract suites and one cross-worker stress run pass on Node 22 and 24, Bun and Deno, each
// running the very same test files, and each passing the same number of cases. With CI=true a
// runtime that is not installed (scripts/install-runtimes.sh) fails here; elsewhere it is skipped.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CASE_FILES,
  type Counts,
  installed,
  ROOT,
  RUNTIMES,
  type Runtime,
  STRESS_ITEMS,
} from './runtimes.js';

const CI = process.env.CI === 'true';
const LIMIT_MS = 240_000;

/** The environment without vitest's own variables, which would confuse a vitest started inside. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CONVEYOR_STRESS_ITEMS: String(STRESS_ITEMS),
    ...extra,
  };
  for (const key of Object.keys(env))
    if (key.startsWith('VITEST') || key.startsWith('TINYPOOL')) delete env[key];
  return env;
}

function runSuite(runtime: Runtime): Promise<Counts & { output: string; code: number | null }> {
  const { args, env, counts, cleanup } = runtime.prepare();
  return new Promise((resolve, reject) => {
    const child = spawn(runtime.binary, args, { cwd: ROOT, env: cleanEnv(env) });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      try {
        resolve({ ...counts(output), output, code });
      } catch (error) {
        reject(new Error(`${runtime.name}: no counts (${String(error)}); output:\n${output.slice(-3000)}`));
      } finally {
        cleanup();
      }
    });
  });
}

describe('the contract suites and a cross-worker stress run on each runtime', () => {
  const passed = new Map<string, number>();

  it('finds every case file (a renamed one would run nowhere, silently)', () => {
    for (const file of CASE_FILES) expect(existsSync(join(ROOT, file)), file).toBe(true);
  });

  for (const runtime of RUNTIMES) {
    const present = installed(runtime);
    it.skipIf(!present && !CI)(
      `pass on ${runtime.name}`,
      async () => {
        if (!present) {
          throw new Error(
            `${runtime.name} is not installed at ${runtime.binary}: run scripts/install-runtimes.sh`,
          );
        }
        const result = await runSuite(runtime);
        if (result.failed > 0 || result.code !== 0) console.error(result.output.slice(-6000));
        expect(result.failed).toBe(0);
        expect(result.passed).toBeGreaterThan(0);
        expect(result.code).toBe(0);
        passed.set(runtime.name, result.passed);
      },
      LIMIT_MS + 10_000,
    );
  }

  it('every runtime ran the same number of cases', () => {
    if (passed.size < 2) return; // needs two runtimes to compare; the per-runtime cases fail or skip above
    expect(new Set(passed.values()).size, JSON.stringify(Object.fromEntries(passed))).toBe(1);
  });
});
