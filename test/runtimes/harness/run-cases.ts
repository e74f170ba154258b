// Runs vitest test files without vitest, through the shim (test/runtimes/harness/vitest-shim.ts):
// `deno run -A --sloppy-imports --import-map test/runtimes/harness/import-map.json
//  test/runtimes/harness/run-cases.ts [--filter REGEX] FILE...`. The import map points 'vitest' at
// the shim and src/ at dist/. Prints a line per case, then `RESULT {"passed":N,"failed":M}`.
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { run } from './vitest-shim.js';

const args = process.argv.slice(2);
let filter: RegExp | undefined;
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--filter') filter = new RegExp(args[++i] ?? '');
  else files.push(args[i]!);
}
if (files.length === 0) throw new Error('run-cases: give at least one test file');

for (const file of files) await import(pathToFileURL(file).href);
const report = await run({ filter });
console.log(`RESULT ${JSON.stringify({ passed: report.passed, failed: report.failed })}`);
process.exit(report.failed === 0 && report.passed > 0 ? 0 : 1);
