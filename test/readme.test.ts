// The README's code runs as printed, so it cannot rot: fenced blocks tagged `js test` run on
// their own and print what their `// prints:` lines say; blocks tagged `js file=NAME` are written
// side by side and `main.mjs` is run. They import 'conveyor' by the package's own name (dist/),
// from a folder inside the repository so that the name resolves to this package.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/^```js ([^\n]+)\n([\s\S]*?)^```$/gm)].map(([, info, code]) => ({
  info,
  code,
}));
const dir = mkdtempSync(join(ROOT, 'test', '.readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('the README', () => {
  it('has runnable blocks, and dist/ is built (npm test builds it)', () => {
    expect(existsSync(join(ROOT, 'dist', 'index.js')), 'run npm run build').toBe(true);
    expect(BLOCKS.filter((b) => b.info === 'test').length).toBeGreaterThanOrEqual(2);
    expect(BLOCKS.filter((b) => b.info.startsWith('file=')).map((b) => b.info)).toEqual([
      'file=main.mjs',
      'file=consumer.mjs',
    ]);
  });

  it.each(BLOCKS.filter((b) => b.info === 'test').map((b, i) => [i + 1, b.code] as const))(
    'block %i runs and prints what it says',
    async (i, code) => {
      const file = `block-${i}.mjs`;
      writeFileSync(join(dir, file), code);
      const expected = [...code.matchAll(/^\/\/ prints: (.*)$/gm)].map(([, line]) => line);
      expect(expected.length).toBeGreaterThan(0);
      const result = await node(file);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.trimEnd().split('\n')).toEqual(expected);
    },
  );

  it('worker example: the consumer prints each item as it comes, not all at the close', async () => {
    for (const block of BLOCKS.filter((b) => b.info.startsWith('file='))) {
      writeFileSync(join(dir, block.info.slice('file='.length)), block.code);
    }
    const { code, stdout, stderr } = await node('main.mjs');
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    const numbers = (prefix: string) =>
      lines.filter((l) => l.startsWith(prefix)).map((l) => Number(l.split(': ')[1]));
    expect(numbers('Producer produced:')).toEqual([1, 2, 3, 4, 5]);
    expect(numbers('Consumer consumed item:')).toEqual([1, 2, 3, 4, 5]); // nothing lost, in order
    // With a worker blocked in getSync, its console.log lines only came out after the close.
    expect(lines.indexOf('Consumer consumed item: 1')).toBeLessThan(lines.indexOf('Producer produced: 5'));
  });
});
