// The platform module: the built core (dist/core.js) loads without any node: module (what lets a
// browser load dist/ as it is) and exports what index.js exports, and the polling stand-in for Atomics.waitAsync wakes, times out and says
// 'not-equal' as Atomics.waitAsync does.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pollingWaitAsyncForTests as pollingWaitAsync } from '../../src/platform/thread.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** Every module `entry` loads, and every bare or node: specifier they import. */
function importGraph(entry: string): { files: string[]; external: string[] } {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g,
    )) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier));
      else external.add(specifier);
    }
  };
  visit(entry);
  return { files: [...seen].map((f) => relative(DIST, f)), external: [...external] };
}

describe('the platform module', () => {
  it('keeps every node: module out of what dist/core.js loads (the browser build)', () => {
    const { files, external } = importGraph(join(DIST, 'core.js'));
    for (const core of [
      'queue/bounded-buffer.js',
      'queue/channel.js',
      'queue/codec.js',
      'sync/mutex.js',
      'sync/semaphore.js',
    ]) {
      expect(files).toContain(core);
    }
    expect(external).toEqual([]);
  });

  it('dist/core.js exports the very objects dist/index.js does, under the same names', async () => {
    const core = await import(join(DIST, 'core.js'));
    const index = await import(join(DIST, 'index.js'));
    expect(Object.keys(core).length).toBeGreaterThan(10);
    for (const [name, value] of Object.entries(core)) expect(index[name], name).toBe(value);
  });

  it('the stand-in for Atomics.waitAsync says not-equal at once when the word already changed', () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    expect(pollingWaitAsync(i32, 0, 1, 1_000)).toEqual({ async: false, value: 'not-equal' });
    expect(pollingWaitAsync(i32, 0, 0, 0)).toEqual({ async: false, value: 'timed-out' });
  });

  it('the stand-in wakes once another thread changes the word, and times out when none does', async () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    const waited = pollingWaitAsync(i32, 0, 0, 5_000);
    expect(waited.async).toBe(true);
    setTimeout(() => Atomics.store(i32, 0, 1), 20);
    expect(await waited.value).toBe('ok');
    const start = performance.now();
    const timed = pollingWaitAsync(i32, 0, 1, 30);
    expect(await timed.value).toBe('timed-out');
    expect(performance.now() - start).toBeGreaterThanOrEqual(29);
  });
});
