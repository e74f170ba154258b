import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.js';
import { buildModel } from '../../src/check/models.js';
import { runCommand } from '../../src/cli/run.js';
import { viewCommand } from '../../src/cli/view.js';
import { MAX_TRACE_STEPS } from '../../src/web/trace-steps.js';
import { ViewFileError } from '../../src/web/view-doc.js';
import { loadViewFile, viewDocFromText } from '../../src/web/view-file.js';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-view-file-'));
const quiet = { write: () => true };

async function captured(run: (io: Parameters<typeof viewCommand>[1]) => Promise<number>) {
  let stdout = '';
  let stderr = '';
  const code = await run({
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    signals: null,
  });
  return { code, stdout, stderr };
}

function checkJson(model: string): string {
  const verdict = explore(buildModel(model));
  const { violation, ...rest } = verdict;
  // What `conveyor check --json` prints.
  return JSON.stringify({
    ...rest,
    violation: violation && { ...violation, steps: undefined },
    schedule: violation?.schedule ?? null,
  });
}

describe('conveyor view reading a run trace', () => {
  let trace: string;
  beforeAll(async () => {
    const file = join(dir, 'run.jsonl');
    const args = [
      '--producers',
      '2',
      '--consumers',
      '2',
      '--items',
      '6',
      '--capacity',
      '3',
      '--time-scale',
      '0.002',
    ];
    expect(
      await runCommand([...args, '--quiet', '--trace', file], {
        stdout: quiet,
        stderr: quiet,
        signals: null,
      }),
    ).toBe(0);
    trace = readFileSync(file, 'utf8');
  });

  it('rebuilds the buffer step by step and finds every produced item consumed', () => {
    const doc = viewDocFromText('run.jsonl', trace, { capacity: 3 });
    expect(doc.kind).toBe('trace');
    expect(doc.violation).toBeNull();
    expect(doc.threads).toEqual(['producer-1', 'producer-2', 'consumer-1', 'consumer-2']);
    expect(doc.steps.length).toBe(trace.trim().split('\n').length);
    const produced = doc.steps.filter((s) => s.action.startsWith('produced')).length;
    const consumed = doc.steps.filter((s) => s.action.startsWith('consumed')).length;
    expect([produced, consumed]).toEqual([12, 12]);
    for (const step of doc.steps) {
      const { empty, full } = step.memory.semaphores;
      expect(empty + full).toBe(3);
      expect(step.memory.buffers.buffer.filter((slot) => slot !== '·').length).toBe(full);
    }
    const last = doc.steps.at(-1)!;
    expect(Object.values(last.threads)).toEqual(['done', 'done', 'done', 'done']);
  });

  it('marks an item never consumed, and an item consumed twice, at the step that shows it', () => {
    const lines = trace.trim().split('\n');
    const lastConsumed = lines.findLastIndex((l) => l.includes('"consumed"'));
    const dropped = lines.filter((_, i) => i !== lastConsumed).join('\n');
    const lost = viewDocFromText('lost.jsonl', dropped, { capacity: 3 });
    expect(lost.violation).toMatchObject({ kind: 'lost-item', step: lost.steps.length, thread: null });
    const item = JSON.parse(lines[lastConsumed]).item;
    expect(lost.violation!.message).toBe(`every actor finished, but item ${item} was never consumed`);

    const firstConsumed = lines.findIndex((l) => l.includes('"consumed"'));
    const twice = [
      ...lines.slice(0, firstConsumed + 1),
      lines[firstConsumed],
      ...lines.slice(firstConsumed + 1),
    ];
    const duplicate = viewDocFromText('twice.jsonl', twice.join('\n'), { capacity: 3 });
    expect(duplicate.violation).toMatchObject({ kind: 'duplicate', step: firstConsumed + 2 });
    expect(duplicate.violation!.message).toContain('which was consumed before');
  });

  it('infers the capacity from the largest occupancy when none is given, and says so', () => {
    const doc = viewDocFromText('run.jsonl', trace);
    const largest = Math.max(
      ...trace
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).occupancy),
    );
    expect(doc.steps[0].memory.buffers.buffer.length).toBe(largest);
    expect(doc.notes.join(' ')).toContain(`largest occupancy seen (${largest})`);
  });
});

