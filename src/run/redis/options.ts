// `conveyor run --backend redis://…`: the flags that run the scenario across OS processes on a
// RedisBuffer (checked here without loading any Redis client).
import { UsageError } from '../options.js';

export interface RedisBackend {
  /** redis:// or rediss:// URL of the server. */
  url: string;
  /** Only this side runs here (another machine may run the other); undefined runs both. */
  role: 'producer' | 'consumer' | undefined;
  /** The queue's name in Redis. */
  name: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Reads --backend, --role and --name; throws UsageError naming a bad value. */
export function redisBackend(
  backend: string | undefined,
  role: string | undefined,
  name: string | undefined,
): RedisBackend | undefined {
  if (backend === undefined) {
    if (role !== undefined || name !== undefined) {
      throw new UsageError('--role and --name need --backend redis://HOST:PORT');
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(backend);
  } catch {
    throw new UsageError(`--backend must be a redis:// or rediss:// URL, got '${backend}'`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(`--backend must be a redis:// or rediss:// URL, got '${backend}'`);
  }
  if (role !== undefined && role !== 'producer' && role !== 'consumer') {
    throw new UsageError(`--role must be 'producer' or 'consumer', got '${role}'`);
  }
  const queue = name ?? 'conveyor-run';
  if (!NAME.test(queue)) {
    throw new UsageError(`--name must be 1 to 100 letters, digits, '_', '-' or '.', got '${queue}'`);
  }
  return { url: backend, role, name: queue };
}
