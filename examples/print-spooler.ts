// Printing documents from several applications: each application (a worker thread) submits its
// documents to one printer through a bounded spool. When the spool is full an application waits
// until the printer has taken a document; the printer prints in the order documents arrived.
//
//   npx tsx examples/print-spooler.ts --time-scale 0.02

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle, startWorker } from 'conveyor';

interface Document {
  app: string;
  title: string;
  pages: number;
}

interface Application {
  app: string;
  documents: Omit<Document, 'app'>[];
  spool: BoundedBufferHandle;
  /** One word the main thread sets to 1 once every application is running: they all start at once. */
  go: SharedArrayBuffer;
  timeScale: number;
}

export const APPLICATIONS: Omit<Application, 'spool' | 'go' | 'timeScale'>[] = [
  {
    app: 'Editor',
    documents: [
      { title: 'report.txt', pages: 3 },
      { title: 'notes.txt', pages: 1 },
      { title: 'draft.txt', pages: 2 },
    ],
  },
  {
    app: 'Browser',
    documents: [
      { title: 'ticket.pdf', pages: 1 },
      { title: 'map.pdf', pages: 2 },
      { title: 'recipe.html', pages: 1 },
    ],
  },
  {
    app: 'Spreadsheet',
    documents: [
      { title: 'budget.xlsx', pages: 2 },
      { title: 'invoice.xlsx', pages: 1 },
    ],
  },
];
const SPOOL_SLOTS = 2;
const MS_PER_PAGE = 300;
const MS_TO_WRITE_A_DOCUMENT = 50;

/** One application: writes its documents quickly and submits each to the spool. */
function application({ app, documents, spool: handle, go, timeScale }: Application): void {
  const spool = BoundedBuffer.from<Document>(handle);
  parentPort!.postMessage({ ready: app });
  Atomics.wait(new Int32Array(go), 0, 0, 10_000);
  for (const doc of documents) {
    sleepSync(MS_TO_WRITE_A_DOCUMENT * timeScale);
    const job = { app, ...doc };
    if (!spool.tryPut(job)) {
      parentPort!.postMessage(`${app} waits: the spool is full`);
      spool.putSync(job);
    }
    parentPort!.postMessage(`${app} submitted ${doc.title}`);
  }
}

export async function main(timeScale = 1, log: (line: string) => void = console.log): Promise<Document[]> {
  const spool = new BoundedBuffer<Document>({ capacity: SPOOL_SLOTS, codec: 'json' });
  const go = new Int32Array(new SharedArrayBuffer(4));
  const ready: Promise<unknown>[] = [];
  const apps = APPLICATIONS.map((a) => {
    const worker = startWorker(new URL(import.meta.url), {
      workerData: { ...a, spool: spool.handle, go: go.buffer, timeScale },
    });
    ready.push(new Promise((resolve) => worker.once('message', resolve)));
    worker.on('message', (line: string | { ready: string }) => {
      if (typeof line === 'string') log(line);
    });
    return new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', () => resolve());
    });
  });
  await Promise.all(ready);
  Atomics.store(go, 0, 1); // every application starts now
  Atomics.notify(go, 0);
  // Once every application has submitted everything, close the spool: the printer finishes what
  // is queued and then its loop ends.
  const closed = Promise.all(apps).then(() => spool.close());

  // The printer: one at a time, in arrival order, a moment per page.
  const printed: Document[] = [];
  for await (const doc of spool) {
    await sleep(doc.pages * MS_PER_PAGE * timeScale);
    log(`Printer printed ${doc.title} (${doc.pages} page${doc.pages === 1 ? '' : 's'}) for ${doc.app}`);
    printed.push(doc);
  }
  await closed;
  log(`Printer done: ${printed.length} documents, ${printed.reduce((n, d) => n + d.pages, 0)} pages`);
  return printed;
}

if (!isMainThread) application(workerData as Application);
else if (isMain(import.meta.url)) await main(timeScaleFromArgs());

// Small helpers, kept in this file so that it can be copied as it is.

/** True when this file is the program being run (not imported by a test). */
function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Blocks this thread for `ms` (meant for worker threads), like Python's time.sleep. */
function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** `--time-scale F` from the command line (default 1): multiplies every sleep. Bad input: one line, exit 2. */
function timeScaleFromArgs(argv = process.argv.slice(2)): number {
  let text: string | undefined;
  try {
    text = parseArgs({ args: argv, options: { 'time-scale': { type: 'string' } } }).values['time-scale'];
  } catch (error) {
    void error; // parseArgs's message names the flag but runs on; one line is enough
    console.error(`bad arguments '${argv.join(' ')}': this example takes only --time-scale F`);
    process.exit(2);
  }
  const scale = text === undefined ? 1 : Number(text);
  if (!Number.isFinite(scale) || scale < 0) {
    console.error(`--time-scale must be a number of at least 0, got '${text}'`);
    process.exit(2);
  }
  return scale;
}
