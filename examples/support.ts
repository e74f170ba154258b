// A few helpers the examples share, kept apart so that each example reads as its own story.

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export { startWorker } from 'conveyor';

/** True when this module is the program being run (not imported by a test). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/** `--time-scale F` from the command line (default 1): multiplies every sleep of an example. */
export function timeScaleFromArgs(argv = process.argv.slice(2)): number {
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

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Python's time.sleep: blocks this thread (meant for worker threads). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
