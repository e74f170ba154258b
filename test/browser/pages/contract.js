// Runs the queue contract suites (the very files vitest runs, through the shim the import map
// names 'vitest') on the page's main thread, and returns the shim's report.
import { run } from 'vitest';

export async function runContract() {
  await import('/test/contract/bounded-buffer-contract.test.ts');
  await import('/test/contract/channel-contract.test.ts');
  const lines = [];
  const report = await run({ log: (line) => lines.push(line) });
  return { ...report, lines };
}
