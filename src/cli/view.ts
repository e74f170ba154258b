// `conveyor view FILE`: replays a `conveyor run --trace` file or a `conveyor check --json`
// counterexample step by step on a page served from 127.0.0.1 (or, with --json, prints its steps).
// The file is read again on every page load, so a page reload shows the file as it is now.
// Exit codes: 0 shown (after Ctrl-C) or printed, 1 the file was bad at its last read, 2 bad input.
import { parseArgs } from 'node:util';
import { sendJson, startPageServer } from '../web/server.js';
import { MAX_SLOTS_SHOWN } from '../web/trace-steps.js';
import { ViewFileError } from '../web/view-doc.js';
import { loadViewFile } from '../web/view-file.js';
import type { RunIO } from './run.js';

export const VIEW_USAGE = `Usage: conveyor view FILE [--capacity N] [--json]

Replays FILE step by step on a page served from 127.0.0.1 (its address is printed): a trace
from 'conveyor run --trace FILE', or a counterexample from 'conveyor check --json > FILE'. Each
step shows the thread that moved, the semaphores, indices and slots after it, and the step where
a check broke is marked and explained. Keys: ← → step, Home End, Space play, V the violation.

Options:
  --capacity N   the run's --capacity, for a trace (which does not record it; default: the
                 largest occupancy seen)
  --json         print the steps as one JSON object instead of serving the page
  -h, --help     show this help

Examples:
  conveyor check --model no-mutex --json > lost.json; conveyor view lost.json
  conveyor run --time-scale 0.01 --trace run.jsonl --quiet; conveyor view run.jsonl --capacity 10`;

export async function viewCommand(
  argv: string[],
  io: RunIO = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let file: string;
  let capacity: number | undefined;
  let json: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        capacity: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout.write(`${VIEW_USAGE}\n`);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new Error(
        positionals.length === 0 ? 'name the file to view' : `one file at a time, got ${positionals.length}`,
      );
    }
    file = positionals[0];
    json = values.json === true;
    if (values.capacity !== undefined) {
      capacity = /^\d+$/.test(values.capacity) ? Number(values.capacity) : Number.NaN;
      if (!(capacity >= 1 && capacity <= 1_048_576)) {
        throw new Error(`--capacity must be an integer from 1 to 1048576, got '${values.capacity}'`);
      }
    }
  } catch (error) {
    io.stderr.write(`conveyor view: ${(error as Error).message.split('\n')[0]}\n\n${VIEW_USAGE}\n`);
    return 2;
  }

  let bad = false;
  /** Reads the file; a bad file is reported in the terminal and handed to the page as `error`. */
  const load = () => {
    try {
      const doc = loadViewFile(file, { capacity });
      bad = false;
      return { doc, maxSlotsShown: MAX_SLOTS_SHOWN };
    } catch (error) {
      if (!(error instanceof ViewFileError)) throw error;
      bad = true;
      io.stderr.write(`conveyor view: ${error.message}\n`);
      return { error: error.message };
    }
  };

  if (json) {
    const loaded = load();
    if ('doc' in loaded) io.stdout.write(`${JSON.stringify(loaded.doc)}\n`);
    return bad ? 2 : 0;
  }

  load(); // report a bad file in the terminal at once, before anyone opens the page
  const server = await startPageServer({
    page: 'view.html',
    routes: { 'GET /api/view': (_req, res) => sendJson(res, 200, load()) },
  });
  io.stdout.write(`conveyor view: open ${server.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const signals = io.signals === undefined ? process : io.signals;
    const onStop = () => {
      signals?.off('SIGINT', onStop);
      io.signal?.removeEventListener('abort', onStop);
      resolve();
    };
    signals?.once('SIGINT', onStop);
    io.signal?.addEventListener('abort', onStop, { once: true });
    if (io.signal?.aborted) onStop();
  });
  await server.close();
  return bad ? 1 : 0;
}
