// A redis-server of the test's own: a free loopback port, a temporary folder, stopped by its pid.
// With CI=true a missing redis-server is a failure; elsewhere the Redis tests skip and say so.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';

const READY_MS = 10_000;

/** Whether `redis-server` runs here; with CI=true its absence throws (a Redis test must not skip in CI). */
export function redisAvailable(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  if (process.env.CI === 'true') {
    throw new Error('CI=true and redis-server cannot start here: install it (apt-get install redis-server)');
  }
  console.warn('SKIPPED: redis-server is not installed, so the Redis tests do not run here');
  return false;
}

/** `describe` that runs only when redis-server is available (fails in CI when it is not). */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisAvailable()) describe(name, body);
  else describe.skip(`${name} (redis-server missing)`, body);
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerOptions {
  /** `requirepass`: clients must AUTH with it. */
  password?: string;
  /** appendonly yes with appendfsync always: every acknowledged write is on disk. */
  durable?: boolean;
}

export class RedisServer {
  readonly dir: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;

  private constructor(
    readonly port: number,
    readonly options: ServerOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'conveyor-redis-'));
  }

  /** Starts a fresh server and resolves once it answers PING. */
  static async start(options: ServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options);
    await server.#launch();
    return server;
  }

  get url(): string {
    return this.options.password === undefined
      ? `redis://127.0.0.1:${this.port}`
      : `redis://:${encodeURIComponent(this.options.password)}@127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', ''];
    args.push('--daemonize', 'no', '--logfile', join(this.dir, 'redis.log'));
    if (this.options.durable) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    if (this.options.password !== undefined) args.push('--requirepass', this.options.password);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const until = Date.now() + READY_MS;
    while (!(await this.#answers())) {
      if (child.exitCode !== null)
        throw new Error(`redis-server exited at start (see ${this.dir}/redis.log)`);
      if (Date.now() > until) throw new Error(`redis-server did not answer within ${READY_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Whether the port answers a PING (with or without the password) with any reply. */
  #answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = new Socket();
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('error', () => done(false));
      socket.once('data', (data) => done(!data.toString().startsWith('-LOADING')));
      socket.connect(this.port, '127.0.0.1', () => socket.write('PING\r\n'));
    });
  }

  /** Stops the server by its pid (SIGKILL: nothing flushed beyond what fsync already wrote). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, signal);
    await this.#exited;
  }

  /** Kills the server and starts it again on the same port and folder (its AOF, if durable). */
  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    await this.#launch();
  }

  /** Stops the server and removes its folder. */
  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
