// Acknowledgements batched: every ack asked for in one turn of the event loop goes to Redis in
// one ACK script call, as one bitmap per lease, so a consumer with 100 items in flight pays about
// one round trip per batch, and Redis a few commands per lease, not per item. Each caller still
// learns whether its own lease was still held.
//
// Invariant: `#pending` is written only here; it is emptied by the flush that sends it.
import type { HeldLease } from './leases.js';

type Send = (pairs: (string | Buffer)[]) => Promise<number[]>;

interface Pending {
  bits: Buffer;
  resolvers: ((held: boolean) => void)[];
  rejecters: ((error: unknown) => void)[];
}

/** Most leases one ACK call settles. */
const LEASES_PER_CALL = 500;

export class AckBatcher {
  #pending = new Map<HeldLease, Pending>();
  #scheduled = false;

  constructor(private readonly send: Send) {}

  /** Acknowledges places of one lease (already settled locally); resolves with whether it was still held. */
  ack(lease: HeldLease, places: readonly number[]): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let entry = this.#pending.get(lease);
      if (entry === undefined) {
        entry = { bits: Buffer.alloc((lease.size + 7) >> 3), resolvers: [], rejecters: [] };
        this.#pending.set(lease, entry);
      }
      for (const i of places) entry.bits[i >> 3] |= 0x80 >> (i & 7);
      entry.resolvers.push(resolve);
      entry.rejecters.push(reject);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    const batch = [...this.#pending];
    this.#pending = new Map();
    this.#scheduled = false;
    for (let start = 0; start < batch.length; start += LEASES_PER_CALL) {
      const part = batch.slice(start, start + LEASES_PER_CALL);
      try {
        const flags = await this.send(part.flatMap(([lease, entry]) => [lease.token, entry.bits]));
        for (let i = 0; i < part.length; i++)
          for (const resolve of part[i][1].resolvers) resolve(flags[i] === 1);
      } catch (error) {
        for (const [, entry] of part) for (const reject of entry.rejecters) reject(error);
      }
    }
  }
}
