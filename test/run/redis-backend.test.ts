// `conveyor run --backend redis://…`: each producer and consumer its own OS process on a real
// redis-server; the same log lines and trace; a consumer killed mid-item shows as a redelivery.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, RedisServer } from '../redis/server.js';
import { startCli } from './helpers.js';

const consumedItems = (stdout: string) =>
  [...stdout.matchAll(/^Consumer(?: \d+)? consumed item: (\d+)$/gm)].map((m) => Number(m[1]));

describeWithRedis('conveyor run --backend redis://', () => {
  let server: RedisServer;
  let dir: string;
  beforeAll(async () => {
    server = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), 'conveyor-run-redis-'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the seed's scenario with every actor in its own process: same log lines, trace and summary", async () => {
    const trace = join(dir, 'both.jsonl');
    const run = startCli(
      [
        '--backend',
        server.url,
        '--name',
        'both',
        '--items',
        '5',
        '--producers',
        '2',
        '--consumers',
        '2',
      ].concat(['--time-scale', '0.01', '--trace', trace]),
      60_000,
    );
    const { code, stdout, stderr } = await run.result;
    expect(code, stderr).toBe(0);
    const produced = [...stdout.matchAll(/^Producer [12] produced: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(produced.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(consumedItems(stdout).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(stderr).toMatch(/Done: 10 produced, 10 consumed/);
    const events = readFileSync(trace, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(
      events
        .filter((e) => e.event === 'done')
        .map((e) => e.actor)
        .sort(),
    ).toEqual(['consumer-1', 'consumer-2', 'producer-1', 'producer-2']);
  });

  it('a consumer process killed mid-item: its item is delivered again, shown in the trace as a redelivery', async () => {
    const name = ['--backend', server.url, '--name', 'split'];
    const producer = startCli([...name, '--role', 'producer', '--items', '6', '--produce-ms', '0'], 60_000);
    const doomed = startCli([...name, '--role', 'consumer', '--consume-ms', '30000'], 60_000);
    await doomed.seen('Consumer consumed item: ');
    doomed.kill('SIGKILL'); // its actor process sees its parent gone and stops without an ack
    const first = consumedItems((await doomed.result).stdout);
    expect(first).toHaveLength(1);
    const producerResult = await producer.result;
    expect(producerResult.code, producerResult.stderr).toBe(0);
    const trace = join(dir, 'split.jsonl');
    const rescuer = startCli([...name, '--role', 'consumer', '--consume-ms', '0', '--trace', trace], 60_000);
    const { code, stdout, stderr } = await rescuer.result;
    expect(code, stderr).toBe(0);
    expect(consumedItems(stdout).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const events = readFileSync(trace, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const redelivered = events.filter((e) => e.event === 'consumed' && e.attempt !== undefined);
    expect(redelivered.map((e) => [e.item, e.attempt])).toEqual([[first[0], 2]]);
  });
});
