// Lease renewal: while a process holds items, a timer pushes their deadlines back (and marks the
// process alive, so its waiters may be woken). A process killed with SIGKILL stops renewing; its
// leases run out and the items go to the next get, ahead of newer items.
//
// Invariant: `held` maps each id this handle holds to the lease token it got it under; only this
// handle writes it (add on get, delete on ack / release / bury / lost).

export class LeaseKeeper {
  readonly held = new Map<string, string>();
  /** Leases found lost at renewal (they ran out and went to another consumer). */
  lost = 0;
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;

  constructor(
    /** Runs the RENEW script with id, token pairs; resolves with the ids no longer held. */
    private readonly renew: (pairs: string[]) => Promise<string[]>,
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
    const sent = [...this.held];
    const lost = await this.renew(sent.flat());
    for (const id of lost) {
      const token = sent.find(([held]) => held === id)?.[1];
      if (token !== undefined && this.held.get(id) === token) {
        this.held.delete(id);
        this.lost++;
      }
    }
  }

  /** Stops holding these ids; returns the ones that were held, grouped by lease token. */
  letGo(ids: readonly string[]): Map<string, string[]> {
    const byToken = new Map<string, string[]>();
    for (const id of ids) {
      const token = this.held.get(id);
      if (token === undefined) continue;
      this.held.delete(id);
      const group = byToken.get(token);
      if (group === undefined) byToken.set(token, [id]);
      else group.push(id);
    }
    return byToken;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
