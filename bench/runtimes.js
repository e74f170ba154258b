// One-at-a-time against batched transfers between two workers, on every runtime side by side:
// Node (this one, 22 and 24 from .runtimes/), Bun, Deno and, with --browser, headless Chromium.
//   npm run build && node bench/runtimes.js [--items N] [--rounds R] [--browser] [--json]
// Each sample is a fresh process (a fresh page for Chromium); rounds rotate the runtime order;
// the table shows medians over rounds and the median of each round's batched/one-at-a-time ratio.
// Runtimes: scripts/install-runtimes.sh; a missing one is listed as missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const INSTALLED = join(ROOT, '.runtimes/node_modules');
const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '500000' },
    rounds: { type: 'string', default: '5' },
    browser: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const ITEMS = Number(values.items);
const ROUNDS = Number(values.rounds);
const MODES = ['one', 'batch'];

const cli = (binary, ...pre) => ({ binary, args: [...pre, join(ROOT, 'bench/runtimes/transfer-cli.js')] });
const RUNTIMES = [
  { name: `Node ${process.versions.node}`, ...cli(process.execPath) },
  { name: 'Node 22', ...cli(join(INSTALLED, 'node22/bin/node')) },
  { name: 'Node 24', ...cli(join(INSTALLED, 'node24/bin/node')) },
  { name: 'Bun', ...cli(join(INSTALLED, '@oven/bun-linux-x64/bin/bun')) },
  { name: 'Deno', ...cli(join(INSTALLED, '@deno/linux-x64-glibc/deno'), 'run', '-A') },
].filter((runtime) => {
  if (existsSync(runtime.binary)) return true;
  console.error(`missing: ${runtime.name} (${runtime.binary}); run scripts/install-runtimes.sh`);
  return false;
});

function sampleProcess(runtime, mode) {
  const child = spawnSync(runtime.binary, [...runtime.args, mode, String(ITEMS)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (child.status !== 0) throw new Error(`${runtime.name} ${mode}: ${child.stderr || child.error}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1));
}

/** Chromium: a page served with COOP/COEP from a server of our own, one fresh page per sample. */
async function chromiumRuntime() {
  const { chromium } = await import('playwright-core');
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname));
    const file = join(ROOT, path);
    if (!/^\/(dist|bench\/runtimes)\//.test(path) || !existsSync(file)) return response.writeHead(404).end();
    response.writeHead(200, {
      'Content-Type': file.endsWith('.html') ? 'text/html' : 'text/javascript',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    response.end(readFileSync(file));
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  const profile = mkdtempSync(join(tmpdir(), 'conveyor-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-extensions',
    ],
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    name: `Chromium ${context.browser()?.version() ?? ''}`.trim(),
    async sample(mode) {
      const page = await context.newPage();
      await page.goto(`${origin}/bench/runtimes/page.html`);
      const result = await page.evaluate(
        async ([m, n]) => (await import('/bench/runtimes/transfer-page.js')).run(m, n),
        [mode, ITEMS],
      );
      await page.close();
      return result;
    },
    async close() {
      await context.close();
      server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const runtimes = RUNTIMES.map((r) => ({ name: r.name, sample: async (mode) => sampleProcess(r, mode) }));
const browser = values.browser ? await chromiumRuntime() : undefined;
if (browser) runtimes.push(browser);

const rates = new Map(runtimes.map((r) => [r.name, { one: [], batch: [], ratio: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  const order = runtimes.map((_, i) => runtimes[(i + round) % runtimes.length]);
  for (const runtime of order) {
    const got = {};
    for (const mode of MODES) got[mode] = (await runtime.sample(mode)).itemsPerSecond;
    const r = rates.get(runtime.name);
    r.one.push(got.one);
    r.batch.push(got.batch);
    r.ratio.push(got.batch / got.one);
  }
  if (!values.json) console.error(`round ${round + 1}/${ROUNDS} done`);
}
await browser?.close();

/** The lowest and highest round as a percentage of the median: how noisy the median is. */
const spread = (xs) =>
  `${Math.round((Math.min(...xs) / median(xs)) * 100)}–${Math.round((Math.max(...xs) / median(xs)) * 100)}%`;
const rows = [...rates].map(([name, r]) => ({
  runtime: name,
  oneAtATime: Math.round(median(r.one)),
  oneSpread: spread(r.one),
  batched: Math.round(median(r.batch)),
  batchedSpread: spread(r.batch),
  ratio: Number(median(r.ratio).toFixed(2)),
}));
if (values.json) console.log(JSON.stringify({ items: ITEMS, rounds: ROUNDS, batch: 64, rows }, null, 2));
else {
  const k = (n) => `${(n / 1000).toFixed(0)}k`;
  console.log(
    `\n${ITEMS} int32 items, worker to worker through a BoundedBuffer of 1024; medians of ${ROUNDS} rounds (items/s)\n`,
  );
  console.log(
    '| runtime | one at a time (putSync/getSync) | batched by 64 (putManySync/getManySync) | batched / one |',
  );
  console.log('|---|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.runtime} | ${k(row.oneAtATime)} (${row.oneSpread}) | ${k(row.batched)} (${row.batchedSpread}) | ${row.ratio}× |`,
    );
  }
  console.log('\nIn parentheses: the lowest and highest round as a percentage of the median.');
}
