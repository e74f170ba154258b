// Gets coalesced: the gets waiting in one process share one GET script call and one registered
// waiter. Every get joins a local FIFO; one pump asks Redis for as many items as they want in
// total and hands them out in order, so 100 gets in flight cost about one round trip per batch.
//
// Invariants: only the pump calls Redis for gets (one call at a time); a taker is in `#list`
// until it is settled, by the pump (items, closed, nothing for a try) or by its own deadline or
// signal (it removes itself and pokes the pump, which withdraws the registration if nobody is left).
import { QueueClosedError } from '../errors.js';
import type { Deadline } from '../sync/wait/deadline.js';
import { RECHECK_MS, type Waiter } from './wake.js';

/** A GET reply after decoding: `leases` when items came, or the wait state. */
export type Fetched<L> =
  | { kind: 'items'; leases: L[] }
  | { kind: 'empty'; untilLease: number }
  | { kind: 'closed' };

export interface TakerHooks<L> {
  /** Runs GET for up to `want` items, registering `entry` ('' = no waiting) as a waiter. */
  fetch(want: number, entry: string, retry: boolean): Promise<Fetched<L>>;
  /** Hands back leases nobody is left to take (their takers gave up during the call). */
  release(leases: L[]): Promise<void>;
  /** Withdraws the waiter entry (or passes on a wake it already got). */
  withdraw(entry: string): Promise<void>;
  /** Marks the handle as having seen the queue closed. */
  closed(): void;
}

interface Taker<L> {
  max: number;
  deadline: Deadline;
  tryOnly: boolean;
  settle(result: { leases: L[] | undefined } | { error: unknown }): void;
}

/** The abort reason of `#changed` (not an error: the pump just looks again). */
const CHANGED = Symbol('the list of gets changed');

export class Takers<L> {
  readonly #list: Taker<L>[] = [];
  #pumping = false;
  /** Aborted when the list changes while the pump waits, so it looks again. */
  #changed = new AbortController();
  /** Whether the pump is waiting on `#changed` now (only then is there anything to abort). */
  #waiting = false;
  /** Set when the list changes; the pump clears it before each fetch and waits only if still clear. */
  #dirty = false;
  /** An ack fetching ahead for this handle: a pump that starts meanwhile waits for its outcome. */
  #expected: Promise<void> | undefined;
  /** The handle's get waiter, registered by an ack that found nothing to fetch ahead. */
  #armed: { entry: string; untilLease: number } | undefined;

  constructor(
    private readonly waiter: () => Waiter,
    private readonly hooks: TakerHooks<L>,
    private readonly maxBatch: number,
  ) {}

  /** Whether no get is waiting or being served now. */
  get idle(): boolean {
    return this.#list.length === 0;
  }

  /** An ack is fetching ahead (sent while no get waited): the next pump starts after its outcome. */
  expect(outcome: Promise<void>): void {
    const settled = outcome.finally(() => {
      if (this.#expected === settled) this.#expected = undefined;
    });
    this.#expected = settled;
  }

  /** The ack registered `entry` (nothing to fetch): the next pump waits on it before its first fetch. */
  arm(entry: string, untilLease: number): void {
    this.#armed = { entry, untilLease };
  }

  /** Takes back a registration no pump used; returns the entry to withdraw. */
  disarm(): string | undefined {
    const entry = this.#armed?.entry;
    this.#armed = undefined;
    return entry;
  }

  /**
   * Aborts the pump's wait if it waits. With a constant reason: a bare abort() builds a
   * DOMException with a stack trace, which cost 13% of a 100-gets-in-flight run.
   */
  #wakePump(): void {
    this.#dirty = true;
    if (this.#waiting) this.#changed.abort(CHANGED);
  }

  /** 1..max leases; undefined only for a try that found nothing. */
  take(max: number, deadline: Deadline, tryOnly: boolean): Promise<L[] | undefined> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const signal = deadline.signal;
      const onAbort = () => leave({ error: signal!.reason });
      const taker: Taker<L> = {
        max,
        deadline,
        tryOnly,
        settle: (result) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if ('error' in result) reject(result.error);
          else resolve(result.leases);
        },
      };
      const leave = (result: { error: unknown }) => {
        const at = this.#list.indexOf(taker);
        if (at < 0) return;
        this.#list.splice(at, 1);
        taker.settle(result);
        this.#wakePump();
      };
      const timeout = deadline.timeout;
      if (!tryOnly && timeout !== 0 && timeout !== Number.POSITIVE_INFINITY) {
        timer = setTimeout(() => leave({ error: deadline.timeoutError('get') }), timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#list.push(taker);
      this.#wakePump();
      void this.#pump();
    });
  }

  /** Waits for a wake token, a re-check time, or a change to the list. */
  async #wait(untilLease: number): Promise<void> {
    this.#changed = new AbortController();
    this.#waiting = true;
    try {
      await this.waiter().wait(Math.min(untilLease, RECHECK_MS), this.#changed.signal);
    } finally {
      this.#waiting = false;
    }
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    let retry = false;
    let registered = '';
    try {
      while (this.#expected !== undefined) await this.#expected;
      const armed = this.#armed;
      this.#armed = undefined;
      if (armed !== undefined) {
        // The last ack registered the waiter: wait for a wake first, then look (retry) in its place.
        registered = armed.entry;
        retry = true;
        if (this.#list.every((taker) => !taker.tryOnly && taker.deadline.timeout !== 0))
          await this.#wait(armed.untilLease);
      }
      while (this.#list.length > 0) {
        this.#dirty = false;
        const want = Math.min(
          this.maxBatch,
          this.#list.reduce((total, taker) => total + taker.max, 0),
        );
        const waits = this.#list.some((taker) => !taker.tryOnly && taker.deadline.timeout !== 0);
        const entry = waits ? this.waiter().entry : '';
        if (registered !== '' && entry === '') {
          // Only tries left: a GET without a waiter would leave the registration behind.
          await this.hooks.withdraw(registered).catch(() => {});
          registered = '';
          retry = false;
        }
        let fetched: Fetched<L>;
        try {
          fetched = await this.hooks.fetch(want, entry, retry);
        } catch (error) {
          for (const taker of this.#list.splice(0)) taker.settle({ error });
          return;
        }
        registered = fetched.kind === 'empty' ? entry : '';
        retry = false;
        if (fetched.kind === 'items') {
          const leases = fetched.leases;
          while (leases.length > 0 && this.#list.length > 0) {
            const taker = this.#list.shift()!;
            taker.settle({ leases: leases.splice(0, taker.max) });
          }
          if (leases.length > 0) await this.hooks.release(leases);
          continue;
        }
        if (fetched.kind === 'closed') {
          this.hooks.closed();
          for (const taker of this.#list.splice(0)) {
            taker.settle({ error: new QueueClosedError('get from a closed and drained queue') });
          }
          return;
        }
        for (const taker of [...this.#list]) {
          if (taker.tryOnly) taker.settle({ leases: undefined });
          else if (taker.deadline.timeout === 0) taker.settle({ error: taker.deadline.timeoutError('get') });
          else continue;
          this.#list.splice(this.#list.indexOf(taker), 1);
        }
        if (this.#list.length === 0) break;
        if (!this.#dirty) await this.#wait(fetched.untilLease);
        retry = true; // woken, re-check time, or the list changed: look again
      }
    } finally {
      this.#pumping = false;
      if (registered !== '' && this.#list.length === 0) await this.hooks.withdraw(registered).catch(() => {});
      if (this.#list.length > 0) void this.#pump();
    }
  }
}
