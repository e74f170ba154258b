// `conveyor run --web`: the scenario on real worker threads, as `conveyor run` runs it, shown live
// on a page served from 127.0.0.1; the page can run it again with other speeds, capacity and
// counts. The process serves until Ctrl-C (or until `io.signal` aborts).
//
// stdout: the page's address first, then the seed's log lines (unless --quiet); stderr: each
// run's summary (unless --quiet) and errors. Exit codes: 0 stopped by Ctrl-C, 1 failed, 2 bad input.
import { writeFileSync } from 'node:fs';
import { ChartRecorder, renderChart } from '../run/chart.js';
import { parseRunArgs, type RunOptions, USAGE, UsageError } from '../run/options.js';
import type { RunEvent } from '../run/protocol.js';
import { formatSummary, RunTally } from '../run/summary.js';
import { LiveSession, type RunHandlers } from '../web/live-session.js';
import { optionsFromForm } from '../web/run-form.js';
import { readJsonBody, sendJson, startPageServer } from '../web/server.js';
import { logLine, type RunIO, TraceFile } from './run.js';

export async function runWebCommand(argv: string[], io: RunIO): Promise<number> {
  let parsed: ReturnType<typeof parseRunArgs>;
  try {
    parsed = parseRunArgs(argv);
    if (parsed.kind === 'run' && parsed.options.json) {
      throw new UsageError('--web and --json do not go together (the page shows the summary)');
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`conveyor run: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.kind !== 'run') {
    const { runCommand } = await import('./run.js');
    return runCommand(argv, io); // --help, --version
  }
  const first = parsed.options;
  const logging = !first.quiet;

  /** Each run as `conveyor run` does it: log lines, a tally for the summary, the trace and chart files. */
  const prepare = (options: RunOptions, actors: string[]): RunHandlers => {
    const tally = new RunTally(actors);
    const chart = options.chart === undefined ? undefined : new ChartRecorder(actors);
    let trace: TraceFile | undefined;
    try {
      if (options.trace !== undefined) trace = new TraceFile(options.trace);
    } catch (error) {
      io.stderr.write(`conveyor run: cannot write ${options.trace}: ${(error as Error).message}\n`);
    }
    return {
      onEvent: (event: RunEvent) => {
        if (!logging) return;
        const line = logLine(event, options);
        if (line !== undefined) io.stdout.write(line);
      },
      onActorEvent: (event: RunEvent) => {
        tally.add(event);
        chart?.add(event);
      },
      onTimeOrdered: trace === undefined ? undefined : (event: RunEvent) => trace.add(event),
      finish: (result) => {
        const summary = tally.summarize(result);
        try {
          trace?.close();
          if (chart !== undefined) writeFileSync(options.chart!, renderChart(chart, result));
        } catch (error) {
          io.stderr.write(`conveyor run: cannot write the output: ${(error as Error).message}\n`);
        }
        if (logging) io.stderr.write(`\n${formatSummary(summary)}\n\n`);
        return { stopped: summary.stopped, elapsedMs: summary.elapsedMs };
      },
      fail: (error) => {
        trace?.close(false);
        io.stderr.write(`conveyor run: the run failed: ${(error as Error)?.stack ?? String(error)}\n`);
      },
    };
  };
  const session = new LiveSession(prepare);

  const server = await startPageServer({
    page: 'live.html',
    routes: {
      'GET /api/events': (_req, res) => session.attach(res),
      'POST /api/run': async (req, res) => {
        let options: ReturnType<typeof optionsFromForm>;
        try {
          options = optionsFromForm(await readJsonBody(req), first);
        } catch (error) {
          // 200, not 400: the page shows the message, and a 400 would also log a console error.
          return sendJson(res, 200, { ok: false, error: (error as Error).message });
        }
        void session.start(options);
        sendJson(res, 202, { ok: true });
      },
      'POST /api/stop': async (_req, res) => {
        await session.stop();
        sendJson(res, 200, { ok: true });
      },
    },
  });
  io.stdout.write(`conveyor run --web: open ${server.url} (Ctrl-C to stop)\n`);

  const done = new Promise<void>((resolve) => {
    const signals = io.signals === undefined ? process : io.signals;
    const onStop = () => {
      signals?.off('SIGINT', onStop);
      io.signal?.removeEventListener('abort', onStop);
      resolve();
    };
    signals?.once('SIGINT', onStop);
    io.signal?.addEventListener('abort', onStop, { once: true });
    if (io.signal?.aborted) onStop();
  });
  void session.start(first);
  await done;
  await session.close();
  await server.close();
  return 0;
}
