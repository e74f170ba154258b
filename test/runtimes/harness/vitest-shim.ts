// A small stand-in for the part of vitest the contract suites use (describe, it, it.each, expect),
// so that the same test files run where vitest cannot: Deno and the browser (mapped in by an import
// map as the module 'vitest'). It only uses the language and timers: no runtime's own API.
// Tests run one after another, each with a finite timeout; `run()` reports what passed and failed.

type TestFn = () => unknown;
interface Case {
  name: string;
  fn: TestFn;
  timeout: number;
}

const cases: Case[] = [];
const path: string[] = [];
const DEFAULT_TIMEOUT = 30_000;

export function describe(name: string, body: () => void): void {
  path.push(name);
  try {
    body();
  } finally {
    path.pop();
  }
}

export function it(name: string, fn: TestFn, timeout = DEFAULT_TIMEOUT): void {
  cases.push({ name: [...path, name].join(' > '), fn, timeout });
}

/** `it.each(rows)(name, fn)`: one case per row, the row spread into fn and into the name's %s. */
it.each =
  <Row extends readonly unknown[]>(rows: readonly Row[]) =>
  (name: string, fn: (...row: Row) => unknown, timeout?: number): void => {
    for (const row of rows) {
      let i = 0;
      const title = name.replace(/%[sdio]/g, () => format(row[i++]));
      it(title, () => fn(...row), timeout);
    }
  };

export const test = it;

function format(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return value.name;
  return String(value);
}

export class AssertionError extends Error {
  override name = 'AssertionError';
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(value);
  }
}

/** vitest's toEqual: recursive, own enumerable keys, undefined-valued keys ignored, Object.is on leaves. */
function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    return a.every((item, i) => equal(item, b[i]));
  }
  const keys = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  const ka = keys(a);
  const kb = keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

type Expected = (new (...args: never[]) => unknown) | RegExp | string | undefined;

function throwMatches(error: unknown, expected: Expected): boolean {
  if (expected === undefined) return true;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof expected === 'string') return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  return error instanceof expected;
}

interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeDefined(): void;
  toBeUndefined(): void;
  toBeInstanceOf(type: new (...args: never[]) => unknown): void;
  toBeGreaterThan(n: number): void;
  toBeGreaterThanOrEqual(n: number): void;
  toBeLessThan(n: number): void;
  toBeLessThanOrEqual(n: number): void;
  toThrow(expected?: Expected): void;
}

type AsyncMatchers = { [K in keyof Matchers]: (...args: Parameters<Matchers[K]>) => Promise<void> };

function matchers(actual: unknown, negate: boolean): Matchers {
  const check = (pass: boolean, says: string) => {
    if (pass === negate) throw new AssertionError(`expected ${show(actual)} ${negate ? 'not ' : ''}${says}`);
  };
  return {
    toBe: (expected) => check(Object.is(actual, expected), `to be ${show(expected)}`),
    toEqual: (expected) => check(equal(actual, expected), `to equal ${show(expected)}`),
    toBeDefined: () => check(actual !== undefined, 'to be defined'),
    toBeUndefined: () => check(actual === undefined, 'to be undefined'),
    toBeInstanceOf: (type) => check(actual instanceof type, `to be an instance of ${type.name}`),
    toBeGreaterThan: (n) => check((actual as number) > n, `to be > ${n}`),
    toBeGreaterThanOrEqual: (n) => check((actual as number) >= n, `to be >= ${n}`),
    toBeLessThan: (n) => check((actual as number) < n, `to be < ${n}`),
    toBeLessThanOrEqual: (n) => check((actual as number) <= n, `to be <= ${n}`),
    toThrow: (expected) => {
      if (typeof actual !== 'function') throw new AssertionError('toThrow needs a function');
      let threw = false;
      let error: unknown;
      try {
        actual();
      } catch (e) {
        threw = true;
        error = e;
      }
      const pass = threw && throwMatches(error, expected);
      if (pass === negate) {
        const what = threw ? `threw ${show(error)}` : 'did not throw';
        throw new AssertionError(
          `expected a throw${expected === undefined ? '' : ` matching ${show(expected)}`}; ${what}`,
        );
      }
    },
  };
}

/** `.rejects.X(...)`: the promise must reject, and X is checked on the reason (toThrow: on a thrower of it). */
function rejects(promise: unknown): AsyncMatchers {
  const settle = async (): Promise<unknown> => {
    let value: unknown;
    try {
      value = await promise;
    } catch (reason) {
      return reason;
    }
    throw new AssertionError(`expected a rejection, got ${show(value)}`);
  };
  const handler: ProxyHandler<object> = {
    get:
      (_, name: string) =>
      async (...args: unknown[]) => {
        const reason = await settle();
        const target = matchers(
          name === 'toThrow'
            ? () => {
                throw reason;
              }
            : reason,
          false,
        );
        (target[name as keyof Matchers] as (...a: unknown[]) => void)(...args);
      },
  };
  return new Proxy({}, handler) as AsyncMatchers;
}

export function expect(actual: unknown): Matchers & { not: Matchers; rejects: AsyncMatchers } {
  return Object.assign(matchers(actual, false), { not: matchers(actual, true), rejects: rejects(actual) });
}

export interface RunReport {
  passed: number;
  failed: number;
  failures: { name: string; error: string }[];
}

/** Runs every registered case whose name matches `filter`, one at a time; `log` gets a line per case. */
export async function run(
  options: { filter?: RegExp; log?: (line: string) => void } = {},
): Promise<RunReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const report: RunReport = { passed: 0, failed: 0, failures: [] };
  for (const c of cases) {
    if (options.filter && !options.filter.test(c.name)) continue;
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(c.fn),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${c.timeout} ms`)), c.timeout);
        }),
      ]);
      report.passed++;
      log(`ok   ${c.name} (${Math.round(performance.now() - started)} ms)`);
    } catch (error) {
      report.failed++;
      const text =
        error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
      report.failures.push({ name: c.name, error: text });
      log(`FAIL ${c.name}\n     ${text.split('\n').slice(0, 6).join('\n     ')}`);
    } finally {
      clearTimeout(timer);
    }
  }
  return report;
}
