// Async jobs in one thread: a producer puts jobs into a Channel of 4 (put waits while 4 are
// queued), consume() runs 3 consumers that each take a job, await its work and mark it done, and
// the producer's join() resolves once every job put has been handled.
//
//   npx tsx examples/channel-consume.ts --time-scale 0.01
import { parseArgs } from 'node:util';
import { Channel, consume } from 'conveyor';

export async function main(timeScale = 1): Promise<void> {
  const jobs = new Channel<number>({ capacity: 4 });
  const handled: number[] = [];
  const done = consume(
    jobs,
    async (job) => {
      await new Promise((resolve) => setTimeout(resolve, 200 * timeScale)); // the job's work
      handled.push(job);
      console.log(`Consumer handled job ${job}`);
    },
    { concurrency: 3 },
  );
  for (let job = 1; job <= 12; job++) {
    await jobs.put(job); // waits while the channel holds 4 jobs
    console.log(`Producer queued job ${job}`);
  }
  await jobs.join(); // every job put has been handled
  jobs.close(); // the consumers stop once it is closed and drained
  console.log(`${await done} jobs handled, ${new Set(handled).size} distinct`);
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

await main(timeScaleFromArgs());
