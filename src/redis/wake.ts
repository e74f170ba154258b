// Waiting without polling. Each RedisBuffer handle owns one blocking connection that pops wake
// tokens from its own list (wake:<handle>) and hands each to the local waiter it names. A script
// that finds no room (or no item) registers the waiter in the same atomic step, so a token pushed
// before the blocking pop starts waits in the list: no wake-up is lost.
//
// Invariants: a Waiter is in `#waiters` from before its first script call until it is removed;
// a token for a waiter that has left is passed on (onStray), never dropped.
import type { Redis } from 'ioredis';
import type { Deadline } from '../sync/wait/deadline.js';

export type WaitOutcome = 'woken' | 'timeout' | 'aborted';

/** A waiter re-checks at least this often, in case its wake-up went to a process that died. */
export const RECHECK_MS = 10_000;

/** A local waiter: its entry in a Redis waiter list is `handle|no|need`. */
export class Waiter {
  /** Tokens received and not yet consumed by a wait (written by the hub's pop loop only). */
  #tokens = 0;
  #resolve: ((outcome: WaitOutcome) => void) | undefined;

  constructor(
    readonly no: string,
    readonly entry: string,
    readonly list: 'pw' | 'gw' | 'jw',
  ) {}

  /** Called by the pop loop when a token names this waiter. */
  wake(): void {
    if (this.#resolve !== undefined) this.#resolve('woken');
    else this.#tokens++;
  }

  /** Waits for a token, at most `ms` (Infinity allowed), or until `signal` aborts. */
  wait(ms: number, signal: AbortSignal | undefined): Promise<WaitOutcome> {
    if (this.#tokens > 0) {
      this.#tokens = 0;
      return Promise.resolve('woken');
    }
    if (signal?.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => finish('aborted');
      const finish = (outcome: WaitOutcome) => {
        this.#resolve = undefined;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      this.#resolve = finish;
      if (ms !== Number.POSITIVE_INFINITY) timer = setTimeout(() => finish('timeout'), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export class WakeHub {
  readonly #waiters = new Map<string, Waiter>();
  #next = 0;
  #blocking: Redis | undefined;
  #stopped = false;
  /** Wake tokens popped (for the benchmarks' command counts). */
  tokens = 0;

  constructor(
    private readonly main: Redis,
    private readonly handle: string,
    private readonly key: string,
    /** Passes on a token whose waiter has left. */
    private readonly onStray: () => void,
  ) {}

  /** A new waiter, known locally before any script can name it. */
  waiter(list: 'pw' | 'gw' | 'jw', need = 1): Waiter {
    const no = (this.#next++).toString(36);
    const entry = list === 'pw' ? `${this.handle}|${no}|${need}` : `${this.handle}|${no}`;
    const waiter = new Waiter(no, entry, list);
    this.#waiters.set(no, waiter);
    if (this.#blocking === undefined) this.#start();
    return waiter;
  }

  remove(waiter: Waiter): void {
    this.#waiters.delete(waiter.no);
  }

  #start(): void {
    const blocking = this.main.duplicate();
    blocking.on('error', () => {}); // reconnections are retried by ioredis
    this.#blocking = blocking;
    void this.#loop(blocking);
  }

  async #loop(blocking: Redis): Promise<void> {
    while (!this.#stopped) {
      let popped: [string, string] | null;
      try {
        popped = await blocking.blpop(this.key, 0);
      } catch {
        if (this.#stopped) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      if (popped === null) continue;
      this.tokens++;
      const waiter = this.#waiters.get(popped[1]);
      if (waiter !== undefined) waiter.wake();
      else this.onStray();
    }
  }

  /** Ends the pop loop and its connection. */
  stop(): void {
    this.#stopped = true;
    this.#blocking?.disconnect();
  }
}

/**
 * Waits for a wake token for a put or join; on timeout or abort withdraws the waiter (`withdraw`,
 * a PASS script call) and then throws. A timeout before the deadline is a re-check, not the end.
 */
export async function waitOrWithdraw(
  waiter: Waiter,
  deadline: Deadline,
  what: string,
  withdraw: () => Promise<unknown>,
): Promise<void> {
  const remaining = deadline.remaining();
  const outcome =
    remaining === 0 ? 'timeout' : await waiter.wait(Math.min(remaining, RECHECK_MS), deadline.signal);
  if (outcome === 'woken') return;
  if (outcome === 'timeout' && deadline.remaining() > 0) return;
  await withdraw();
  if (outcome === 'aborted') throw deadline.signal!.reason;
  throw deadline.timeoutError(what);
}
