// Items an ack fetched ahead (ack-and-fetch-next, one script call): held under lease by this
// handle and served to its next gets without a round trip, or handed back when no get takes them
// within STASH_MS (delivered next, ahead of newer items, their attempt unchanged: UNGET).
//
// Invariant: an item is in the stash from the ack reply that took it until a get takes it or it is
// handed back; only the handle that owns the stash writes it (one event loop, no locking).

/** How long items fetched ahead wait for a get of this handle before they are handed back. */
export const STASH_MS = 50;

/** Runs the UNGET script for items no get took (a method type: a Stash of leases of T is one of unknown). */
interface GiveBack<L> {
  giveBack(items: L[]): Promise<void>;
}

export class Stash<L> {
  readonly #items: L[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #owner: GiveBack<L>;

  constructor(owner: GiveBack<L>) {
    this.#owner = owner;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Keeps items an ack fetched; the give-back timer starts again. */
  add(items: L[]): void {
    this.#items.push(...items);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.drain().catch(() => {}), STASH_MS);
    this.#timer.unref();
  }

  /** Up to `max` items, oldest first, for a get. */
  take(max: number): L[] {
    return this.#items.splice(0, max);
  }

  /** Hands back everything still here (on the timer, and when the handle disconnects). */
  async drain(): Promise<void> {
    clearTimeout(this.#timer);
    const items = this.#items.splice(0);
    if (items.length > 0) await this.#owner.giveBack(items);
  }
}
