import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertWellFormedXml, parseTrace, runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-run-'));

describe('conveyor run with the seed defaults', () => {
  it('prints the 40 lines of the seed in an order the seed timing allows, and traces the producer waiting on a full buffer', async () => {
    const trace = join(dir, 'seed.jsonl');
    const chart = join(dir, 'seed.svg');
    const { code, stdout, stderr } = await runCli([
      '--time-scale',
      '0.01',
      '--trace',
      trace,
      '--chart',
      chart,
    ]);
    expect(code, stderr).toBe(0);

    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(40);
    for (const line of lines) expect(line).toMatch(/^(Producer produced: \d+|Consumer consumed item: \d+)$/);
    const produced = lines.filter((l) => l.startsWith('Producer')).map((l) => Number(l.split(': ')[1]));
    const consumed = lines.filter((l) => l.startsWith('Consumer')).map((l) => Number(l.split(': ')[1]));
    const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(produced).toEqual(oneToTwenty);
    expect(consumed).toEqual(oneToTwenty);
    // The consumer starts first and waits, so item 1 is consumed as soon as it is produced.
    expect(lines.slice(0, 2)).toEqual(['Producer produced: 1', 'Consumer consumed item: 1']);
    // Every prefix of the log is possible: nothing consumed before it was produced, never more than 10 held.
    let held = 0;
    for (const line of lines) {
      held += line.startsWith('Producer') ? 1 : -1;
      expect(held).toBeGreaterThanOrEqual(0);
      expect(held).toBeLessThanOrEqual(10);
    }
    // The producer is the faster one: it finishes while the consumer is still less than 2/3 through.
    const lastProduced = lines.indexOf('Producer produced: 20');
    expect(lines.slice(0, lastProduced).filter((l) => l.startsWith('Consumer')).length).toBeLessThan(14);

    const events = parseTrace(readFileSync(trace, 'utf8'));
    const fullWait = events.find((e) => e.actor === 'producer-1' && e.event === 'wait' && e.on === 'empty');
    expect(fullWait?.occupancy).toBe(10);
    expect(
      events
        .filter((e) => e.event === 'done')
        .map((e) => e.actor)
        .sort(),
    ).toEqual(['consumer-1', 'producer-1']);

    expect(stderr).toContain('20 produced, 20 consumed');
    expect(stderr).toContain('Largest occupancy: 10 of 10');
    expect(stderr).not.toContain('\x1b['); // stderr is a pipe here: no live view

    const svg = readFileSync(chart, 'utf8');
    assertWellFormedXml(svg);
    expect(svg).toContain('waiting on empty');
    expect(svg).toContain('capacity 10');
  });

  it('writes trace lines with t, actor, event, item, on and occupancy in time order', async () => {
    const trace = join(dir, 'fields.jsonl');
    const { code } = await runCli([
      '--time-scale',
      '0.002',
      '--items',
      '8',
      '--capacity',
      '3',
      '--trace',
      trace,
      '--quiet',
    ]);
    expect(code).toBe(0);
    const events = parseTrace(readFileSync(trace, 'utf8'));
    let last = 0;
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(
        [
          't',
          'actor',
          'event',
          'occupancy',
          ...(e.item === undefined ? [] : ['item']),
          ...(e.on === undefined ? [] : ['on']),
        ].sort(),
      );
      expect(e.t).toBeGreaterThanOrEqual(last);
      last = e.t;
      expect(['produced', 'consumed', 'wait', 'wake', 'done']).toContain(e.event);
      expect(e.actor).toMatch(/^(producer|consumer)-\d+$/);
      if (e.event === 'produced' || e.event === 'consumed') expect(Number.isInteger(e.item)).toBe(true);
      if (e.event === 'wait' || e.event === 'wake') expect(['empty', 'full', 'mutex']).toContain(e.on);
    }
  });

  it('prints one JSON summary and no log lines with --json', async () => {
    const { code, stdout, stderr } = await runCli(['--time-scale', '0.002', '--json']);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      mode: 'classic',
      produced: 20,
      consumed: 20,
      capacity: 10,
      stopped: false,
    });
    expect(summary.actors.map((a: { actor: string }) => a.actor)).toEqual(['consumer-1', 'producer-1']);
    expect(summary.actors[1].waitingMs).toHaveProperty('empty');
    expect(stderr).toBe('');
  });
});
