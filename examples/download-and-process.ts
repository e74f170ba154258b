// Downloading files while processing them. A local HTTP server (127.0.0.1 only) serves files;
// two downloaders on the main thread fetch them and put them into a bounded buffer; two worker
// threads take them out and process them (a SHA-256 digest and a slow "analysis"). The buffer's
// memory is allocated once: capacity × slot size, however fast the downloads are, so a burst of
// downloads waits instead of piling up in memory.
//
//   npx tsx examples/download-and-process.ts --time-scale 0.05
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle, startWorker } from 'conveyor';

interface File {
  name: string;
  bytes: Uint8Array;
}

export interface Processed {
  name: string;
  size: number;
  sha256: string;
  by: number;
}

const FILES = 8;
const MAX_FILE_BYTES = 48 * 1024;
const CAPACITY = 3;
const SLOT_BYTES = MAX_FILE_BYTES + 1024; // room for the name and the structured-clone header
const PROCESSORS = 2;
const DOWNLOADERS = 2;
const MS_TO_PROCESS = 400;

/** The content of file i: deterministic bytes of a size between 16 and 48 KiB. */
export function fileContent(i: number): Uint8Array {
  const size = 16 * 1024 + ((i * 7919) % (32 * 1024));
  const bytes = new Uint8Array(size);
  let x = i + 1;
  for (let k = 0; k < size; k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[k] = x >>> 24;
  }
  return bytes;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A processor thread: takes files until the buffer is closed and drained. */
function processor({
  files: handle,
  id,
  timeScale,
}: {
  files: BoundedBufferHandle;
  id: number;
  timeScale: number;
}) {
  const files = BoundedBuffer.from<File>(handle);
  for (const file of files) {
    sleepSync(MS_TO_PROCESS * timeScale); // the slow part: much slower than a local download
    const result: Processed = {
      name: file.name,
      size: file.bytes.length,
      sha256: sha256(file.bytes),
      by: id,
    };
    parentPort!.postMessage(result);
  }
}

export async function main(timeScale = 1, log: (line: string) => void = console.log): Promise<Processed[]> {
  const server = createServer((req, res) => {
    const match = /^\/files\/file-(\d+)\.bin$/.exec(req.url ?? '');
    const i = match === null ? -1 : Number(match[1]);
    if (i < 0 || i >= FILES) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fileContent(i));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const files = new BoundedBuffer<File>({ capacity: CAPACITY, codec: 'structured', slotBytes: SLOT_BYTES });
  log(`Buffer: ${CAPACITY} slots of ${Math.round(SLOT_BYTES / 1024)} KiB, allocated once`);
  const processed: Processed[] = [];
  const processors = Array.from({ length: PROCESSORS }, (_, k) => {
    const worker = startWorker(new URL(import.meta.url), {
      workerData: { files: files.handle, id: k + 1, timeScale },
    });
    worker.on('message', (p: Processed) => {
      processed.push(p);
      log(`Processor ${p.by} processed ${p.name}: ${p.size} bytes, sha256 ${p.sha256.slice(0, 12)}…`);
    });
    return new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', () => resolve());
    });
  });

  // Downloaders share one list of names; each takes the next until none are left.
  const names = Array.from({ length: FILES }, (_, i) => `file-${i}.bin`);
  const downloader = async (id: number) => {
    for (let name = names.shift(); name !== undefined; name = names.shift()) {
      const response = await fetch(`${base}/files/${name}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      log(`Downloader ${id} downloaded ${name} (${bytes.length} bytes)`);
      const file = { name, bytes };
      if (!files.tryPut(file)) {
        log(`Downloader ${id} waits: the buffer is full`);
        await files.put(file);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: DOWNLOADERS }, (_, k) => downloader(k + 1)));
    files.close(); // processors finish what is buffered, then stop
    await Promise.all(processors);
  } finally {
    server.close();
  }
  log(`Done: ${processed.length} files downloaded and processed`);
  return processed;
}

if (!isMainThread) processor(workerData);
else if (isMain(import.meta.url)) await main(timeScaleFromArgs());

// Small helpers, kept in this file so that it can be copied as it is.

/** True when this file is the program being run (not imported by a test). */
function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
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
