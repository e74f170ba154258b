// Running the `conveyor` command in a child process, and checking what it writes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST_MAIN = `${ROOT}dist/cli/main.js`;

/** `node dist/cli/main.js` when built (npm test builds first), else the sources through tsx. */
export function cliCommand(): string[] {
  if (existsSync(DIST_MAIN) && existsSync(`${ROOT}dist/run/worker.js`)) return [DIST_MAIN];
  return ['--import', 'tsx', `${ROOT}src/cli/main.ts`];
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  result: Promise<CliResult>;
  /** Resolves when stdout first contains `text`. */
  seen(text: string): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

export function startCli(args: string[], timeoutMs = 20_000): CliRun {
  const child = spawn(process.execPath, [...cliCommand(), 'run', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: { text: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const w of watchers.splice(0)) {
      if (stdout.includes(w.text)) w.resolve();
      else watchers.push(w);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`conveyor ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    result,
    seen: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        watchers.push({ text, resolve });
        result.then(() => reject(new Error(`exited before printing ${JSON.stringify(text)}`)), reject);
      }),
    kill: (signal) => child.kill(signal),
  };
}

export function runCli(args: string[], timeoutMs?: number): Promise<CliResult> {
  return startCli(args, timeoutMs).result;
}

export interface TraceLine {
  t: number;
  actor: string;
  event: 'produced' | 'consumed' | 'wait' | 'wake' | 'done';
  item?: number;
  on?: 'empty' | 'full' | 'mutex';
  occupancy: number;
}

export function parseTrace(text: string): TraceLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TraceLine);
}

/**
 * Throws unless `text` is well-formed XML: one root element, properly nested and closed tags,
 * quoted attributes, and only the five predefined or numeric entity references.
 */
export function assertWellFormedXml(text: string): void {
  const stack: string[] = [];
  let roots = 0;
  const token =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    const [whole, closing, name, , selfClosing] = m;
    if (whole.startsWith('<!--') || whole.startsWith('<?')) continue;
    if (name === undefined)
      throw new Error(`not well-formed XML at offset ${m.index}: ${text.slice(m.index, m.index + 40)}`);
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}> at offset ${m.index}`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);
}
