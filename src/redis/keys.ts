// Key names of a RedisBuffer: every key under one prefix per queue name, and the names checked.
import { describe } from '../internal/validate.js';

/** Letters, digits, `_`, `-` and `.`, starting with a letter or digit; at most 100 characters. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Throws a TypeError or RangeError naming the value unless it is a valid queue name or prefix. */
export function checkName(what: 'name' | 'keyPrefix', value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(
      `${what} must be a string of letters, digits, '_', '-' or '.', got ${describe(value)}`,
    );
  }
  if (!NAME.test(value)) {
    throw new RangeError(
      `${what} must be 1 to 100 letters, digits, '_', '-' or '.', starting with a letter or digit, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * `<keyPrefix>:{<name>}:` — the braces make every key of one queue hash to the same Redis Cluster
 * slot, so the scripts may touch them all.
 */
export function keyPrefix(prefix: string, name: string): string {
  return `${prefix}:{${name}}:`;
}

/** The keys every script gets, in the order scripts-prelude.ts reads them (key layout 2). */
const SCRIPT_KEYS = [
  'meta',
  'items',
  'retry',
  'leased',
  'dead',
  'deaddata',
  'deadinfo',
  'putids',
  'pw',
  'gw',
  'jw',
];

/** How many keys each script is given. */
export const SCRIPT_KEY_COUNT = SCRIPT_KEYS.length;

export function scriptKeys(prefix: string): string[] {
  return SCRIPT_KEYS.map((key) => prefix + key);
}

/** The list a process's waiters are woken through. */
export function wakeKey(prefix: string, handle: string): string {
  return `${prefix}wake:${handle}`;
}

/** The key whose presence says a process is alive (its waiters may be woken). */
export function aliveKey(prefix: string, handle: string): string {
  return `${prefix}alive:${handle}`;
}
