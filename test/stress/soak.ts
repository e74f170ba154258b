// Soak mode of the history-checked fault-injection stress: loops seeded runs for N minutes and
// reports operations done, faults injected (timeouts, aborts, closes, workers terminated
// mid-call), histories verified, items lost (must be 0), how long live threads stayed blocked
// after a peer died, and how long recovery took. Not part of `npm test` (a short mode runs in
// test/stress/history.test.ts).
//
//   npx tsx test/stress/soak.ts --minutes 10 [--seed 1] [--kills 1] [--slow-puts 0.25] [--json]
//
// Exits 1 if a run fails (an actor throws, or a wait runs past its limit: the soak reports it,
// with the calls the terminated actors were in, and goes on with fresh workers), any item is lost
// or duplicated, the checker gives up, or a history is not linearizable: against the strict
// model, except that in runs with deaths a try call that answered while a dead thread was in its
// unfinished call and not yet recovered may have answered full or empty spuriously, as README
// "When a worker dies" allows (`windowCheck`; the runs that need it are counted apart). Runs
// linearizable only under weak try semantics everywhere (the bug fixed in b0cffe0) fail the soak
// too.
import { parseArgs } from 'node:util';
import { prng } from '../helpers/prng.js';
import { FaultStress, RunFailure, type RunReport } from '../tooling/fault-stress.js';
import { describeOp } from '../tooling/linearizability.js';

const USAGE = `usage: npx tsx test/stress/soak.ts [--minutes N] [--seed S] [--kills K] [--slow-puts F|off] [--json]

  --minutes N      how long to loop runs (default 1; fractions are fine)
  --seed S         the seed of the first run (an integer; default from the clock)
  --kills K        producers or consumers terminated (worker.terminate()) mid-run in every run,
                   and recovered with buffer.recover(threadId) (default 1; 0: no deaths). Each
                   is replaced by a fresh worker (about 0.2 s to start): runs with kills are slower.
  --slow-puts F    the buffer uses a custom int32 codec, and a fraction F of the puts pause 0.5 ms
                   between claiming their slot and publishing it, so that terminations often land
                   inside a claim (default 0.25 with kills, off without; off: the built-in codec)
  --json           print one JSON object at the end instead of progress lines and a summary`;

let values: {
  minutes: string;
  seed: string;
  kills: string;
  'slow-puts'?: string;
  json: boolean;
  help: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '1' },
      seed: { type: 'string', default: String(Date.now() % 100_000) },
      kills: { type: 'string', default: '1' },
      'slow-puts': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const minutes = Number(values.minutes);
const seed = Number(values.seed);
const kills = Number(values.kills);
const slowOption = values['slow-puts'] ?? (kills > 0 ? '0.25' : 'off');
const slowPuts = slowOption === 'off' ? undefined : Number(slowOption);
if (
  !(minutes > 0) ||
  !Number.isInteger(seed) ||
  !Number.isInteger(kills) ||
  kills < 0 ||
  (slowPuts !== undefined && !(slowPuts >= 0 && slowPuts <= 1))
) {
  console.error(
    `soak.ts: --minutes must be > 0, --seed an integer, --kills an integer >= 0, --slow-puts from 0 to 1 or 'off'; ` +
      `got ${values.minutes}, ${values.seed}, ${values.kills}, ${slowOption}\n\n${USAGE}`,
  );
  process.exit(2);
}

const totals = {
  runs: 0,
  /** Runs that did not finish: an actor threw (say, BufferCorruptedError), or a wait ran past its limit. */
  runsFailed: 0,
  operations: 0,
  timeouts: 0,
  aborts: 0,
  closes: 0,
  closedResults: 0,
  itemsPut: 0,
  /** Workers terminated, and of those, how many were in the middle of a call (pending in the history). */
  terminations: 0,
  terminatedMidCall: 0,
  pendingOperations: 0,
  /** From recover(): put items dropped (claimed, never published), get items handed back. */
  droppedPuts: 0,
  itemsReturned: 0,
  /** Claims recover() could not settle, left after the last recovery of a run (must be 0). */
  undecided: 0,
  historiesLinearizable: 0,
  /** Strict except for try calls answered while a dead thread was not yet recovered (README allows it). */
  linearizableOutsideDeathWindows: 0,
  onlyWeaklyLinearizable: 0,
  notLinearizable: 0,
  unknown: 0,
  itemsLost: 0,
  longestCheckMs: 0,
  /** The longest any live thread stayed blocked after a peer died (calls that returned ok or closed). */
  longestBlockedAfterDeathMs: 0,
  /** terminate() to recover() returning: the longest, and the mean. */
  longestRecoverMs: 0,
  meanRecoverMs: 0,
  /** Of which in recover() itself, the longest. */
  longestRecoverCallMs: 0,
};
const failures: string[] = [];
let recoverMsSum = 0;

