// What a dead WorkerPool worker leaves behind, put right: the tasks it had taken but not started
// go back to the head of the line, the task it was running fails with a WorkerDiedError, and tasks
// it took in the instant before marking them (no state names them) are found and failed as lost.
// Main thread only; the buffers have already been repaired by their watch (crew.ts).
import type { BoundedBuffer } from './buffer.js';
import type { WorkerRecord } from './crew.js';
import type { Entry } from './entry.js';
import { WorkerDiedError } from './errors.js';
import type { Line } from './line.js';
import { CANCELLED, claimedBy, QUEUED, runningBy } from './protocol.js';

/** How long a live worker may take between taking a task and marking it claimed (µs in practice). */
const ORPHAN_GRACE_MS = 250;

/** What putting a dead worker's tasks right needs from its pool. */
export interface DeathHost {
  readonly control: Int32Array;
  readonly line: Line;
  readonly tasks: BoundedBuffer<number>;
  /** Tickets in all. */
  readonly tickets: number;
  /** close({ immediate: true }) has run: nothing goes back in line any more. */
  closedNow(): boolean;
  /** Delivers an entry's outcome, once. */
  settle(entry: Entry, ok: boolean, value: unknown): void;
  /** The error a task refused by a closed pool gets. */
  closedError(task: unknown): Error;
  /** Counts a task failed (for stats). */
  countFailed(): void;
}

/**
 * Puts right what the worker of `record` (exit code `code`) left: call it on its 'exit', after
 * its returned results have been read back. The caller then replaces it and pumps the line.
 */
export function afterDeath(host: DeathHost, record: WorkerRecord, code: number): void {
  const { control, line } = host;
  const { slot } = record;
  const died = () =>
    new WorkerDiedError(
      record.threadId,
      code,
      record.terminated ? new Error('terminated by pool.terminateWorker()') : record.error,
    );
  const requeue = (ticket: number) => {
    const entry = line.entries[ticket];
    if (entry === undefined || entry.settled || host.closedNow()) {
      line.release(ticket);
      if (entry !== undefined) host.settle(entry, false, host.closedError(entry.task));
      return;
    }
    Atomics.store(control, ticket, QUEUED);
    line.requeue.push(ticket);
  };
  for (const ticket of record.returned) requeue(ticket); // claimed by its get, never taken out
  for (let ticket = 0; ticket < host.tickets; ticket++) {
    const state = Atomics.load(control, ticket);
    if (state === claimedBy(slot)) requeue(ticket);
    else if (state === runningBy(slot)) {
      const entry = line.entries[ticket];
      line.release(ticket);
      if (entry !== undefined && !entry.settled) {
        host.countFailed();
        host.settle(entry, false, died());
      }
    }
  }
  sweepOrphans(host, died);
}

/**
 * The buffer hands a taken task to its getter in the same stretch that frees its slot, and the
 * worker marks it CLAIMED right after: a worker killed in between (terminate(), out of memory)
 * takes tasks with it that no state names. The tasks queue is FIFO and only main puts, so the
 * tasks put before the queue's head were all taken: any of them still QUEUED after a grace
 * period was taken by the dead worker. Cancelling it (CAS, so a live worker that took it after
 * all skips it) rejects it as lost with its worker, instead of leaving its run() waiting.
 */
function sweepOrphans(host: DeathHost, died: () => WorkerDiedError): void {
  const { control, line } = host;
  const taken = line.putCount - host.tasks.size;
  const requeued = new Set(line.requeue);
  const suspects: [number, Entry, number][] = [];
  for (let ticket = 0; ticket < host.tickets; ticket++) {
    const entry = line.entries[ticket];
    if (entry === undefined || entry.settled || requeued.has(ticket)) continue;
    if (Atomics.load(control, ticket) !== QUEUED || line.putSeq[ticket] >= taken) continue;
    suspects.push([ticket, entry, line.putSeq[ticket]]);
  }
  if (suspects.length === 0) return;
  setTimeout(() => {
    for (const [ticket, entry, seq] of suspects) {
      if (line.entries[ticket] !== entry || line.putSeq[ticket] !== seq || entry.settled) continue;
      if (Atomics.compareExchange(control, ticket, QUEUED, CANCELLED) !== QUEUED) continue;
      host.countFailed();
      host.settle(entry, false, died()); // its ticket stays out: no thread will return it
    }
  }, ORPHAN_GRACE_MS).unref();
}
