#!/usr/bin/env node
// The `conveyor` command: one binary, one subcommand per job.
import { readFileSync } from 'node:fs';

const USAGE = `Usage: conveyor <command> [options]

Commands:
  run     replay the seed's producer-consumer scenario on real worker threads
  check   explore every interleaving of a producer-consumer model and report bugs
  view    replay a run's trace or a check's counterexample step by step on a local page

Run 'conveyor <command> --help' for the options of one command.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const { runCommand } = await import('./run.js');
      return runCommand(rest);
    }
    case 'check': {
      const { checkCommand } = await import('./check.js');
      return checkCommand(rest);
    }
    case 'view': {
      const { viewCommand } = await import('./view.js');
      return viewCommand(rest);
    }
    case '--version':
    case '-v':
      process.stdout.write(`${version()}\n`);
      return 0;
    case '--help':
    case '-h':
    case undefined:
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`conveyor: unknown command '${command}'\n\n${USAGE}\n`);
      return 2;
  }
}

// A reader that stops reading (`conveyor run | head -3`) closes the pipe: end quietly, as Unix
// tools do, instead of dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // A bug of ours, not bad input: one line, not a stack trace (CONVEYOR_DEBUG=1 shows it).
  const detail = process.env.CONVEYOR_DEBUG ? ((error as Error)?.stack ?? String(error)) : String(error);
  process.stderr.write(`conveyor: internal error: ${detail}\n`);
  process.exitCode = 70;
}
