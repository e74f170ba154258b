// Server-Sent Events: one long response per page, `event: NAME` and `data: JSON` per message.
// Dependency-free and one-way, which is all a page watching a run needs (it writes with POST).
import type { ServerResponse } from 'node:http';

/** Comment lines that keep idle connections from being closed by anything in between. */
const KEEPALIVE_MS = 15_000;

export class EventStream {
  readonly #clients = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | undefined;

  /** Turns `res` into an event stream; `greet` sends what a newcomer must see first. */
  attach(res: ServerResponse, greet: (send: (name: string, data: unknown) => void) => void): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    greet((name, data) => res.write(frame(name, data)));
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
    this.#timer ??= setInterval(() => {
      for (const client of this.#clients) client.write(': keep-alive\n\n');
    }, KEEPALIVE_MS).unref();
  }

  send(name: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    const text = frame(name, data);
    for (const client of this.#clients) client.write(text);
  }

  close(): void {
    clearInterval(this.#timer);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }
}

function frame(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
