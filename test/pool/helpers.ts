// Shared by the WorkerPool tests: the fixture task module and bounded waits.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The fixture's tasks and results come in many shapes; tests look into them freely. */
// biome-ignore lint/suspicious/noExplicitAny: test data of many shapes
export type Loose = any;

export const TASKS = new URL('./fixtures/tasks.mjs', import.meta.url);

/** A fresh log file path for 'logged' tasks. */
export function logFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'conveyor-pool-')), 'ran.log');
}

/** How many times each id was logged as run. */
export function runCounts(log: string): Map<number, number> {
  const counts = new Map<number, number>();
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {}
  for (const line of text.split('\n')) {
    if (line === '') continue;
    counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
  }
  return counts;
}

/** Resolves when `check()` is true, polling every few ms; rejects after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The promise's outcome as data, so that a test can look at rejections without try/catch. */
export function settled<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: Loose }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error) => ({ ok: false as const, error }),
  );
}
