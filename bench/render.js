// Re-renders a saved report as Markdown: node bench/render.js [bench/RESULTS.json] [--save]
import { readFileSync, writeFileSync } from 'node:fs';
import { markdown, resultsPage } from './lib/report.js';

const file =
  process.argv.slice(2).find((a) => !a.startsWith('--')) ?? new URL('./RESULTS.json', import.meta.url);
const table = markdown(JSON.parse(readFileSync(file, 'utf8')));
if (process.argv.includes('--save'))
  writeFileSync(new URL('./RESULTS.md', import.meta.url), resultsPage(table));
else process.stdout.write(`${table}\n`);
