// Runs one case once in a fresh process and prints its result as JSON:
//   node bench/sample.js MODULE GROUP CASE N WARMUP
// In-process cases run once on N/10 items first, so that the timed run is not the JIT's first.
import { loadGroups } from './lib/groups.js';

const [module, groupId, caseName, n, warmup] = process.argv.slice(2);
const [group] = (await loadGroups(module)).filter((g) => g.id === groupId);
const spec = group?.cases[caseName];
if (spec === undefined) throw new Error(`no case '${caseName}' in group '${groupId}'`);
const items = Number(n);
if (warmup === '1') await spec.run(Math.max(1, Math.floor(items / 10 / 100) * 100));
const t0 = performance.now();
const result = await spec.run(items);
result.seconds ??= (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