describe('conveyor view reading a check result', () => {
  it('replays a counterexample on the model: the memory, the threads and the violation at its last step', () => {
    const doc = viewDocFromText('lost.json', checkJson('no-mutex'));
    const verdict = explore(buildModel('no-mutex'));
    expect(doc.kind).toBe('counterexample');
    expect(doc.steps.map((s) => [s.thread, s.action, s.memory])).toEqual(
      verdict.violation!.trace.map((s) => [s.thread, s.action, s.memory]),
    );
    expect(doc.violation).toEqual({
      step: doc.steps.length,
      kind: verdict.violation!.kind,
      message: verdict.violation!.message,
      thread: verdict.violation!.thread,
    });
    expect(doc.steps.at(-1)!.threads[verdict.violation!.thread!]).toBe(
      `broke the check: ${verdict.violation!.kind}`,
    );
  });

  it('shows a deadlock as a property of the last state, every thread blocked or done', () => {
    const doc = viewDocFromText('deadlock.json', checkJson('swapped-acquire'));
    expect(doc.violation).toMatchObject({ kind: 'deadlock', thread: null, step: doc.steps.length });
    const states = Object.values(doc.steps.at(-1)!.threads);
    expect(states.every((s) => s === 'done' || s.startsWith('blocked on'))).toBe(true);
  });

  it('refuses a result that holds, and a schedule the model cannot run, naming the file', () => {
    expect(() => viewDocFromText('holds.json', checkJson('three-semaphores'))).toThrow(
      "holds.json: this check result has no counterexample to replay (status 'holds')",
    );
    const tampered = JSON.stringify({ schedule: 'no-mutex:2,2,2,2:0009' });
    expect(() => viewDocFromText('tampered.json', tampered)).toThrow(ViewFileError);
    expect(() => viewDocFromText('tampered.json', tampered)).toThrow(
      "tampered.json: cannot replay schedule 'no-mutex:2,2,2,2:0009': step 4 names thread 9",
    );
  });
});

describe('conveyor view on bad files', () => {
  it.each([
    ['', 'empty.txt: the file is empty'],
    [
      '[1, 2, 3]',
      "array.json: neither a conveyor check --json result (no 'schedule') nor a conveyor run --trace file (no 'event')",
    ],
    [
      '{"t":0,"actor":"robot-1","event":"done","occupancy":0}',
      'robot.jsonl, line 1: \'actor\' must be producer-N or consumer-N, got "robot-1"',
    ],
    [
      '{"t":0,"actor":"producer-1","event":"explode","occupancy":0}',
      'event.jsonl, line 1: \'event\' must be one of produced, consumed, wait, wake, done, got "explode"',
    ],
  ])('%j is refused', (text, message) => {
    const file = message.slice(0, message.indexOf(':')).replace(/, line \d+$/, '');
    expect(() => viewDocFromText(file, text)).toThrow(message);
  });

  it('refuses a trace longer than the page steps through, before reading its lines', () => {
    const line = '{"t":0,"actor":"producer-1","event":"done","occupancy":0}\n';
    expect(() => viewDocFromText('long.jsonl', line.repeat(MAX_TRACE_STEPS + 1))).toThrow(
      `long.jsonl: ${MAX_TRACE_STEPS + 1} events is more than the ${MAX_TRACE_STEPS} conveyor view steps through`,
    );
    expect(viewDocFromText('long.jsonl', line.repeat(MAX_TRACE_STEPS)).steps).toHaveLength(MAX_TRACE_STEPS);
  });

  it('exits with 2 and one clear line for a missing file or bad usage (--json, no page)', async () => {
    const missing = await captured((io) => viewCommand([join(dir, 'nope.json'), '--json'], io));
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(`conveyor view: ${join(dir, 'nope.json')}: cannot read it: no such file\n`);
    const usage = await captured((io) => viewCommand([], io));
    expect(usage.code).toBe(2);
    expect(usage.stderr.split('\n')[0]).toBe('conveyor view: name the file to view');
    const capacity = await captured((io) => viewCommand(['x.jsonl', '--capacity', '0'], io));
    expect(capacity.stderr.split('\n')[0]).toBe(
      "conveyor view: --capacity must be an integer from 1 to 1048576, got '0'",
    );
  });

  it('prints the steps as JSON with --json', async () => {
    const file = join(dir, 'lost.json');
    writeFileSync(file, checkJson('no-mutex'));
    const printed = await captured((io) => viewCommand([file, '--json'], io));
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(loadViewFile(file));
  });
});
