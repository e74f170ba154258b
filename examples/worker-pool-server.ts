// A web server with a worker pool. Requests become jobs in a bounded buffer; a pool of worker
// threads takes them out. When the buffer is full the server does not queue without limit: it
// answers 503 Service Unavailable with Retry-After at once, so a burst costs bounded memory and
// clients learn to come back. The example ends with a small load run (127.0.0.1 only).
//
//   npx tsx examples/worker-pool-server.ts --time-scale 0.2
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle } from '../src/queue/bounded-buffer.js';
import { isMain, sleepSync, startWorker, timeScaleFromArgs } from './support.js';

interface Job {
  id: number;
  n: number;
}

interface Answer {
  id: number;
  n: number;
  sumOfSquares: number;
  worker: number;
}

const QUEUE_SLOTS = 4;
const POOL_SIZE = 2;
const MS_PER_JOB = 300;
const RETRY_AFTER_S = 1;
const BURST = 20;

export function sumOfSquares(n: number): number {
  return (n * (n + 1) * (2 * n + 1)) / 6;
}

function poolWorker({
  jobs: handle,
  id,
  timeScale,
}: {
  jobs: BoundedBufferHandle;
  id: number;
  timeScale: number;
}) {
  const jobs = BoundedBuffer.from<Job>(handle);
  parentPort!.postMessage('ready');
  for (const job of jobs) {
    sleepSync(MS_PER_JOB * timeScale); // the request's real work would go here
    let sum = 0;
    for (let k = 1; k <= job.n; k++) sum += k * k;
    parentPort!.postMessage({ id: job.id, n: job.n, sumOfSquares: sum, worker: id } satisfies Answer);
  }
}

export interface LoadResult {
  ok: Answer[];
  rejected: { status: number; retryAfter: string | null }[];
}

export async function main(timeScale = 1, log: (line: string) => void = console.log): Promise<LoadResult> {
  const jobs = new BoundedBuffer<Job>({ capacity: QUEUE_SLOTS, codec: 'json' });
  const waiting = new Map<number, ServerResponse>();
  const ready: Promise<unknown>[] = [];
  const pool = Array.from({ length: POOL_SIZE }, (_, k) => {
    const worker = startWorker(new URL(import.meta.url), {
      workerData: { jobs: jobs.handle, id: k + 1, timeScale },
    });
    ready.push(new Promise((resolve) => worker.once('message', resolve)));
    // Should this worker die mid-call, repair the buffer so the others go on; jobs it had claimed
    // but not taken out come back: answer those requests 503 too.
    jobs.watch(worker, ({ returned }) => {
      for (const job of returned) {
        waiting
          .get(job.id)
          ?.writeHead(503, { 'retry-after': String(RETRY_AFTER_S) })
          .end('busy, try again\n');
        waiting.delete(job.id);
      }
    });
    worker.on('message', (answer: Answer | 'ready') => {
      if (answer === 'ready') return;
      const res = waiting.get(answer.id);
      waiting.delete(answer.id);
      res?.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    return new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', () => resolve());
    });
  });

  let nextId = 1;
  const server = createServer((req, res) => {
    const n = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('n'));
    if (!Number.isInteger(n) || n < 0 || n > 1_000_000) {
      res.writeHead(400).end('n must be an integer from 0 to 1000000\n');
      return;
    }
    const job = { id: nextId++, n };
    waiting.set(job.id, res);
    if (!jobs.tryPut(job)) {
      // Full: refuse now rather than hold the request (and its memory) in an unbounded line.
      waiting.delete(job.id);
      res.writeHead(503, { 'retry-after': String(RETRY_AFTER_S) }).end('busy, try again\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log(`Server on ${base}: ${POOL_SIZE} workers, queue of ${QUEUE_SLOTS}`);

  // The load run, once the pool is up: a burst of requests at once.
  await Promise.all(ready);
  const result: LoadResult = { ok: [], rejected: [] };
  try {
    const responses = await Promise.all(
      Array.from({ length: BURST }, async (_, i) => {
        const response = await fetch(`${base}/work?n=${100 + i}`);
        return { response, body: await response.text() };
      }),
    );
    for (const { response, body } of responses) {
      if (response.status === 200) result.ok.push(JSON.parse(body) as Answer);
      else result.rejected.push({ status: response.status, retryAfter: response.headers.get('retry-after') });
    }
  } finally {
    jobs.close();
    await Promise.all(pool);
    await new Promise((resolve) => server.close(resolve));
  }
  log(`Burst of ${BURST} requests: ${result.ok.length} answered 200, ${result.rejected.length} answered 503`);
  log(`Rejected requests were told: Retry-After: ${result.rejected[0]?.retryAfter ?? '-'} s`);
  for (const a of result.ok.sort((x, y) => x.id - y.id)) {
    log(`  request ${a.id}: sum of squares 1..${a.n} = ${a.sumOfSquares} (worker ${a.worker})`);
  }
  return result;
}

if (!isMainThread) poolWorker(workerData);
else if (isMain(import.meta.url)) await main(timeScaleFromArgs());
