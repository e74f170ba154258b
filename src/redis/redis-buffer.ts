// RedisBuffer: conveyor's bounded buffer on Redis, shared by processes and machines. Producers wait
// while it is full, consumers while it is empty, both without polling (wake.ts); every get is
// under a lease (leases.ts) so that an item whose consumer died is delivered again.
//
// Invariants (the server-side ones are in scripts.ts):
// - Every change to the queue is one script call, atomic on the server; this class keeps only
//   per-handle state: the leases it holds, its FIFO of plain gets for taskDone(), its waiters.
// - One lease per get call (key layout 2, entries.ts): its items are settled by their place in it
//   (HeldLease), locally first, then on the server (ack batched per lease, release, unget, bury).
// - Puts: see putting.ts. A get call is identified by its own id (the lease token of what it
//   takes); a script call resent after a dropped connection gets the same leases.
// - A put or get that ends by timeout or abort ends only between script calls, after its waiter
//   was withdrawn (PASS): a put that failed never appears later, a get that failed took nothing
//   (items that arrive for a get that gave up meanwhile are handed back at once: takers.ts).
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QueueClosedError, TaskDoneError } from '../errors.js';
import { checkInteger, checkOptions } from '../internal/validate.js';
import type { AsyncQueue } from '../queue/async-queue.js';
import type { CloseOptions, TryGetResult } from '../queue/queue.js';
import { Deadline, type WaitOptions } from '../sync/wait/deadline.js';
import { AckBatcher } from './acks.js';
import { connect } from './connect.js';
import { type Entry, entryStarts, LAYOUT } from './entries.js';
import { decodeLease, HeldItem, type Settler } from './held-item.js';
import type { ItemCodec } from './item-codec.js';
import { scriptKeys, wakeKey } from './keys.js';
import { bitmap, type HeldLease, LeaseKeeper } from './leases.js';
import {
  checkStored,
  type DeadLetter,
  type Lease,
  type RedisBufferOptions,
  type Resolved,
  resolve,
} from './options.js';
import { STASH_MS, Stash } from './prefetch.js';
import { MAX_BATCH, Putter } from './putting.js';
import { type DeadListReply, deadLetterList, decodeDiscarded } from './replies.js';
import { ScriptRunner } from './script-runner.js';
import type { ScriptName } from './scripts.js';
import { type Fetched, Takers } from './takers.js';
import { type Waiter, WakeHub, waitOrWithdraw } from './wake.js';

export { MAX_BATCH };

export class RedisBuffer<T = unknown> implements AsyncQueue<T> {
  readonly name: string;
  readonly capacity: number;
  /** Counts for this handle: redeliveries it got, items it dead-lettered, leases it lost. */
  readonly stats = { redelivered: 0, deadLettered: 0 };
  readonly #redis: Redis;
  readonly #keys: string[];
  readonly #scripts: ScriptRunner;
  readonly #handle: string;
  readonly #codec: ItemCodec<T>;
  readonly #leaseMs: number;
  readonly #maxAttempts: number;
  readonly #leases: LeaseKeeper;
  readonly #hub: WakeHub;
  readonly #takers: Takers<HeldItem<T>>;
  readonly #settler: Settler;
  readonly #acks: AckBatcher;
  #takeWaiter: Waiter | undefined;
  readonly #onDeadLetter: ((letter: DeadLetter) => void) | undefined;
  /** Plain gets not yet marked done, oldest first (what taskDone() acknowledges). */
  readonly #unacked: HeldItem<T>[] = [];
  readonly #putter: Putter<T>;
  #nextGet = 0;
  /** Items an ack fetched ahead (held under lease by this handle), served to the next gets first. */
  readonly #stash = new Stash<HeldItem<T>>({ giveBack: (items) => this.#handBack('cvUnget', items) });
  readonly #prefetch: boolean;
  /** How many items the last get of this handle asked for: what an ack fetches ahead. */
  #lastMax = 0;
  #closed = false;

