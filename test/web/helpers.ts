// Browser tests' helpers: Debian's Chromium through playwright-core (never a downloaded browser),
// a `conveyor` command serving a page in a child process, and a page's console errors.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { cliCommand } from '../run/helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
/** With CI=true a missing Chromium fails the tests; elsewhere they are skipped, and say so. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const MUST_RUN = process.env.CI === 'true' || HAVE_CHROMIUM;

export async function launchChromium(): Promise<Browser> {
  if (!HAVE_CHROMIUM)
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (CI=true requires it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-extensions',
      '--disable-component-update',
      '--disable-sync',
      // No --user-data-dir: launch() refuses it and starts every browser on a fresh temp profile.
    ],
    timeout: 20_000,
  });
}

/** Where this run's screenshots go (a fresh temp folder, printed once). */
export function screenshotDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-page-shots-'));
  process.stderr.write(`page screenshots: ${dir}\n`);
  return dir;
}

/** Collects console errors, uncaught page errors and failed requests of a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The event stream is cut when a page closes or a run is replaced: not an error of the page.
    if (!r.url().endsWith('/api/events')) errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return errors;
}

export interface Served {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Ctrl-C, then the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Starts `conveyor ARGS…` and resolves once it prints the page's address. */
export function serve(args: string[], timeoutMs = 20_000): Promise<Served> {
  const child = spawn(process.execPath, [...cliCommand(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<Served>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`conveyor ${args.join(' ')} printed no address in ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`conveyor ${args.join(' ')} exited with ${code} before serving; stderr: ${err}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const url = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      resolve({
        url,
        child,
        stdout: () => out,
        stderr: () => err,
        stop: async (stopMs = 10_000) => {
          if (child.exitCode !== null) return child.exitCode;
          child.kill('SIGINT');
          const killer = setTimeout(() => child.kill('SIGKILL'), stopMs);
          const code = await exited;
          clearTimeout(killer);
          return code;
        },
      });
    });
  });
}
