// Opening a Redis connection with a clear error within a time limit: bad URL, unreachable server,
// wrong password. URLs with an ACL user and password and rediss:// (TLS) pass through to ioredis.
import { Redis, type RedisOptions } from 'ioredis';
import { describe } from '../internal/validate.js';
import { RedisConnectError } from './errors.js';

/** The URL with its password masked, for error messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Checks a redis:// or rediss:// URL; throws a TypeError naming it otherwise. */
export function checkUrl(url: unknown): string {
  if (typeof url !== 'string')
    throw new TypeError(`url must be a redis:// or rediss:// URL, got ${describe(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`url must be a redis:// or rediss:// URL, got ${describe(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`url must start with redis:// or rediss://, got ${describe(safeUrl(url))}`);
  }
  if (parsed.hostname === '') throw new TypeError(`url has no host: ${describe(safeUrl(url))}`);
  return url;
}

const AUTH_FAILURE = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/** Connects and checks the credentials with a PING; the client is closed again on any failure. */
export async function connect(
  url: string,
  connectTimeout: number,
  options: RedisOptions = {},
): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout,
    // Calls wait through a reconnection (and are resent) instead of failing after N tries; a put
    // resent after its reply was lost is recognised by its id and not done twice.
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    ...options,
  });
  // Errors during reconnection are retried by ioredis; without a listener Node would print them.
  client.on('error', () => {});
  await ready(client, url, connectTimeout);
  return client;
}

/** Resolves once `client` is connected and authenticated, or throws a RedisConnectError. */
export async function ready(client: Redis, url: string, connectTimeout: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let lastError: unknown;
  const onError = (error: unknown) => {
    lastError = error;
  };
  client.on('error', onError);
  try {
    await Promise.race([
      (async () => {
        if (client.status === 'wait') await client.connect();
        await client.ping();
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const why = lastError instanceof Error ? `: ${lastError.message}` : '';
          reject(
            new RedisConnectError(
              'ERR_REDIS_CONNECT',
              `cannot reach Redis at ${safeUrl(url)} within ${connectTimeout} ms${why}`,
            ),
          );
        }, connectTimeout);
      }),
    ]);
  } catch (error) {
    client.disconnect();
    if (error instanceof RedisConnectError) throw error;
    // ioredis reports a refused AUTH as an 'error' event, then rejects with "Connection is closed".
    const cause = lastError instanceof Error && AUTH_FAILURE.test(lastError.message) ? lastError : error;
    const message = cause instanceof Error ? cause.message : String(cause);
    if (AUTH_FAILURE.test(message)) {
      throw new RedisConnectError(
        'ERR_REDIS_AUTH',
        `Redis at ${safeUrl(url)} refused the credentials: ${message}`,
        {
          cause,
        },
      );
    }
    throw new RedisConnectError(
      'ERR_REDIS_CONNECT',
      `cannot connect to Redis at ${safeUrl(url)}: ${message}`,
      {
        cause: error,
      },
    );
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
  }
}