  private constructor(redis: Redis, options: Resolved<T>) {
    this.#redis = redis;
    this.name = options.name;
    this.capacity = options.capacity;
    this.#keys = scriptKeys(options.prefix);
    this.#handle = randomBytes(6).toString('hex');
    this.#codec = options.codec;
    this.#leaseMs = options.leaseMs;
    this.#maxAttempts = options.maxAttempts;
    this.#onDeadLetter = options.onDeadLetter;
    this.#prefetch = options.prefetch;
    this.#scripts = new ScriptRunner(redis, this.#keys, options.prefix);
    const interval = Math.max(50, Math.min(Math.floor(options.leaseMs / 3), 5_000));
    this.#leases = new LeaseKeeper(
      async (tokens) =>
        (await this.#call('cvRenew', options.leaseMs, this.#handle, interval * 3, ...tokens)) as string[],
      interval,
    );
    this.#settler = {
      ack: (item) => this.#ackItem(item as HeldItem<T>),
      release: (item) => this.#releaseItem(item as HeldItem<T>),
    };
    this.#hub = new WakeHub(redis, this.#handle, wakeKey(options.prefix, this.#handle), () => {
      void this.#call('cvPass', '', '').catch(() => {});
    });
    this.#putter = new Putter<T>({
      handle: this.#handle,
      capacity: this.capacity,
      codec: this.#codec,
      hub: this.#hub,
      put: (...args) => this.#call('cvPut', ...args),
      wait: (waiter, deadline, what) => this.#wait(waiter, deadline, what),
      closed: () => {
        this.#closed = true;
      },
    });
    this.#acks = new AckBatcher((pairs) => this.#ackAndFetch(pairs));
    this.#takers = new Takers<HeldItem<T>>(
      () => (this.#takeWaiter ??= this.#hub.waiter('gw')),
      {
        fetch: (want, entry, retry) => this.#fetch(want, entry, retry),
        release: (items) => this.#handBack('cvRelease', items),
        withdraw: async (entry) => {
          await this.#call('cvPass', 'gw', entry);
        },
        closed: () => {
          this.#closed = true;
        },
      },
      MAX_BATCH,
    );
  }

  /**
   * Connects, checks the credentials, and opens the queue `name` (creating it with this capacity
   * and codec, or checking that the existing one has them). Throws RedisConnectError within
   * `connectTimeout` when the server cannot be reached or refuses the credentials.
   */
  static async open<T = unknown>(options: RedisBufferOptions<T>): Promise<RedisBuffer<T>> {
    const resolved = resolve(options);
    const redis = await connect(resolved.url, resolved.connectTimeout, options.redis);
    try {
      const buffer = new RedisBuffer<T>(redis, resolved);
      const stored = (await buffer.#call(
        'cvOpen',
        resolved.capacity,
        resolved.codec.name,
        resolved.slotBytes,
        LAYOUT,
      )) as string[] | null;
      buffer.#closed = checkStored(resolved, stored ?? []);
      await buffer.#leases.start();
      return buffer;
    } catch (error) {
      redis.disconnect();
      throw error;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Items buffered now (items under a lease not counted). */
  async size(): Promise<number> {
    return this.#redis.llen(this.#keys[1]);
  }

  /** Items being processed under a lease now, by any process (or handed back, to go out again first). */
  async inFlight(): Promise<number> {
    return (await this.#call('cvInFlight')) as number;
  }

  /** Wake tokens this handle's waiters received (each a blocking-pop reply). */
  get wakeUps(): number {
    return this.#hub.tokens;
  }

  /** Leases this handle found lost at renewal (their items went to another consumer). */
  get leasesLost(): number {
    return this.#leases.lost;
  }

  #call(name: ScriptName, ...args: (string | number | Buffer)[]): Promise<unknown> {
    return this.#scripts.call(name, args);
  }

  #wait(waiter: Waiter, deadline: Deadline, what: string): Promise<void> {
    return waitOrWithdraw(waiter, deadline, what, () => this.#call('cvPass', waiter.list, waiter.entry));
  }

  #callBuffer(name: ScriptName, ...args: (string | number | Buffer)[]): Promise<unknown> {
    return this.#scripts.callBuffer(name, args);
  }

  // ---- putting ----

  put(item: T, options?: WaitOptions): Promise<void> {
    return this.#putter.put(item, options);
  }

  tryPut(item: T): Promise<boolean> {
    return this.#putter.tryPut(item);
  }

  putMany(items: Iterable<T>, options?: WaitOptions): Promise<void> {
    return this.#putter.putMany(items, options);
  }

  // ---- getting ----

  /** Takes 1..max items under a lease; throws QueueClosedError once closed and drained. */
  async #take(max: number, deadline: Deadline, tryOnly = false): Promise<HeldItem<T>[] | undefined> {
    this.#lastMax = Math.min(max, MAX_BATCH);
    return this.#takers.take(this.#lastMax, deadline, tryOnly);
  }

  #getId(): string {
    return `${this.#handle}:${(this.#nextGet++).toString(36)}`;
  }

  /**
   * One ACK script call for the acks of one event-loop turn. When no get is waiting here, it also
   * takes as many items as this handle's last get asked for (ack-and-fetch-next in one round trip).
   */
  async #ackAndFetch(pairs: (string | Buffer)[]): Promise<number[]> {
    const want = this.#prefetch && this.#stash.size === 0 && this.#takers.idle ? this.#lastMax : 0;
    const entry = want > 0 ? (this.#takeWaiter ??= this.#hub.waiter('gw')).entry : '';
    const sent = this.#callBuffer(
      'cvAck',
      want,
      this.#leaseMs,
      this.#maxAttempts,
      want > 0 ? this.#getId() : '',
      entry,
      this.#leases.held.size,
      ...pairs,
    ) as Promise<(number | Buffer | null)[]>;
    const outcome = sent.then(async (reply) => {
      const n = reply[0] as number;
      const rest = reply.slice(n + 1);
      if (rest[0] === 1) {
        const items = await this.#accept(rest);
        if (items.length > 0) this.#stash.add(items);
      } else if (rest[0] === 0) {
        // Nothing to fetch: the ack registered this handle's get waiter, for the next get to use.
        const ms = rest[1] as number;
        this.#takers.arm(entry, ms < 0 ? Number.POSITIVE_INFINITY : ms + 5);
        setTimeout(() => this.#disarm(), STASH_MS).unref();
      }
      return reply.slice(1, n + 1) as number[];
    });
    if (want > 0)
      this.#takers.expect(
        outcome.then(
          () => {},
          () => {},
        ),
      );
    return outcome;
  }

  /** Withdraws the get waiter an ack registered if no get has used it. */
  #disarm(): void {
    const entry = this.#takers.disarm();
    if (entry !== undefined) void this.#call('cvPass', 'gw', entry).catch(() => {});
  }

  /**
   * Hands items back to the front of the line, one call per lease: UNGET for items fetched ahead
   * that no get took (their attempt unchanged), RELEASE for items given up (attempt + 1).
   */
  async #handBack(script: 'cvUnget' | 'cvRelease', items: HeldItem<T>[]): Promise<void> {
    for (const [lease, places] of this.#leases.settleMany(items))
      await this.#call(script, lease.token, bitmap(places, lease.size));
  }

  /** One GET script call for the coalesced gets of this handle (takers.ts). */
  async #fetch(want: number, entry: string, retry: boolean): Promise<Fetched<HeldItem<T>>> {
    if (this.#stash.size > 0) {
      // Served from what an ack fetched ahead; a waiter registered by the last call is withdrawn.
      if (retry && entry !== '') void this.#call('cvPass', 'gw', entry).catch(() => {});
      return { kind: 'items', leases: this.#stash.take(want) };
    }
    for (;;) {
      // A new id for each call: a resend of this call (after a dropped connection) gets the same leases.
      const getId = this.#getId();
      const reply = (await this.#callBuffer(
        'cvGet',
        entry,
        retry ? '1' : '0',
        want,
        this.#leaseMs,
        this.#maxAttempts,
        getId,
        this.#leases.held.size,
      )) as (number | Buffer | null)[];
      if (reply[0] === -1) return { kind: 'closed' };
      if (reply[0] === 0) {
        const ms = reply[1] as number;
        return { kind: 'empty', untilLease: ms < 0 ? Number.POSITIVE_INFINITY : ms + 5 };
      }
      const items = await this.#accept(reply);
      if (items.length > 0) return { kind: 'items', leases: items };
      retry = false; // everything taken was dead-lettered: look again
    }
  }

  /** Decodes what a GET returned (one lease); what cannot be decoded goes to the dead-letter list. */
  async #accept(reply: (number | Buffer | null)[]): Promise<HeldItem<T>[]> {
    const blob = reply[2] as Buffer;
    const starts = entryStarts(blob);
    const lease = this.#leases.hold((reply[1] as Buffer).toString(), starts.length - 1);
    const { items, bad } = decodeLease(this.#codec, blob, starts, lease, this.#settler);
    for (const item of items) if (item.attempt > 1) this.stats.redelivered++;
    for (const { place, entry, reason } of bad) await this.#bury(lease, place, entry, reason);
    return items;
  }

  async #bury(lease: HeldLease, place: number, entry: Entry, reason: string): Promise<void> {
    this.#leases.settle(lease, place);
    await this.#call('cvBury', lease.token, reason, bitmap([place], lease.size));
    this.stats.deadLettered++;
    this.#onDeadLetter?.({ id: entry.id, payload: entry.payload, reason, attempts: entry.attempt });
  }

  #ackItem(item: HeldItem<T>): Promise<boolean> {
    if (!this.#leases.settle(item.lease, item.place)) return Promise.resolve(false);
    return this.#acks.ack(item.lease, [item.place]);
  }

  async #releaseItem(item: HeldItem<T>): Promise<boolean> {
    if (!this.#leases.settle(item.lease, item.place)) return false;
    return (
      ((await this.#call('cvRelease', item.lease.token, bitmap([item.place], item.lease.size))) as number) ===
      1
    );
  }

  /** Takes one item under a lease that this handle renews until you `ack()` or `release()` it. */
  async getWithLease(options?: WaitOptions): Promise<Lease<T>> {
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    return (await this.#take(1, deadline))![0];
  }

  /** Waits for the first item, then takes 1..max items (under one lease, each acknowledged on its own). */
  async getManyWithLease(max: number, options?: WaitOptions): Promise<Lease<T>[]> {
    checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    return (await this.#take(max, deadline))!;
  }

  /** Acknowledges leases in one round trip; resolves with how many were still held. */
  async ack(leases: readonly Lease<T>[]): Promise<number> {
    const mine: HeldItem<T>[] = [];
    const others: Lease<T>[] = [];
    for (const lease of leases) {
      if (lease instanceof HeldItem && lease.owner === this.#settler) mine.push(lease);
      else others.push(lease);
    }
    const counts = await Promise.all([
      ...[...this.#leases.settleMany(mine)].map(async ([lease, places]) =>
        (await this.#acks.ack(lease, places)) ? places.length : 0,
      ),
      ...others.map(async (lease) => Number(await lease.ack())),
    ]);
    return counts.reduce((total, count) => total + count, 0);
  }

  #keep(items: HeldItem<T>[]): T[] {
    const values = new Array<T>(items.length);
    for (let i = 0; i < items.length; i++) {
      this.#unacked.push(items[i]);
      values[i] = items[i].value;
    }
    return values;
  }

  async get(options?: WaitOptions): Promise<T> {
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    return this.#keep((await this.#take(1, deadline))!)[0];
  }

  async tryGet(): Promise<TryGetResult<T>> {
    const leases = await this.#take(1, new Deadline({ timeout: 0 }), true);
    return leases === undefined ? { ok: false } : { ok: true, value: this.#keep(leases)[0] };
  }

  async getMany(max: number, options?: WaitOptions): Promise<T[]> {
    checkInteger('max', max, 1, Number.MAX_SAFE_INTEGER);
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    return this.#keep((await this.#take(max, deadline))!);
  }

  /** Acknowledges the oldest item this handle took with get/getMany/tryGet and has not marked done. */
  async taskDone(): Promise<void> {
    const oldest = this.#unacked.shift();
    if (oldest === undefined) throw new TaskDoneError();
    await this.#ackItem(oldest);
  }

  /** Resolves when every item put (by any process) has been acknowledged, discarded or dead-lettered. */
  async join(options?: WaitOptions): Promise<void> {
    const deadline = new Deadline(options);
    deadline.throwIfAborted();
    const waiter = deadline.timeout === 0 ? undefined : this.#hub.waiter('jw');
    let retry = '0';
    try {
      for (;;) {
        if (((await this.#call('cvJoin', waiter?.entry ?? '', retry)) as number) === 1) return;
        if (waiter === undefined) throw deadline.timeoutError('join');
        await this.#wait(waiter, deadline, 'join');
        retry = '1';
      }
    } finally {
      if (waiter !== undefined) this.#hub.remove(waiter);
    }
  }

  /**
   * Closes the queue for every process: puts fail with QueueClosedError, gets drain and then fail.
   * With `immediate`, also takes out what is buffered and returns it (items under a lease stay
   * with their consumers).
   */
  async close(options?: CloseOptions): Promise<T[]> {
    const immediate = checkOptions(options).immediate === true;
    const reply = (await this.#callBuffer('cvClose', immediate ? '1' : '0')) as Buffer[];
    this.#closed = true;
    return decodeDiscarded(this.#codec, reply, this.#onDeadLetter);
  }

  // ---- dead letters ----

  /** The dead-letter list (oldest first): items whose leases kept running out, or that cannot be decoded. */
  async deadLetters(start = 0, count = 100): Promise<DeadLetter[]> {
    return deadLetterList((await this.#callBuffer('cvDeadList', start, count)) as DeadListReply);
  }

  /** Puts dead letters back at the end of the buffer while there is room; resolves with how many. */
  async requeue(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const moved = (await this.#call('cvRequeue', ...ids)) as number;
    if (moved === -1) throw new QueueClosedError('requeue on a closed queue', { items: ids });
    return moved;
  }

  /** Deletes dead letters for good; resolves with how many. */
  async discardDeadLetters(ids: readonly string[]): Promise<number> {
    return ids.length === 0 ? 0 : ((await this.#call('cvDiscardDead', ...ids)) as number);
  }

  /** Every item until the queue is closed and drained; each is acknowledged when the loop body ends. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let lease: Lease<T>;
      try {
        lease = await this.getWithLease();
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
      try {
        yield lease.value;
      } finally {
        await lease.ack();
      }
    }
  }

  /**
   * Leaves: stops renewing, hands back every lease still held (delivered again at once, attempt
   * + 1) and closes the connections. The queue itself stays as it is for other processes.
   */
  async disconnect(): Promise<void> {
    this.#leases.stop();
    this.#disarm();
    this.#hub.stop();
    try {
      await this.#stash.drain();
      for (const lease of [...this.#leases.held.values()]) {
        const bits = lease.unsettled();
        this.#leases.held.delete(lease.token);
        await this.#call('cvRelease', lease.token, bits);
      }
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }
}