const random = prng(seed);
let stress = await FaultStress.start(2, 2);
const end = performance.now() + minutes * 60_000;
let lastReport = performance.now();
try {
  while (performance.now() < end) {
    let report: RunReport;
    try {
      report = await stress.run({
        seed: seed * 1_000_000 + totals.runs + totals.runsFailed,
        capacity: 2 + Math.floor(random() * 3),
        operations: 60 + Math.floor(random() * 60),
        kills,
        slowPuts,
      });
    } catch (error) {
      // The pool is broken (its workers were terminated): report, and go on with a fresh one.
      totals.runsFailed++;
      const lines = [String((error as Error)?.message ?? error)];
      if (error instanceof RunFailure) {
        const dead = new Set(error.terminated.map((d) => d.thread));
        for (const d of error.terminated)
          lines.push(`t${d.thread} terminated at ${(d.at % 100_000).toFixed(3)}`);
        for (const op of error.history) {
          if (dead.has(op.thread) && op.result.kind === 'pending') lines.push(`  in ${describeOp(op)}`);
        }
        const cause = error.cause as Error | undefined;
        if (cause?.stack !== undefined) lines.push(cause.stack.split('\n').slice(0, 4).join('\n'));
      }
      failures.push(lines.join('\n'));
      console.error(failures[failures.length - 1]);
      await stress.stop();
      stress = await FaultStress.start(2, 2);
      continue;
    }
    totals.runs++;
    totals.operations += report.operations;
    totals.timeouts += report.timeouts;
    totals.aborts += report.aborts;
    totals.closes++;
    totals.closedResults += report.closedResults;
    totals.itemsPut += report.itemsPut;
    totals.terminations += report.terminations;
    totals.terminatedMidCall += report.deaths.filter((d) => d.pendingCall !== undefined).length;
    totals.pendingOperations += report.pending;
    totals.droppedPuts += report.droppedPuts;
    totals.itemsReturned += report.itemsReturned;
    totals.undecided +=
      report.deaths.length === 0 ? 0 : report.deaths[report.deaths.length - 1].recovery.undecided;
    totals.itemsLost += report.lost.length;
    totals.longestCheckMs = Math.max(totals.longestCheckMs, report.checkMs);
    totals.longestBlockedAfterDeathMs = Math.max(
      totals.longestBlockedAfterDeathMs,
      report.longestBlockedAfterDeathMs,
    );
    totals.longestRecoverMs = Math.max(totals.longestRecoverMs, report.longestRecoverMs);
    for (const d of report.deaths) {
      recoverMsSum += d.recoverMs;
      totals.longestRecoverCallMs = Math.max(totals.longestRecoverCallMs, d.recoverCallMs);
    }
    totals.meanRecoverMs = totals.terminations === 0 ? 0 : recoverMsSum / totals.terminations;
    if (report.check.verdict === 'linearizable') totals.historiesLinearizable++;
    else if (report.deaths.length > 0 && report.windowCheck.verdict === 'linearizable')
      totals.linearizableOutsideDeathWindows++;
    else if (report.weakCheck.verdict === 'linearizable') totals.onlyWeaklyLinearizable++;
    else if (report.weakCheck.verdict === 'unknown') totals.unknown++;
    else totals.notLinearizable++;
    const verdict = report.deaths.length === 0 ? report.check : report.windowCheck;
    if (verdict.verdict !== 'linearizable' || report.lost.length > 0) {
      const deaths = report.deaths.map(
        (d) =>
          `t${d.thread} (${d.role}) terminated at ${(d.at % 100_000).toFixed(3)} in ${d.pendingCall ?? 'no call'}, ` +
          `recovered at ${(d.recoveredAt % 100_000).toFixed(3)}: ${JSON.stringify(d.recovery)}`,
      );
      const detail =
        verdict.verdict === 'not linearizable'
          ? verdict.explanation
          : verdict.verdict === 'unknown'
            ? `${verdict.reason}\n${report.history.map(describeOp).join('\n')}`
            : report.lost.join('\n');
      failures.push(
        `run seed ${report.seed}, capacity ${report.capacity}, kills ${kills}:\n${[...deaths, detail].join('\n')}`,
      );
      console.error(failures[failures.length - 1]);
    }
    if (!values.json && performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.log(progressLine());
    }
  }
} finally {
  await stress.stop();
}

function progressLine(): string {
  const t = totals;
  return (
    `${t.runs} runs (+${t.runsFailed} failed), ${t.operations} operations checked, ${t.timeouts} timeouts, ${t.aborts} aborts, ` +
    `${t.closes} closes, ${t.terminations} terminations (${t.terminatedMidCall} mid-call); ` +
    `linearizable ${t.historiesLinearizable} (+${t.linearizableOutsideDeathWindows} outside death windows only, ` +
    `+${t.onlyWeaklyLinearizable} only with weak try), not ${t.notLinearizable}, unknown ${t.unknown}; ` +
    `items lost ${t.itemsLost}`
  );
}

if (values.json) {
  console.log(
    JSON.stringify({ seed, minutes, kills, slowPuts: slowOption, ...totals, failures: failures.length }),
  );
} else {
  const t = totals;
  console.log(`soak: seed ${seed}, ${minutes} min, ${kills} kill(s) per run, slow puts ${slowOption}`);
  console.log(progressLine());
  console.log(
    `items acknowledged as put ${t.itemsPut}; longest check ${t.longestCheckMs.toFixed(1)} ms; ` +
      `recover(): ${t.droppedPuts} put items dropped, ${t.itemsReturned} items returned, ` +
      `${t.undecided} claims left undecided; ${t.pendingOperations} calls pending at a death`,
  );
  if (t.terminations > 0) {
    console.log(
      `longest any live thread stayed blocked after a peer died ${t.longestBlockedAfterDeathMs.toFixed(1)} ms; ` +
        `terminate() to recover() returning: mean ${t.meanRecoverMs.toFixed(1)} ms, longest ` +
        `${t.longestRecoverMs.toFixed(1)} ms (in recover() itself at most ${t.longestRecoverCallMs.toFixed(2)} ms)`,
    );
  }
}
process.exit(failures.length === 0 ? 0 : 1);
