// A web server with a worker pool. Each request becomes a task for a WorkerPool of two threads
// with a queue of 4. When the queue is full a request does not fail at once, nor wait without
// limit: it waits for room up to the deadline its client gave (?deadline=ms), and only then
// answers 503 Service Unavailable with Retry-After. A client that goes away cancels its task. The
// example ends with a small load run (127.0.0.1 only): patient clients and impatient ones.
//
//   npx tsx examples/worker-pool-server.ts --time-scale 0.5
//
// This file is also the pool's task module: its default export runs in the worker threads.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { threadId } from 'node:worker_threads';
import { TimeoutError, WorkerPool } from 'conveyor';
import { isMain, sleepSync, timeScaleFromArgs } from './support.js';

interface Job {
  n: number;
  /** How long the job's real work takes, in ms. */
  ms: number;
}

interface Answer {
  n: number;
  sumOfSquares: number;
  worker: number;
}

const QUEUE = 4;
const THREADS = 2;
const MS_PER_JOB = 300;
const RETRY_AFTER_S = 1;
const DEFAULT_DEADLINE_MS = 1000;
const PATIENT = 14;

export function sumOfSquares(n: number): number {
  return (n * (n + 1) * (2 * n + 1)) / 6;
}

/** The task, run in a worker thread: the request's real work would go here. */
export default function handle(job: Job): Answer {
  sleepSync(job.ms);
  let sum = 0;
  for (let k = 1; k <= job.n; k++) sum += k * k;
  return { n: job.n, sumOfSquares: sum, worker: threadId };
}

export interface LoadResult {
  ok: Answer[];
  rejected: { status: number; retryAfter: string | null }[];
}

export async function main(timeScale = 1, log: (line: string) => void = console.log): Promise<LoadResult> {
  await using pool = new WorkerPool<Job, Answer>(new URL(import.meta.url), {
    threads: THREADS,
    queue: QUEUE,
  });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const n = Number(url.searchParams.get('n'));
    const deadline = Number(url.searchParams.get('deadline') ?? DEFAULT_DEADLINE_MS);
    if (!Number.isInteger(n) || n < 0 || n > 1_000_000 || !(deadline >= 0)) {
      res.writeHead(400).end('n must be an integer from 0 to 1000000, deadline a number of ms\n');
      return;
    }
    const gone = new AbortController();
    res.on('close', () => gone.abort()); // the client left: cancel its task, queued or running
    try {
      // Waits for room in the queue for up to `deadline` ms; then runs and answers.
      const answer = await pool.run(
        { n, ms: MS_PER_JOB * timeScale },
        { timeout: deadline, signal: gone.signal },
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    } catch (error) {
      if (gone.signal.aborted) return;
      if (error instanceof TimeoutError) {
        res.writeHead(503, { 'retry-after': String(RETRY_AFTER_S) }).end('busy, try again\n');
      } else {
        res.writeHead(500).end(`${(error as Error).message}\n`);
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log(`Server on ${base}: ${THREADS} workers, queue of ${QUEUE}`);

  // The load run, once the pool is up: 14 patient clients (they wait as long as it takes), then,
  // behind them in line, 6 impatient ones that give the server a tenth of a job's time to find room.
  await pool.ready;
  const result: LoadResult = { ok: [], rejected: [] };
  try {
    const request = async (i: number, deadline: number) => {
      const response = await fetch(`${base}/work?n=${100 + i}&deadline=${deadline}`);
      return { response, body: await response.text() };
    };
    const patient = Array.from({ length: PATIENT }, (_, i) => request(i, 60_000));
    // Once they fill the pool (2 running, 4 queued) and the rest wait in line, the impatient ones come.
    for (let waited = 0; pool.stats.waiting < PATIENT - THREADS - QUEUE && waited < 10_000; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const impatient = Array.from({ length: 20 - PATIENT }, (_, i) =>
      request(PATIENT + i, (MS_PER_JOB * timeScale) / 10),
    );
    for (const { response, body } of await Promise.all([...patient, ...impatient])) {
      if (response.status === 200) result.ok.push(JSON.parse(body) as Answer);
      else result.rejected.push({ status: response.status, retryAfter: response.headers.get('retry-after') });
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  log(`Burst of 20 requests: ${result.ok.length} answered 200, ${result.rejected.length} answered 503`);
  log(`Rejected requests were told: Retry-After: ${result.rejected[0]?.retryAfter ?? '-'} s`);
  for (const a of result.ok.sort((x, y) => x.n - y.n)) {
    log(`  request for n=${a.n}: sum of squares 1..${a.n} = ${a.sumOfSquares} (worker ${a.worker})`);
  }
  return result;
}

if (isMain(import.meta.url)) await main(timeScaleFromArgs());
