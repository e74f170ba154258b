// The one intents table: Semaphore, Mutex and BoundedBuffer each keep who-claims-what in the same
// layout (a 64-byte line per entry), claim and free entries the same way, and warn the same way
// when all entries are taken.
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BoundedBuffer, Mutex, Semaphore } from '../../src/index.js';
import { ENTRIES, ENTRY_WORDS, INTENT, IntentsTable, OWNER, UNTRACKED } from '../../src/sync/intents.js';

const ME = threadId + 1;

/** What the entry at word `entry` of `memory` says: its owner and its intent. */
function entryAt(memory: SharedArrayBuffer, entry: number): { owner: number; intent: number } {
  const words = new Int32Array(memory);
  return { owner: words[entry + OWNER]!, intent: words[entry + INTENT]! };
}

describe('the intents table', () => {
  it('gives every view its own entry, one 64-byte line each, and frees it for the next', () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4 * (16 + ENTRIES * ENTRY_WORDS)));
    const table = new IntentsTable(i32, 16, 'Thing');
    const first = table.enter({});
    const second = table.enter({});
    expect([first, second]).toEqual([16, 16 + ENTRY_WORDS]);
    expect(ENTRY_WORDS * 4).toBe(64);
    expect(i32[first + OWNER]).toBe(ME);
    table.free(first);
    expect(i32[first + OWNER]).toBe(0);
    expect(table.enter({})).toBe(first);
  });

  it('warns once (CONVEYOR_UNTRACKED_THREAD) when every entry is taken, and the view works unrecorded', async () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4 * ENTRIES * ENTRY_WORDS));
    const table = new IntentsTable(i32, 0, 'Gadget');
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      for (let k = 0; k < ENTRIES; k++) expect(table.enter({})).toBeGreaterThanOrEqual(0);
      expect(table.enter({})).toBe(UNTRACKED);
      expect(table.enter({})).toBe(UNTRACKED);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    const mine = warnings.filter((w) => (w as { code?: string }).code === 'CONVEYOR_UNTRACKED_THREAD');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.message).toMatch(/a Gadget is used by more than 128 live threads/);
  });

  it('is where Semaphore, Mutex and BoundedBuffer each record a claim: an entry on a 64-byte line', async () => {
    const semaphore = new Semaphore(0);
    const waiting = semaphore.acquire({ timeout: 5_000 }); // takes a ticket: its first claim
    const mutex = new Mutex();
    const guard = mutex.lockSync({ timeout: 1_000 });
    const locking = mutex.lock({ timeout: 5_000 }); // waits in line behind our own guard
    await new Promise((resolve) => setTimeout(resolve, 20));
    const buffer = new BoundedBuffer({ capacity: 2 });
    buffer.putSync(1); // its first claim
    // The first entry of each table, on the first 64-byte line after the object's own words.
    expect(entryAt(semaphore.handle.memory, 144)).toEqual({ owner: ME, intent: 1 }); // in line
    expect(entryAt(mutex.handle.memory, 144)).toEqual({ owner: ME, intent: 1 }); // in line
    expect(entryAt(buffer.handle.memory, 64)).toEqual({ owner: ME, intent: 1 }); // a put of 1 item
    semaphore.release();
    await waiting;
    guard.unlock();
    (await locking).unlock();
    expect(buffer.getSync({ timeout: 0 })).toBe(1);
  });
});
