// The header of every shared-memory object: a handle from another layout version is refused with
// a message that says so, for each kind.
import { describe, expect, it } from 'vitest';
import { BoundedBuffer, Mutex, Semaphore } from '../../src/index.js';
import { LAYOUT_VERSION } from '../../src/sync/shared-header.js';

describe('the shared-memory header', () => {
  it("is at layout version 4 (BoundedBuffer's lane words)", () => {
    expect(LAYOUT_VERSION).toBe(4);
  });

  it.each([
    ['Semaphore', () => new Semaphore(1).handle, Semaphore.from],
    ['Mutex', () => new Mutex().handle, Mutex.from],
    ['BoundedBuffer', () => new BoundedBuffer({ capacity: 2 }).handle, BoundedBuffer.from],
  ] as const)('refuses a %s handle of layout version 3 with a clear error', (_name, make, open) => {
    const handle = make();
    const words = new Int32Array(handle.memory);
    words[1] = (words[1]! & ~0xff) | 3; // what a conveyor of layout version 3 wrote
    expect(() => (open as (h: unknown) => unknown)(handle)).toThrow(
      /layout version 3 is not supported \(expected 4\): the handle was made by another version of conveyor/,
    );
  });
});
