import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliCommand, parseTrace } from './helpers.js';

// Prints the process's peak resident memory (main thread and workers together) when it exits.
const REPORT_MAX_RSS = `data:text/javascript,${encodeURIComponent(
  "import { isMainThread } from 'node:worker_threads';" +
    "if (isMainThread) process.on('exit', () => process.stderr.write('maxRSS ' + process.resourceUsage().maxRSS + '\\n'));",
)}`;

const dir = mkdtempSync(join(tmpdir(), 'conveyor-memory-'));

/** Runs `conveyor run` with `args`; returns its peak RSS in MB and its stderr. */
function peakMb(args: string[]): Promise<{ mb: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', REPORT_MAX_RSS, ...cliCommand(), 'run', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const kb = Number(/maxRSS (\d+)/.exec(stderr)?.[1]);
      resolve({ mb: kb / 1024, code, stderr });
    });
  });
}

describe('conveyor run keeps no event in memory', () => {
  it('uses about the same memory for ten times the items (two producers, time scale 0, a trace and a chart)', async () => {
    const run = (items: number) =>
      peakMb([
        '--producers',
        '2',
        '--items',
        String(items),
        '--time-scale',
        '0',
        '--quiet',
        '--trace',
        join(dir, `${items}.jsonl`),
        '--chart',
        join(dir, `${items}.svg`),
      ]); // prettier-ignore
    const small = await run(2_000);
    const large = await run(20_000);
    expect(small.code, small.stderr).toBe(0);
    expect(large.code, large.stderr).toBe(0);
    // Keeping every event cost about 4 KB per item: 278 MB more for the 36,000 extra items.
    // Streaming keeps the growth to GC noise (about 0 to 45 MB on a loaded 2-core machine).
    expect(large.mb - small.mb, `${small.mb} MB for 4,000 items, ${large.mb} MB for 40,000`).toBeLessThan(80);

    // Nothing lost on the way: the streamed trace holds every item once each way, in time order.
    const trace = parseTrace(readFileSync(join(dir, '20000.jsonl'), 'utf8'));
    const produced = trace.filter((e) => e.event === 'produced').map((e) => e.item!);
    const consumed = trace.filter((e) => e.event === 'consumed').map((e) => e.item!);
    const all = Array.from({ length: 40_000 }, (_, i) => i + 1);
    expect(produced.sort((a, b) => a - b)).toEqual(all);
    expect(consumed.sort((a, b) => a - b)).toEqual(all);
    const backwards = trace.findIndex((e, i) => i > 0 && e.t < trace[i - 1].t);
    expect(backwards, 'the first line earlier than the one before it').toBe(-1);
    // The chart was thinned, not dropped: it says so and stays small.
    const svg = readFileSync(join(dir, '20000.svg'), 'utf8');
    expect(svg).toContain('ms resolution');
    expect(statSync(join(dir, '20000.svg')).size).toBeLessThan(3_000_000);
  }, 120_000);
});
