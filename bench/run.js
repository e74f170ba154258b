// conveyor's benchmark suite: `npm run bench` (builds, then runs this against dist/).
//
//   node bench/run.js [--quick] [--json] [--rounds N] [--filter TEXT]
//
//   --quick   smaller sizes, 3 rounds, stops starting rounds after 50 s (a full run: 7 rounds, 570 s)
//   --json    the report as JSON on stdout (progress is not printed)
//   --save    also write the table to bench/RESULTS.md and the report to bench/RESULTS.json
//   --filter  only groups or cases whose name contains TEXT (with each group's baseline)
//
// Every case runs in a fresh process (bench/sample.js), in interleaved rounds: each round runs
// every case of every group once, in an order rotated from round to round, so that drift of a
// noisy machine hits every case alike. A group's ratios compare each case with the group's
// baseline *in the same round*; the table shows the median over rounds and the spread (lowest and
// highest rate as a percentage of the median). Receivers count and sum what they got; a case whose
// count or sum is wrong is reported as an error, not as a rate.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { loadGroups } from './lib/groups.js';
import { format, markdown, resultsPage } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    filter: { type: 'string' },
    budget: { type: 'string' },
    save: { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds ?? (args.quick ? 3 : 7));
if (!Number.isInteger(rounds) || rounds < 1)
  throw new RangeError(`--rounds must be a positive integer, got ${args.rounds}`);
const sizeIndex = args.quick ? 0 : 1;
/** Seconds the whole run may take: no new round starts that would end past it (one round always runs). */
const budget = Number(args.budget ?? (args.quick ? 50 : 570));
const started = performance.now();

function sample(group, name, n) {
  const script = new URL('./sample.js', import.meta.url).pathname;
  const warm = group.module === 'single-thread' ? '1' : '0';
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, group.module, group.id, name, String(n), warm],
      { timeout: 120_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) resolve({ error: (stderr || String(error)).trim().split('\n').slice(-3).join(' ') });
        else resolve(JSON.parse(stdout.trim().split('\n').pop()));
      },
    );
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

let groups = await loadGroups();
if (args.filter !== undefined) {
  const f = args.filter.toLowerCase();
  groups = groups
    .map((g) => ({
      ...g,
      cases: Object.fromEntries(
        Object.entries(g.cases).filter(
          ([name]) =>
            `${g.id} ${g.title}`.toLowerCase().includes(f) ||
            name.toLowerCase().includes(f) ||
            name === g.baseline,
        ),
      ),
    }))
    .filter((g) => Object.keys(g.cases).length > 1 || `${g.id} ${g.title}`.toLowerCase().includes(f));
}

// state[group.id][case] = { values: [], perRound: Map(round → value), skipped, error }
const state = new Map(
  groups.map((g) => [
    g.id,
    new Map(Object.keys(g.cases).map((c) => [c, { values: [], perRound: new Map(), details: [] }])),
  ]),
);

let roundsRun = 0;
for (let round = 0; round < rounds; round++) {
  const elapsed = (performance.now() - started) / 1000;
  if (round > 0 && elapsed + elapsed / round > budget) {
    process.stderr.write(
      `  stopping after ${round} of ${rounds} rounds: the next would end past ${budget} s\n`,
    );
    break;
  }
  roundsRun++;
  for (const group of groups) {
    const names = Object.keys(group.cases);
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const record = state.get(group.id).get(name);
      if (record.skipped !== undefined) continue; // a failed round is tried again in the next one
      const n = group.cases[name].items[sizeIndex];
      const result = await sample(group, name, n);
      let value;
      if (result.skipped) record.skipped = result.skipped;
      else if (result.error) record.error = result.error;
      else if (group.latency) value = result.latency;
      else {
        const want = group.expect(n);
        if (result.count !== want.count || result.sum !== want.sum) {
          record.error = `receiver got count ${result.count} sum ${result.sum}, expected ${want.count} and ${want.sum}`;
        } else value = { rate: n / result.seconds };
      }
      if (value !== undefined) {
        if (result.details !== undefined) record.details.push(result.details); // e.g. round trips/item
        record.values.push(value);
        record.perRound.set(round, value);
      }
      if (!args.json) {
        const shown =
          value === undefined
            ? (record.skipped ?? `ERROR ${result.error ?? record.error}`)
            : format(group, value);
        process.stderr.write(`  round ${round + 1}/${rounds}  ${group.id}: ${name}: ${shown}\n`);
      }
    }
  }
}

function metric(group, value) {
  return group.latency ? value.p50 : value.rate;
}

const report = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.versions.node,
    platform: `${process.platform} ${process.arch}`,
  },
  mode: args.quick ? 'quick' : 'full',
  rounds: roundsRun,
  seconds: 0,
  groups: [],
};

for (const group of groups) {
  const base = state.get(group.id).get(group.baseline);
  const cases = [];
  for (const [name, record] of state.get(group.id)) {
    const metrics = record.values.map((v) => metric(group, v));
    const ratios = [];
    for (const [round, value] of record.perRound) {
      const b = base?.perRound.get(round);
      if (b !== undefined) ratios.push(metric(group, value) / metric(group, b));
    }
    const entry = { name, samples: metrics.length };
    if (record.skipped) entry.skipped = record.skipped;
    if (record.error) entry.error = record.error; // the last failure, if any round failed
    if (metrics.length > 0) {
      entry.median = median(metrics);
      entry.min = Math.min(...metrics);
      entry.max = Math.max(...metrics);
      if (group.latency) entry.p99 = median(record.values.map((v) => v.p99));
      if (ratios.length > 0) entry.ratio = median(ratios);
      if (record.details.length > 0) {
        entry.details = {};
        for (const key of Object.keys(record.details[0]))
          entry.details[key] = median(record.details.map((d) => d[key]));
      }
    }
    cases.push(entry);
  }
  report.groups.push({ id: group.id, title: group.title, unit: group.unit, baseline: group.baseline, cases });
}
report.seconds = Math.round((performance.now() - started) / 1000);

const table = markdown(report);
if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else process.stdout.write(`${table}\n`);
if (args.save) {
  writeFileSync(new URL('./RESULTS.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(new URL('./RESULTS.md', import.meta.url), resultsPage(table));
}
