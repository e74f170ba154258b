// conveyor in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): the page
// and two module Web Workers move every item through one BoundedBuffer exactly once, the queue
// contract suites pass on the page's main thread, a *Sync call on the page fails at once with a
// clear error, and a page that is not cross-origin isolated is told which headers it needs.
// With CI=true a missing Chromium fails these tests; elsewhere they are skipped.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './server.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const CI = process.env.CI === 'true';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--disable-extensions',
];

/** What index.html gives page.evaluate: an import() that vitest's transform does not rewrite. */
// biome-ignore lint/suspicious/noExplicitAny: a module's exports, typed where they are used
type Loader = { load(url: string): Promise<any> };

/** Checks that `streams` hold every item of `put` once, and each producer's items in order. */
function expectExactlyOnce(put: number[], streams: number[][], base: number): void {
  const taken = streams.flat();
  expect(taken.length).toBe(put.length);
  expect(Float64Array.from(taken).sort()).toEqual(Float64Array.from(put).sort());
  for (const stream of streams) {
    for (const producer of [stream.filter((x) => x < base), stream.filter((x) => x >= base)]) {
      expect(producer).toEqual([...producer].sort((a, b) => a - b));
    }
  }
}

describe.skipIf(!present && !CI)('conveyor in Chromium', () => {
  let context: BrowserContext;
  let server: Awaited<ReturnType<typeof startServer>>;
  let profile: string;

  beforeAll(async () => {
    if (!present) throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`);
    server = await startServer();
    profile = mkdtempSync(join(tmpdir(), 'conveyor-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      timeout: 30_000,
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function open(path = '/test/browser/pages/index.html'): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(server.origin + path);
    return page;
  }

  it('the page and two module Web Workers move every item through a BoundedBuffer exactly once', async () => {
    const page = await open();
    const outcome = await page.evaluate(async () => {
      const { run } = await (globalThis as unknown as Loader).load('/test/browser/pages/exactly-once.js');
      return run({ perProducer: 10_000, capacity: 8 });
    });
    await page.close();
    expect(outcome.isolated).toBe(true);
    expect(outcome.waitAsync).toBe('function');
    const put = [
      ...Array.from({ length: outcome.pagePut }, (_, k) => k),
      ...Array.from({ length: outcome.workerPut }, (_, k) => 1_000_000 + k),
    ];
    expectExactlyOnce(put, [outcome.pageGot, outcome.workerGot], 1_000_000);
  });

  it('does the same where Atomics.waitAsync is missing (Firefox before 145), through the polling stand-in', async () => {
    const page = await open();
    const outcome = await page.evaluate(async () => {
      delete (Atomics as { waitAsync?: unknown }).waitAsync; // before conveyor loads in this page
      const { run } = await (globalThis as unknown as Loader).load('/test/browser/pages/exactly-once.js');
      return run({ perProducer: 2_000, capacity: 4 });
    });
    await page.close();
    expect(outcome.waitAsync).toBe('undefined');
    const put = [
      ...Array.from({ length: outcome.pagePut }, (_, k) => k),
      ...Array.from({ length: outcome.workerPut }, (_, k) => 1_000_000 + k),
    ];
    expectExactlyOnce(put, [outcome.pageGot, outcome.workerGot], 1_000_000);
  });

  it('runs the browser example of docs/runtimes.md: the page puts 100 items to its worker', async () => {
    const page = await open('/examples/runtimes/browser/index.html');
    await page.waitForFunction("document.querySelector('#report').textContent !== 'working…'");
    const report = await page.textContent('#report');
    await page.close();
    expect(report).toBe('the worker got 100 items, summing to 5050');
  });

  it('passes the queue contract suites on the page main thread', async () => {
    const page = await open();
    const report = await page.evaluate(async () => {
      const { runContract } = await (globalThis as unknown as Loader).load('/test/browser/pages/contract.js');
      return runContract();
    });
    await page.close();
    if (report.failed > 0) console.error(report.lines.join('\n'));
    expect(report.failed).toBe(0);
    expect(report.passed).toBe(90); // 30 cases × (BoundedBuffer, BoundedBuffer from a handle, Channel)
  });

  it('a *Sync call on the page main thread fails at once with ERR_CANNOT_BLOCK_HERE, and the async form works', async () => {
    const page = await open();
    const outcome = await page.evaluate(async () => {
      const { BoundedBuffer, Mutex, Semaphore } = await (globalThis as unknown as Loader).load(
        '/dist/core.js',
      );
      const caught = (fn: () => unknown) => {
        try {
          fn();
          return { name: 'no error', code: '', message: '' };
        } catch (error) {
          return {
            name: (error as Error).name,
            code: (error as { code: string }).code,
            message: (error as Error).message,
          };
        }
      };
      const buffer = new BoundedBuffer({ capacity: 2 });
      buffer.tryPut(1); // an item is there, and getSync still refuses: it fails by construction
      return {
        getSync: caught(() => buffer.getSync({ timeout: 0 })),
        putSync: caught(() => buffer.putSync(2, { timeout: 0 })),
        lockSync: caught(() => new Mutex().lockSync({ timeout: 0 })),
        acquireSync: caught(() => new Semaphore(1).acquireSync({ timeout: 0 })),
        asyncGet: await buffer.get({ timeout: 1_000 }),
        structured: caught(() => new BoundedBuffer({ capacity: 1, codec: 'structured' })),
      };
    });
    await page.close();
    for (const call of ['getSync', 'putSync', 'lockSync', 'acquireSync'] as const) {
      expect(outcome[call]).toMatchObject({ name: 'PlatformError', code: 'ERR_CANNOT_BLOCK_HERE' });
      expect(outcome[call].message).toMatch(/may not block.*main thread/);
    }
    expect(outcome.getSync.message).toMatch(/^BoundedBuffer\.getSync\(\)/);
    expect(outcome.asyncGet).toBe(1);
    expect(outcome.structured).toMatchObject({ code: 'ERR_NO_STRUCTURED_SERIALIZER' });
  });

  it('a page that is not cross-origin isolated gets an error naming the COOP and COEP headers', async () => {
    const page = await open('/plain/test/browser/pages/index.html');
    const outcome = await page.evaluate(async () => {
      const { BoundedBuffer, Channel } = await (globalThis as unknown as Loader).load('/plain/dist/core.js');
      let error: { name: string; code: string; message: string } | undefined;
      try {
        new BoundedBuffer({ capacity: 1 });
      } catch (e) {
        error = {
          name: (e as Error).name,
          code: (e as { code: string }).code,
          message: (e as Error).message,
        };
      }
      const channel = new Channel({ capacity: 1 }); // in-process: needs no shared memory
      await channel.put(5);
      return {
        isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
        error,
        channelGot: await channel.get(),
      };
    });
    await page.close();
    expect(outcome.isolated).toBe(false);
    expect(outcome.error).toMatchObject({ name: 'PlatformError', code: 'ERR_NOT_CROSS_ORIGIN_ISOLATED' });
    expect(outcome.error!.message).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(outcome.error!.message).toContain('Cross-Origin-Embedder-Policy: require-corp');
    expect(outcome.channelGot).toBe(5);
  });
});
