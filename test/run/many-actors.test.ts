import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace, runCli, type TraceLine } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-many-'));

function checkExactlyOnce(events: TraceLine[], total: number): void {
  const produced = events.filter((e) => e.event === 'produced').map((e) => e.item!);
  const consumed = events.filter((e) => e.event === 'consumed').map((e) => e.item!);
  const all = Array.from({ length: total }, (_, i) => i + 1);
  expect([...produced].sort((a, b) => a - b)).toEqual(all);
  expect([...consumed].sort((a, b) => a - b)).toEqual(all);
}

describe.each(['classic', 'buffer'] as const)('three producers and two consumers in %s mode', (mode) => {
  it('consume every item exactly once, stop by close, and keep the occupancy within 0..capacity', async () => {
    const trace = join(dir, `${mode}.jsonl`);
    const { code, stdout, stderr } = await runCli([
      '--mode',
      mode,
      '--producers',
      '3',
      '--consumers',
      '2',
      '--items',
      '15',
      '--capacity',
      '4',
      '--produce-ms',
      '0-300',
      '--consume-ms',
      '100-500',
      '--seed',
      '7',
      '--time-scale',
      '0.01',
      '--trace',
      trace,
    ]);
    expect(code, stderr).toBe(0);
    const events = parseTrace(readFileSync(trace, 'utf8'));
    checkExactlyOnce(events, 45);
    for (const e of events) {
      expect(e.occupancy).toBeGreaterThanOrEqual(0);
      expect(e.occupancy).toBeLessThanOrEqual(4);
    }
    expect(
      events
        .filter((e) => e.event === 'done')
        .map((e) => e.actor)
        .sort(),
    ).toEqual(['consumer-1', 'consumer-2', 'producer-1', 'producer-2', 'producer-3']);
    // Log lines name the actor when there are several, and each item appears once each way.
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(90);
    for (const line of lines)
      expect(line).toMatch(/^(Producer [1-3] produced: \d+|Consumer [12] consumed item: \d+)$/);
    const seen = new Set<number>();
    for (const line of lines) {
      const item = Number(line.split(': ')[1]);
      if (line.startsWith('Producer')) seen.add(item);
      else expect(seen.has(item), `item ${item} consumed before it was produced`).toBe(true);
    }
    if (mode === 'classic') {
      // Produced/consumed events happen under `mutex`: replaying them gives each event's occupancy exactly.
      let held = 0;
      for (const e of events) {
        if (e.event === 'produced') held++;
        if (e.event === 'consumed') held--;
        if (e.event === 'produced' || e.event === 'consumed') expect(e.occupancy).toBe(held);
      }
    }
  });
});
