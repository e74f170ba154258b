// A custom codec for showing what a thread stalled in the middle of a call does to the others.
import type { Codec } from '../../src/index.js';

/** A custom codec storing an int32 in 4 bytes; `stall` makes one item's put or get pause. */
export function int32Codec(stall?: { op: 'put' | 'get'; item: number; ms: number }): Codec<number> {
  const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stall!.ms);
  return {
    encode(n) {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setInt32(0, n, true);
      if (stall?.op === 'put' && n === stall.item) {
        let reads = 0;
        // Read once before the slot is claimed (size check), once after (while writing it).
        Object.defineProperty(bytes, 'byteLength', {
          get: () => {
            if (++reads === 2) pause();
            return 4;
          },
        });
      }
      return bytes;
    },
    decode(bytes) {
      const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(0, true);
      if (stall?.op === 'get' && n === stall.item) pause();
      return n;
    },
  };
}
