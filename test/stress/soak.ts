// Soak mode of the history-checked fault-injection stress: loops seeded runs for N minutes and
// reports operations done, faults injected, histories verified and items lost (must be 0).
// Not part of `npm test` (a short mode runs in test/stress/history.test.ts).
//
//   npx tsx test/stress/soak.ts --minutes 10 [--seed 1] [--json]
//
// Exits 1 if any history is not linearizable (strict model), any item is lost or duplicated, or
// the checker gives up. Runs linearizable only under weak try semantics (the bug fixed in
// b0cffe0) are counted separately, and fail the soak too.
import { parseArgs } from 'node:util';
import { prng } from '../helpers/prng.js';
import { FaultStress, type RunReport } from '../tooling/fault-stress.js';
import { describeOp } from '../tooling/linearizability.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    json: { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed);
if (!(minutes > 0) || !Number.isInteger(seed)) {
  console.error(`usage: soak.ts --minutes N (N > 0) [--seed integer]; got ${values.minutes}, ${values.seed}`);
  process.exit(2);
}

const totals = {
  runs: 0,
  operations: 0,
  timeouts: 0,
  aborts: 0,
  closes: 0,
  closedResults: 0,
  itemsPut: 0,
  historiesLinearizable: 0,
  onlyWeaklyLinearizable: 0,
  notLinearizable: 0,
  unknown: 0,
  itemsLost: 0,
  longestCheckMs: 0,
};
const failures: string[] = [];

const random = prng(seed);
const stress = await FaultStress.start(2, 2);
const end = performance.now() + minutes * 60_000;
let lastReport = performance.now();
try {
  while (performance.now() < end) {
    const report: RunReport = await stress.run({
      seed: seed * 1_000_000 + totals.runs,
      capacity: 2 + Math.floor(random() * 3),
      operations: 60 + Math.floor(random() * 60),
    });
    totals.runs++;
    totals.operations += report.operations;
    totals.timeouts += report.timeouts;
    totals.aborts += report.aborts;
    totals.closes++;
    totals.closedResults += report.closedResults;
    totals.itemsPut += report.itemsPut;
    totals.itemsLost += report.lost.length;
    totals.longestCheckMs = Math.max(totals.longestCheckMs, report.checkMs);
    if (report.check.verdict === 'linearizable') totals.historiesLinearizable++;
    else if (report.weakCheck.verdict === 'linearizable') totals.onlyWeaklyLinearizable++;
    else if (report.weakCheck.verdict === 'unknown') totals.unknown++;
    else totals.notLinearizable++;
    if (report.check.verdict !== 'linearizable' || report.lost.length > 0) {
      const detail =
        report.check.verdict === 'not linearizable'
          ? report.check.explanation
          : report.check.verdict === 'unknown'
            ? `${report.check.reason}\n${report.history.map(describeOp).join('\n')}`
            : report.lost.join('\n');
      failures.push(`run seed ${report.seed}, capacity ${report.capacity}:\n${detail}`);
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
    `${t.runs} runs, ${t.operations} operations checked, ${t.timeouts} timeouts, ${t.aborts} aborts, ` +
    `${t.closes} closes; linearizable ${t.historiesLinearizable} (+${t.onlyWeaklyLinearizable} only with weak try), ` +
    `not ${t.notLinearizable}, unknown ${t.unknown}; items lost ${t.itemsLost}`
  );
}

if (values.json) console.log(JSON.stringify({ seed, minutes, ...totals, failures: failures.length }));
else {
  console.log(`soak: seed ${seed}, ${minutes} min`);
  console.log(progressLine());
  console.log(
    `items acknowledged as put ${totals.itemsPut}; longest check ${totals.longestCheckMs.toFixed(1)} ms`,
  );
}
process.exit(failures.length === 0 ? 0 : 1);
