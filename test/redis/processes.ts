// Starting consumer child processes (test/redis/child.ts) and reading their JSON lines.
import { type ChildProcess, spawn } from 'node:child_process';

export interface Child {
  process: ChildProcess;
  /** Every complete line it printed, parsed. */
  lines: Record<string, number>[];
  /** Resolves once it printed {ready}. */
  ready: Promise<void>;
  exited: Promise<void>;
}

export function startChild(args: string[]): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./child.ts', import.meta.url).pathname, ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: Record<string, number>[] = [];
  let partial = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    setTimeout(() => reject(new Error('child not ready within 45 s')), 45_000).unref();
  });
  ready.catch(() => {}); // a child killed before it was ready rejects only for whoever awaits it
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop()!; // a line cut short by SIGKILL is never counted
    for (const line of complete) {
      const parsed = JSON.parse(line) as Record<string, number>;
      if ('ready' in parsed) onReady();
      lines.push(parsed);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { process: child, lines, ready, exited };
}

/** Resolves when `test` holds, checking each time the child prints; rejects after `ms`. */
export async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
