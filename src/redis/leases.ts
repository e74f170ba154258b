// Leases held by one handle: one per get call (its items are settled one by one, by place), and
// their renewal. While a process holds leases, a timer pushes their deadlines back (and marks the
// process alive, so its waiters may be woken). A process killed with SIGKILL stops renewing; its
// leases run out and their unsettled items go to the next get, ahead of newer items.
//
// Invariants: `held` maps each token this handle holds to its HeldLease, from the reply that took
// it until every place is settled or renewal finds it lost; a HeldLease's `settled` bits only go
// from 0 to 1, each set once, by this handle (one event loop: no locking).

/** The items of one get call held under one token; place i is bit i (most significant first). */
export class HeldLease {
  readonly settled: Uint8Array;
  /** Places not settled yet. */
  left: number;

  constructor(
    readonly token: string,
    readonly size: number,
  ) {
    this.settled = new Uint8Array((size + 7) >> 3);
    this.left = size;
  }

  /** Marks place i settled; false if it already was (acked, released or handed back before). */
  settle(i: number): boolean {
    const mask = 0x80 >> (i & 7);
    if ((this.settled[i >> 3] & mask) !== 0) return false;
    this.settled[i >> 3] |= mask;
    this.left--;
    return true;
  }

  /** A bitmap of the places not settled yet. */
  unsettled(): Buffer {
    const bits = Buffer.alloc(this.settled.length);
    for (let i = 0; i < this.size; i++) {
      if ((this.settled[i >> 3] & (0x80 >> (i & 7))) === 0) bits[i >> 3] |= 0x80 >> (i & 7);
    }
    return bits;
  }
}

/** A bitmap with the given places set, as the scripts read them. */
export function bitmap(places: readonly number[], size: number): Buffer {
  const bits = Buffer.alloc((size + 7) >> 3);
  for (const i of places) bits[i >> 3] |= 0x80 >> (i & 7);
  return bits;
}

export class LeaseKeeper {
  readonly held = new Map<string, HeldLease>();
  /** Items whose lease was found lost at renewal (it ran out and they went to another consumer). */
  lost = 0;
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;

  constructor(
    /** Runs the RENEW script with tokens; resolves with the tokens no longer held. */
    private readonly renew: (tokens: string[]) => Promise<string[]>,
    private readonly intervalMs: number,
  ) {}

  /** Renews once now (marking the process alive), then every interval. */
  async start(): Promise<void> {
    await this.renewNow();
    this.#timer = setInterval(() => {
      this.#renewing ??= this.renewNow()
        .catch(() => {}) // a failed renewal is retried at the next tick
        .finally(() => {
          this.#renewing = undefined;
        });
    }, this.intervalMs);
    this.#timer.unref();
  }

  async renewNow(): Promise<void> {
    const sent = [...this.held.values()];
    const lost = await this.renew(sent.map((lease) => lease.token));
    for (const token of lost) {
      const lease = sent.find((held) => held.token === token);
      if (lease !== undefined && this.held.get(token) === lease) {
        this.held.delete(token);
        this.lost += lease.left;
      }
    }
  }

  /** Starts holding the lease a get took. */
  hold(token: string, size: number): HeldLease {
    const lease = new HeldLease(token, size);
    this.held.set(token, lease);
    return lease;
  }

  /** Settles place i of a lease; false if it was settled before or the lease is no longer held. */
  settle(lease: HeldLease, i: number): boolean {
    if (this.held.get(lease.token) !== lease || !lease.settle(i)) return false;
    if (lease.left === 0) this.held.delete(lease.token);
    return true;
  }

  /** Settles places locally, grouped by lease; those not held (or settled before) are left out. */
  settleMany(items: readonly { lease: HeldLease; place: number }[]): Map<HeldLease, number[]> {
    const groups = new Map<HeldLease, number[]>();
    for (const item of items) {
      if (!this.settle(item.lease, item.place)) continue;
      const places = groups.get(item.lease);
      if (places === undefined) groups.set(item.lease, [item.place]);
      else places.push(item.place);
    }
    return groups;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
