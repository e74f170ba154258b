// RedisBuffer's options: their types, defaults and checks (a bad value is an error naming it), and the
// check of a queue found in Redis against them.
import type { RedisOptions } from 'ioredis';
import { checkInteger, describe } from '../internal/validate.js';
import type { Codec, CodecName } from '../queue/codec.js';
import { checkUrl, safeUrl } from './connect.js';
import { LAYOUT } from './entries.js';
import { QueueMismatchError } from './errors.js';
import { type ItemCodec, itemCodec } from './item-codec.js';
import { checkName, keyPrefix } from './keys.js';

export const MAX_REDIS_CAPACITY = 2 ** 31 - 1;

export interface RedisBufferOptions<T> {
  /** The queue's name: every key is under `<keyPrefix>:{<name>}:`. */
  name: string;
  /** Most items buffered (not counting items being processed under a lease). */
  capacity: number;
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS (default redis://127.0.0.1:6379). */
  url?: string;
  /** Options passed through to ioredis (tls, username, password, …). */
  redis?: RedisOptions;
  /** A built-in codec name (default 'json') or `{ encode, decode }`. */
  codec?: CodecName | Codec<T>;
  /** Largest encoded item in bytes (default 65536); larger ones are refused, or dead-lettered when read. */
  slotBytes?: number;
  /** How long a get's lease lasts without renewal, in ms (default 30000); renewed every third of it. */
  leaseMs?: number;
  /** Deliveries before an item whose lease keeps running out goes to the dead-letter list (default 5). */
  maxAttempts?: number;
  /** Milliseconds to connect and authenticate before failing (default 5000). */
  connectTimeout?: number;
  /** First part of every key (default 'conveyor'). */
  keyPrefix?: string;
  /** Told about each item moved to the dead-letter list by this handle (undecodable, oversize). */
  onDeadLetter?: (letter: DeadLetter) => void;
  /**
   * Whether an ack also takes this handle's next items in the same call (default true), so that
   * the next get needs no round trip; items nobody asks for within 50 ms are handed back.
   */
  prefetch?: boolean;
}

/** An item taken under a lease: say you finished it with `ack()`. */
export interface Lease<T> {
  readonly id: string;
  readonly value: T;
  /** 1 on first delivery, 2 after one lease ran out, … */
  readonly attempt: number;
  /** Marks the item done; false if its lease had run out and it went to another consumer. */
  ack(): Promise<boolean>;
  /** Hands the item back now, to be delivered again ahead of newer items. */
  release(): Promise<boolean>;
}

export interface DeadLetter {
  readonly id: string;
  /** The stored bytes (undefined if they were missing). */
  readonly payload: Buffer | undefined;
  readonly reason: string;
  readonly attempts: number;
}

/**
 * Checks what OPEN found stored (capacity, codec, slotBytes, closed, key layout) against the
 * options and this version's key layout: a QueueMismatchError names both when they differ.
 * Returns whether the queue is closed.
 */
export function checkStored<T>(resolved: Resolved<T>, stored: readonly string[]): boolean {
  const [capacity, codec, slotBytes, closed, layout] = stored;
  if (layout !== LAYOUT) {
    throw new QueueMismatchError(
      `queue '${resolved.name}' at ${safeUrl(resolved.url)} was made with key layout ${layout} (another version of conveyor); this version reads layout ${LAYOUT} only: drain it with the version that made it, or delete its keys (${resolved.prefix}*)`,
    );
  }
  if (
    Number(capacity) !== resolved.capacity ||
    codec !== resolved.codec.name ||
    Number(slotBytes) !== resolved.slotBytes
  ) {
    throw new QueueMismatchError(
      `queue '${resolved.name}' at ${safeUrl(resolved.url)} exists with capacity ${capacity}, codec '${codec}', slotBytes ${slotBytes}; this call asked for capacity ${resolved.capacity}, codec '${resolved.codec.name}', slotBytes ${resolved.slotBytes}`,
    );
  }
  return closed === '1';
}

export interface Resolved<T> {
  name: string;
  capacity: number;
  url: string;
  prefix: string;
  codec: ItemCodec<T>;
  slotBytes: number;
  leaseMs: number;
  maxAttempts: number;
  connectTimeout: number;
  onDeadLetter: ((letter: DeadLetter) => void) | undefined;
  prefetch: boolean;
}

export function resolve<T>(options: RedisBufferOptions<T>): Resolved<T> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object with name and capacity, got ${describe(options)}`);
  }
  const name = checkName('name', options.name);
  const capacity = checkInteger('capacity', options.capacity, 1, MAX_REDIS_CAPACITY);
  const slotBytes =
    options.slotBytes === undefined ? 65_536 : checkInteger('slotBytes', options.slotBytes, 1, 512 * 2 ** 20);
  const onDeadLetter = options.onDeadLetter;
  if (onDeadLetter !== undefined && typeof onDeadLetter !== 'function') {
    throw new TypeError(`onDeadLetter must be a function, got ${describe(onDeadLetter)}`);
  }
  const prefetch = options.prefetch ?? true;
  if (typeof prefetch !== 'boolean')
    throw new TypeError(`prefetch must be a boolean, got ${describe(prefetch)}`);
  return {
    name,
    capacity,
    prefetch,
    url: checkUrl(options.url ?? 'redis://127.0.0.1:6379'),
    prefix: keyPrefix(
      options.keyPrefix === undefined ? 'conveyor' : checkName('keyPrefix', options.keyPrefix),
      name,
    ),
    codec: itemCodec<T>(options.codec, slotBytes),
    slotBytes,
    leaseMs:
      options.leaseMs === undefined ? 30_000 : checkInteger('leaseMs', options.leaseMs, 100, 2 ** 31 - 1),
    maxAttempts:
      options.maxAttempts === undefined ? 5 : checkInteger('maxAttempts', options.maxAttempts, 1, 1_000_000),
    connectTimeout:
      options.connectTimeout === undefined
        ? 5_000
        : checkInteger('connectTimeout', options.connectTimeout, 1, 2 ** 31 - 1),
    onDeadLetter,
  };
}
