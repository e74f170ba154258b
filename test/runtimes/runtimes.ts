// The runtimes besides the Node that runs vitest, and how each one runs the same test files: Node 22
// and 24 through vitest itself, Bun through `bun test` (which reads vitest's imports as its own),
// Deno through the vitest shim (harness/run-cases.ts). Bun and Deno import conveyor from dist/.
// The binaries come from scripts/install-runtimes.sh, into .runtimes/.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALLED = join(ROOT, '.runtimes/node_modules');

/** The one source of cases: the queue and sync contract suites and the cross-worker stress. */
export const CASE_FILES = [
  'test/contract/bounded-buffer-contract.test.ts',
  'test/contract/channel-contract.test.ts',
  'test/sync/semaphore.test.ts',
  'test/sync/mutex.test.ts',
  'test/stress/cross-thread.test.ts',
];

/**
 * Every case in those files but the stress file's, which run on Node 20 in full, plus one stress
 * configuration (2 producers, 2 consumers, capacity 2) with STRESS_ITEMS items: the time budget.
 */
export const CASE_FILTER =
  '^(?!BoundedBuffer across worker threads)|2 producers and 2 consumers through capacity 2 lose';

export const STRESS_ITEMS = 20_000;

export interface Counts {
  passed: number;
  failed: number;
}

export interface Runtime {
  name: string;
  binary: string;
  /** The command line, and a way to read the counts once it has exited. */
  prepare(): { args: string[]; env: Record<string, string>; counts(output: string): Counts; cleanup(): void };
}

const nodeVersion = (major: number): Runtime => ({
  name: `Node ${major}`,
  binary: join(INSTALLED, `node${major}/bin/node`),
  prepare() {
    const folder = mkdtempSync(join(tmpdir(), 'conveyor-vitest-'));
    const report = join(folder, 'report.json');
    return {
      args: [
        join(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        ...CASE_FILES,
        '--testNamePattern',
        CASE_FILTER,
        '--reporter=dot',
        '--reporter=json',
        `--outputFile.json=${report}`,
      ],
      env: {},
      counts() {
        const json = JSON.parse(readFileSync(report, 'utf8')) as {
          numPassedTests: number;
          numFailedTests: number;
        };
        return { passed: json.numPassedTests, failed: json.numFailedTests };
      },
      cleanup: () => rmSync(folder, { recursive: true, force: true }),
    };
  },
});

const bunPreload = join(ROOT, 'test/runtimes/bun-dist.ts');

export const RUNTIMES: Runtime[] = [
  nodeVersion(22),
  nodeVersion(24),
  {
    name: 'Bun',
    binary: join(INSTALLED, '@oven/bun-linux-x64/bin/bun'),
    prepare: () => ({
      args: [
        'test',
        '--timeout',
        '60000',
        '--preload',
        bunPreload,
        '--test-name-pattern',
        CASE_FILTER,
        ...CASE_FILES.map((file) => `./${file}`),
      ],
      env: { CONVEYOR_BUN_PRELOAD: bunPreload },
      counts: (output) => ({
        passed: Number(/^\s*(\d+) pass$/m.exec(output)?.[1] ?? 0),
        failed: Number(/^\s*(\d+) fail$/m.exec(output)?.[1] ?? 0),
      }),
      cleanup() {},
    }),
  },
  {
    name: 'Deno',
    binary: join(INSTALLED, '@deno/linux-x64-glibc/deno'),
    prepare: () => ({
      args: [
        'run',
        '-A',
        '--sloppy-imports',
        '--import-map',
        'test/runtimes/harness/import-map.json',
        'test/runtimes/harness/run-cases.ts',
        '--filter',
        CASE_FILTER,
        ...CASE_FILES,
      ],
      env: {},
      counts: (output) =>
        JSON.parse(/^RESULT (.*)$/m.exec(output)?.[1] ?? '{"passed":0,"failed":0}') as Counts,
      cleanup() {},
    }),
  },
];

export const installed = (runtime: Runtime) => existsSync(runtime.binary);
