// `conveyor run --backend redis://…`: the seed's scenario with every producer and consumer in its
// own OS process (actor.ts), sharing one RedisBuffer. Events arrive as JSON lines and go to the
// same hooks as the worker-thread run, so the log lines, trace, chart and summary are the same.
// Log lines come in arrival order (processes have no shared sequence).
import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import type { RunOptions } from '../options.js';
import { epochNow, type RunEvent } from '../protocol.js';
import { actorName, type ScenarioHooks, type ScenarioResult } from '../scenario.js';
import { TimeOrder } from '../time-order.js';
import type { ActorConfig } from './actor.js';

/** A run's lease: short, so that a killed consumer's item comes back within the run. */
export const RUN_LEASE_MS = 2_000;
const STOP_GRACE_MS = 2_000;

/** Runs the actors of `options.backend.role` (or all) as child processes. */
export async function runRedisScenario(
  options: RunOptions,
  hooks: ScenarioHooks = {},
): Promise<ScenarioResult> {
  const backend = options.backend!;
  await prepare(options);
  const actors: { name: string; role: 'producer' | 'consumer'; index: number }[] = [];
  if (backend.role !== 'producer') {
    for (let i = 1; i <= options.consumers; i++)
      actors.push({ name: actorName('consumer', i), role: 'consumer', index: i });
  }
  if (backend.role !== 'consumer') {
    for (let i = 1; i <= options.producers; i++)
      actors.push({ name: actorName('producer', i), role: 'producer', index: i });
  }
  const finished = new Set<string>();
  const timeOrder =
    hooks.onTimeOrdered === undefined
      ? undefined
      : new TimeOrder<RunEvent>(
          actors.map((a) => a.name),
          () => Number.POSITIVE_INFINITY,
          hooks.onTimeOrdered,
        );
  const entry = new URL(`./actor${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)
    .pathname;
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  const exits: Promise<number | null>[] = [];
  let stopped = false;
  let failure: Error | undefined;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => {
      for (const child of children) child.kill('SIGKILL');
    }, STOP_GRACE_MS).unref();
  };
  hooks.signal?.addEventListener('abort', stop, { once: true });

  for (const actor of actors) {
    const config: ActorConfig = {
      url: backend.url,
      name: backend.name,
      capacity: options.capacity,
      role: actor.role,
      actor: actor.name,
      items: options.items,
      sleep: actor.role === 'producer' ? options.produceMs : options.consumeMs,
      timeScale: options.timeScale,
      seed: options.seed,
      leaseMs: RUN_LEASE_MS,
    };
    const args = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
    const child = spawn(process.execPath, [...args, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    let markReady: () => void = () => {};
    ready.push(new Promise((resolve) => (markReady = resolve)));
    let partial = '';
    let errors = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      errors = (errors + chunk.toString()).slice(-2_000);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const message = JSON.parse(line) as RunEvent | { ready: true };
        if ('ready' in message) {
          markReady();
          continue;
        }
        const event = message;
        event.actor = actor.name;
        if (event.event === 'done') finished.add(actor.name);
        hooks.onActorEvent?.(event);
        hooks.onEvent?.(event);
        timeOrder?.saw(actor.name, event.t, event.event === 'done');
        timeOrder?.push(event);
      }
      timeOrder?.release();
    });
    child.stdin!.on('error', () => {}); // a child that died first
    exits.push(
      new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          markReady();
          if (code !== 0 && !stopped && signal === null) {
            failure ??= new Error(`${actor.name} exited with code ${code}: ${errors.trim()}`);
            stop();
          }
          resolve(code);
        }),
      ),
    );
  }

  let startEpoch = epochNow();
  try {
    await Promise.all(ready);
    startEpoch = epochNow();
    for (const child of children) child.stdin!.write(`${startEpoch}\n`);
    await Promise.all(exits);
  } finally {
    hooks.signal?.removeEventListener('abort', stop);
  }
  if (failure !== undefined) throw failure;
  timeOrder?.flush();
  return {
    options,
    actors: actors.map((a) => a.name),
    elapsed: Math.round((epochNow() - startEpoch) * 1000) / 1000,
    stopped: stopped || finished.size < actors.length,
    finished,
  };
}

/**
 * A run with producers starts the queue afresh when it is missing or closed (a finished earlier
 * run): its keys are deleted and the run's counters set. A consumer-only run attaches as it is.
 */
async function prepare(options: RunOptions): Promise<void> {
  const backend = options.backend!;
  if (backend.role === 'consumer') return;
  const redis = new Redis(backend.url, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const prefix = `conveyor:{${backend.name}}:`;
    const closed = await redis.hget(`${prefix}meta`, 'closed');
    if (backend.role === undefined || closed === null || closed === '1') {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.set(`${prefix}run:producers-left`, options.producers);
    }
  } finally {
    redis.disconnect();
  }
}
