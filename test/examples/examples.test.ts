// Each example runs as a reader would run it (node with tsx), with its times scaled down, and
// what it prints is checked.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fileContent, sha256 } from '../../examples/download-and-process.js';
import { APPLICATIONS } from '../../examples/print-spooler.js';
import { sumOfSquares } from '../../examples/worker-pool-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runExample(
  name: string,
  timeScale: number | string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  const args = Array.isArray(timeScale) ? timeScale : ['--time-scale', String(timeScale)];
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}`, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not finish within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, lines: stdout.trimEnd().split('\n'), stderr });
    });
  });
}

/** `ahead`: how many items a producer may announce beyond the buffer's 10 (seed-queue prints before putting). */
function checkSeedLog(lines: string[], ahead = 0): void {
  expect(lines).toHaveLength(40);
  const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);
  const numbers = (prefix: string) =>
    lines.filter((l) => l.startsWith(prefix)).map((l) => Number(l.split(': ')[1]));
  expect(numbers('Producer produced: ')).toEqual(oneToTwenty);
  expect(numbers('Consumer consumed item: ')).toEqual(oneToTwenty);
  let held = 0;
  for (const line of lines) {
    held += line.startsWith('Producer') ? 1 : -1;
    expect(held).toBeGreaterThanOrEqual(0);
    expect(held).toBeLessThanOrEqual(10 + ahead);
  }
}

describe('the examples', () => {
  it('seed-classic prints the seed log with the semaphores keeping the buffer within 0..10', async () => {
    const { code, lines, stderr } = await runExample('seed-classic.ts', 0.01);
    expect(code, stderr).toBe(0);
    checkSeedLog(lines);
    expect(lines.slice(0, 2)).toEqual(['Producer produced: 1', 'Consumer consumed item: 1']);
  });

  it('seed-queue prints the same log through BoundedBuffer and ends when the buffer is closed', async () => {
    const { code, lines, stderr } = await runExample('seed-queue.ts', 0.01);
    expect(code, stderr).toBe(0);
    checkSeedLog(lines, 1); // item 11 is announced, then its put waits for a free slot
  });

  it('print-spooler prints every submitted document once, in arrival order, with submitters waiting on a full spool', async () => {
    const { code, lines, stderr } = await runExample('print-spooler.ts', 0.05);
    expect(code, stderr).toBe(0);
    const submitted = lines.filter((l) => / submitted /.test(l)).map((l) => l.split(' submitted ')[1]);
    const printed = lines.filter((l) => l.startsWith('Printer printed ')).map((l) => l.split(' ')[2]);
    const all = APPLICATIONS.flatMap((a) => a.documents.map((d) => d.title));
    expect([...printed].sort()).toEqual([...all].sort());
    expect([...submitted].sort()).toEqual([...all].sort());
    for (const app of APPLICATIONS) {
      // One printer, first come first printed: each application's documents come out in its order.
      const mine = app.documents.map((d) => d.title);
      expect(printed.filter((t) => mine.includes(t))).toEqual(mine);
    }
    expect(lines.some((l) => l.endsWith('waits: the spool is full'))).toBe(true);
    expect(lines.at(-1)).toBe(`Printer done: ${all.length} documents, 13 pages`);
  });

  it('download-and-process processes every downloaded file once with the right digest', async () => {
    const { code, lines, stderr } = await runExample('download-and-process.ts', 0.05);
    expect(code, stderr).toBe(0);
    const processed = lines.filter((l) => l.startsWith('Processor '));
    expect(processed).toHaveLength(8);
    for (let i = 0; i < 8; i++) {
      const bytes = fileContent(i);
      const line = processed.find((l) => l.includes(` file-${i}.bin:`));
      expect(line).toContain(`${bytes.length} bytes, sha256 ${sha256(bytes).slice(0, 12)}`);
    }
    expect(lines.some((l) => l.endsWith('waits: the buffer is full'))).toBe(true);
    expect(lines.at(-1)).toBe('Done: 8 files downloaded and processed');
  });

  it('worker-pool-server lets patient requests wait for room (all 200) and answers 503 with Retry-After only past a deadline', async () => {
    const { code, lines, stderr } = await runExample('worker-pool-server.ts', 0.5, 30_000); // jobs of 150 ms: the line outlasts the requests' arrival
    expect(code, stderr).toBe(0);
    const burst = /^Burst of 20 requests: (\d+) answered 200, (\d+) answered 503$/.exec(lines[1]);
    expect(burst, lines.join('\n')).not.toBeNull();
    const [ok, busy] = [Number(burst![1]), Number(burst![2])];
    expect(ok + busy).toBe(20);
    expect(ok).toBeGreaterThanOrEqual(14);
    expect(busy).toBeGreaterThan(0);
    expect(lines[2]).toBe('Rejected requests were told: Retry-After: 1 s');
    const answers = lines.filter((l) => l.startsWith('  request '));
    expect(answers).toHaveLength(ok);
    const answered = answers.map((a) => {
      const [, n, sum] = /1\.\.(\d+) = (\d+)/.exec(a)!;
      expect(Number(sum)).toBe(sumOfSquares(Number(n)));
      return Number(n);
    });
    // The 14 patient requests (n = 100..113) waited for room and were all answered.
    for (let n = 100; n < 114; n++) expect(answered).toContain(n);
  });

  it('channel-consume handles every job once with three consumers, and join() waits for them all', async () => {
    const { code, lines, stderr } = await runExample('channel-consume.ts', 0.01);
    expect(code, stderr).toBe(0);
    const handled = lines
      .filter((l) => l.startsWith('Consumer handled job '))
      .map((l) => Number(l.split(' ')[3]));
    expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(lines.at(-1)).toBe('12 jobs handled, 12 distinct');
  });

  it('import the library as a user would, from conveyor, never from ../src', () => {
    const dir = new URL('../../examples/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      expect(text, file).not.toMatch(/from '\.\.\/src\//);
      if (file !== 'support.ts') expect(text, file).toMatch(/from 'conveyor'/);
    }
  });

  it.each([
    'seed-classic.ts',
    'seed-queue.ts',
    'channel-consume.ts',
    'print-spooler.ts',
    'download-and-process.ts',
  ])('%s answers a bad flag with one line and exit 2', async (name) => {
    const { code, lines, stderr } = await runExample(name, ['--bogus']);
    expect(code).toBe(2);
    expect(lines).toEqual(['']);
    expect(stderr.trimEnd().split('\n')).toEqual([
      "bad arguments '--bogus': this example takes only --time-scale F",
    ]);
  });
});
