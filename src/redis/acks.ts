// Acknowledgements batched: every ack asked for in one turn of the event loop goes to Redis in
// one ACK script call, so a consumer with 100 items in flight pays about one round trip per
// batch, not per item. Each caller still learns whether its own lease was still held.
//
// Invariant: `#pending` is written only here; it is emptied by the flush that sends it.

type Send = (pairs: string[]) => Promise<number[]>;

export class AckBatcher {
  #pending: {
    id: string;
    token: string;
    resolve: (held: boolean) => void;
    reject: (error: unknown) => void;
  }[] = [];
  #scheduled = false;

  constructor(private readonly send: Send) {}

  ack(id: string, token: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ id, token, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    for (let start = 0; start < batch.length; start += 1000) {
      const part = batch.slice(start, start + 1000);
      try {
        const flags = await this.send(part.flatMap((entry) => [entry.id, entry.token]));
        for (let i = 0; i < part.length; i++) part[i].resolve(flags[i] === 1);
      } catch (error) {
        for (const entry of part) entry.reject(error);
      }
    }
  }
}
