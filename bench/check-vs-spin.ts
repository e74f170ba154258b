// States per second of `conveyor check` against Spin, on the same machine in the same run, and
// (with --all) the full verdict cross-check: every three-semaphore variant at every mix of 1-2 producers,
// 1-2 consumers, capacity 1-3 and 1-3 items.
//
//   node --import tsx bench/check-vs-spin.ts [--all]
//
// Spin's pan is compiled with -O2 -DSAFETY; its rate is states stored / pan's own elapsed time
// (compile time excluded). Ours is states stored / the depth-first pass, best of three runs (the
// first warms up the JIT).

import { explore } from '../src/check/explore.js';
import type { ModelParams } from '../src/check/model.js';
import { buildModel } from '../src/check/models.js';
import { PROMELA_VARIANTS, runSpin, spinAvailable } from '../src/check/spin.js';

if (!spinAvailable()) {
  process.stderr.write('check-vs-spin: spin or cc is not on PATH (apt-get install -y spin)\n');
  process.exit(2);
}

const CONFIGS: ModelParams[] = [
  { producers: 2, consumers: 2, capacity: 2, items: 3 },
  { producers: 2, consumers: 2, capacity: 3, items: 4 },
];

for (const params of CONFIGS) {
  const label = `three-semaphores ${params.producers}p ${params.consumers}c capacity ${params.capacity}, ${params.items} items`;
  let best = { states: 0, seconds: Infinity };
  for (let run = 0; run < 3; run++) {
    const verdict = explore(buildModel('three-semaphores', params));
    const seconds = verdict.stats.states / verdict.stats.statesPerSecond;
    if (seconds < best.seconds) best = { states: verdict.stats.states, seconds };
  }
  const spin = runSpin('three-semaphores', params, { optimize: true });
  const ours = best.states / best.seconds;
  const theirs = spin.states / spin.seconds;
  console.log(label);
  console.log(
    `  conveyor check: ${best.states} states in ${(best.seconds * 1000).toFixed(0)} ms = ${Math.round(ours)} states/s`,
  );
  console.log(
    `  spin:           ${spin.states} states in ${(spin.seconds * 1000).toFixed(0)} ms = ${Math.round(theirs)} states/s`,
  );
  console.log(`  ratio:          ${(ours / theirs).toFixed(2)} of Spin's rate`);
  console.log(`  repeat Spin:    ${spin.commands.join(' && ')}`);
}

if (process.argv.includes('--all')) {
  let agree = 0;
  let total = 0;
  for (const variant of Object.keys(PROMELA_VARIANTS) as (keyof typeof PROMELA_VARIANTS)[]) {
    for (const producers of [1, 2])
      for (const consumers of [1, 2])
        for (const capacity of [1, 2, 3])
          for (const items of [1, 2, 3]) {
            const params = { producers, consumers, capacity, items };
            const ours = explore(buildModel(variant, params)).status === 'holds';
            const spin = runSpin(variant, params).errors === 0;
            total++;
            if (ours === spin) agree++;
            else console.log(`DISAGREE ${variant} ${JSON.stringify(params)}: ours ${ours} spin ${spin}`);
          }
  }
  console.log(`verdicts agree on ${agree} of ${total} (variant, parameters) pairs`);
  if (agree !== total) process.exitCode = 1;
}
