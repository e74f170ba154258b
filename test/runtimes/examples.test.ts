// docs/runtimes.md shows examples/runtimes/ verbatim, and the examples run: main.js with its Web
// Worker on Bun and Deno here, the browser page in test/browser/chromium.test.ts. With CI=true a
// runtime that is not installed fails here; elsewhere it is skipped.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installed, ROOT, RUNTIMES } from './runtimes.js';

const CI = process.env.CI === 'true';
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const EXAMPLES = [
  'examples/runtimes/main.js',
  'examples/runtimes/consumer.js',
  'examples/runtimes/browser/index.html',
  'examples/runtimes/browser/page.js',
];

describe('the runtime examples', () => {
  it('docs/runtimes.md shows each example file whole, in a code block', () => {
    const docs = read('docs/runtimes.md');
    for (const example of EXAMPLES) expect(docs, example).toContain(`\n${read(example)}\`\`\``);
  });

  it("the browser's worker is consumer.js importing conveyor by URL", () => {
    const strip = (text: string) => text.split('\n').slice(2).join('\n'); // the comment's first two lines
    expect(strip(read('examples/runtimes/browser/consumer.js'))).toBe(
      strip(read('examples/runtimes/consumer.js')).replace("from 'conveyor';", "from '/conveyor/core.js';"),
    );
  });

  for (const runtime of RUNTIMES.filter((r) => r.name === 'Bun' || r.name === 'Deno')) {
    const present = installed(runtime);
    it.skipIf(!present && !CI)(`main.js moves 100 items to its Web Worker on ${runtime.name}`, () => {
      if (!present) throw new Error(`${runtime.name} is not installed: run scripts/install-runtimes.sh`);
      const args =
        runtime.name === 'Deno' ? ['run', '-A', 'examples/runtimes/main.js'] : ['examples/runtimes/main.js'];
      const child = spawnSync(runtime.binary, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(child.status, child.stderr).toBe(0);
      expect(child.stdout.trim()).toBe('the worker got 100 items, summing to 5050');
    });
  }
});
