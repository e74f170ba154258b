// startWorker(): a user's worker file runs whether it is JavaScript or TypeScript (under tsx on
// Node 20, with Node's type stripping where it is on).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeTypeScript, startWorker, WorkerPool } from '../../src/index.js';
import { exited, firstMessage } from '../helpers/worker.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);

describe('startWorker', () => {
  it('starts a .ts worker file, passing the Worker options on', async () => {
    const worker = startWorker(new URL('typed-worker.ts', FIXTURES), {
      workerData: { words: ['ab', 'cde'] },
    });
    expect(await firstMessage(worker)).toEqual({ lengths: [2, 3], typescript: true });
    expect(await exited(worker)).toBe(0);
  });

  it('starts a .mjs worker file as it is, from a URL or a path', async () => {
    const url = new URL('../pool/fixtures/tasks.mjs', import.meta.url);
    for (const file of [url, fileURLToPath(url)]) {
      const worker = startWorker(file);
      expect(await exited(worker)).toBe(0); // a module with only a default export: it loads and ends
    }
  });

  it('refuses what is not a file or a known typescript mode, naming it', () => {
    expect(() => startWorker(42 as never)).toThrow(/needs a file URL or a path, got 42 \(number\)/);
    expect(() => startWorker(new URL('typed-worker.ts', FIXTURES), { typescript: 'swc' as never })).toThrow(
      /typescript must be 'auto', 'tsx', true or false, got 'swc'/,
    );
  });

  it('says which way this Node runs TypeScript by itself', () => {
    const mode = nativeTypeScript();
    const [major, minor] = process.versions.node.split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 6)) expect(mode).toBe(false);
    else expect([false, 'strip', 'transform']).toContain(mode);
  });
});

describe('a WorkerPool with a .ts task module', () => {
  it('runs it (here: the sources under tsx)', async () => {
    await using pool = new WorkerPool<{ items: { price: number; quantity: number }[] }, number>(
      new URL('typed-task.ts', FIXTURES),
      { threads: 1 },
    );
    expect(await pool.run({ items: [{ price: 2, quantity: 5 }] })).toBe(10);
  });

  it('runs it from the built package in a plain node process, as a user would', async () => {
    const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    expect(existsSync(dist), 'dist/ is missing: run npm run build (npm test does)').toBe(true);
    const script = fileURLToPath(new URL('pool-from-dist.mjs', FIXTURES));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [script], { timeout: 60_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      );
    });
    expect(JSON.parse(stdout)).toEqual({ total: 16 });
  });
});
