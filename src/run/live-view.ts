// The live view: when stderr is a terminal, a few lines at the bottom redrawn in place showing
// the buffer's slots and what each actor is doing. Log lines on stdout are written above it.
import type { RunOptions } from './options.js';
import type { RunEvent, SemaphoreName } from './protocol.js';
import { type ActorState, formatMs, stateAfter } from './summary.js';

export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

const REFRESH_MS = 100;
/** Slots drawn one character each; a larger buffer is drawn as a scaled bar. */
const MAX_SLOTS_DRAWN = 40;

export class LiveView {
  readonly #err: TextSink;
  readonly #options: RunOptions;
  readonly #states = new Map<string, { state: ActorState | 'starting'; on?: SemaphoreName; items: number }>();
  #occupancy = 0;
  #lines = 0;
  #startedAt = performance.now();
  #timer: NodeJS.Timeout | undefined;

  constructor(err: TextSink, options: RunOptions, actors: readonly string[]) {
    this.#err = err;
    this.#options = options;
    for (const actor of actors) this.#states.set(actor, { state: 'starting', items: 0 });
  }

  start(): void {
    this.#startedAt = performance.now();
    this.draw();
    this.#timer = setInterval(() => this.#redraw(), REFRESH_MS);
    this.#timer.unref();
  }

  update(event: RunEvent): void {
    const entry = this.#states.get(event.actor);
    if (entry !== undefined) {
      const next = stateAfter(event);
      entry.state = next.state;
      entry.on = next.on;
      if (event.event === 'produced' || event.event === 'consumed') entry.items++;
    }
    if (event.event === 'produced' || event.event === 'consumed') this.#occupancy = event.occupancy;
  }

  /** Writes `text` (to stdout) above the view, then redraws the view below it. */
  above(out: TextSink, text: string): void {
    this.clear();
    out.write(text);
    this.draw();
  }

  draw(): void {
    const lines = this.render();
    this.#err.write(`${lines.join('\n')}\n`);
    this.#lines = lines.length;
  }

  clear(): void {
    if (this.#lines > 0) this.#err.write(`\x1b[${this.#lines}F\x1b[J`); // up to the view's first line, erase below
    this.#lines = 0;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.clear();
  }

  #redraw(): void {
    this.clear();
    this.draw();
  }

  render(): string[] {
    const { capacity } = this.#options;
    const shown = Math.min(capacity, MAX_SLOTS_DRAWN);
    const filled = Math.round((this.#occupancy / capacity) * shown);
    const bar = '■'.repeat(filled) + '□'.repeat(shown - filled);
    const elapsed = formatMs(performance.now() - this.#startedAt);
    const lines = [`buffer [${bar}] ${this.#occupancy}/${capacity}   ${elapsed}`];
    const width = Math.max(...[...this.#states.keys()].map((a) => a.length));
    for (const [actor, s] of this.#states) {
      const what = s.state === 'waiting' ? `waiting on ${s.on}` : s.state;
      lines.push(
        `  ${actor.padEnd(width)}  ${what.padEnd(16)} ${s.items} ${s.items === 1 ? 'item' : 'items'}`,
      );
    }
    return lines;
  }
}
