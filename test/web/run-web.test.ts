import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run.js';

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
      signals: null,
    },
  };
}

/** Reads the page's event stream until `until` appears in it (20 s of silence at most). */
function readStream(url: string, until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}api/events`, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => {
        text += s;
        if (text.includes(until)) {
          req.destroy();
          resolve(text);
        }
      });
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`no ${until} within 20 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe('conveyor run --web', () => {
  it('refuses --json with --web, as bad input', async () => {
    const { out, io } = capture();
    expect(await runCommand(['--web', '--json'], io)).toBe(2);
    expect(out.stderr.split('\n')[0]).toBe(
      'conveyor run: --web and --json do not go together (the page shows the summary)',
    );
  });

  it('runs the scenario once at start, streams its frames and end, writes its trace, and exits 0 when stopped', async () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'conveyor-web-')), 'run.jsonl');
    const { out, io } = capture();
    const controller = new AbortController();
    const args = ['--web', '--items', '5', '--capacity', '2', '--time-scale', '0.001', '--trace', trace];
    const exit = runCommand(args, { ...io, signal: controller.signal });
    for (let i = 0; i < 100 && !out.stdout.includes('open http'); i++)
      await new Promise((r) => setTimeout(r, 50));
    const url = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.stdout)![1];
    const stream = await readStream(url, 'event: end');
    expect(stream).toMatch(/^event: run\ndata: \{"id":1,/);
    const frames = stream.split('\n').filter((l) => l.startsWith('data: {"id":1,"t"'));
    const last = JSON.parse(frames.at(-1)!.slice('data: '.length));
    expect([last.produced, last.consumed, last.held]).toEqual([5, 5, 0]);
    expect(stream).toContain('event: end\ndata: {"id":1,"stopped":false');
    // The seed's log lines went on as usual, and the trace has every item put and taken.
    expect(out.stdout.match(/Producer produced: \d+/g)).toHaveLength(5);
    const lines = readFileSync(trace, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.event === 'produced').map((l) => l.item)).toEqual([1, 2, 3, 4, 5]);
    expect(lines.filter((l) => l.event === 'consumed').map((l) => l.item)).toEqual([1, 2, 3, 4, 5]);
    controller.abort();
    expect(await exit).toBe(0);
  });
});
