// Copying bytes into or out of shared memory at memcpy speed. TypedArray.prototype.set copies to or
// from a SharedArrayBuffer one word at a time with relaxed atomic loads and stores (V8's
// relaxed_memmove, so that a racing thread cannot tear a C++ copy), which costs about 3x the CPU
// time of a memcpy: measured on Node 20, 64 KiB from a ring into a Buffer took 110 ms per GiB,
// into the ring 109; with Buffer.prototype.fill 54 and 75. fill(value, start, end) with a
// Uint8Array `value` as long as the range is a single memcpy in Node's C++ (node_buffer.cc, Fill),
// whatever memory either side is in. Below FILL_FROM bytes the native call costs more than it saves
// (at 256 bytes set took 99 ns, fill 118; at 4 KiB 704 and 361).
//
// Ordering is the caller's, exactly as with set(): the bytes are copied before the Atomics.store
// that publishes them (or after the Atomics.load that says they are there), and no other thread
// touches them meanwhile, so a plain copy is as good as a relaxed one. Where there is no Node
// Buffer (a browser, Deno, Bun), or the two ranges share a buffer (memcpy must not overlap), it
// is set().

type Fill = (this: Uint8Array, value: Uint8Array, start: number, end: number) => unknown;
const runtime = globalThis as {
  Buffer?: { prototype: { fill: Fill } };
  process?: { versions?: { bun?: string } };
  Deno?: unknown;
};
/**
 * Node's Buffer.prototype.fill, on Node only: Deno's compatibility Buffer fills byte by byte in
 * JavaScript (slower than set()), and Bun's was not measured.
 */
const fill: Fill | undefined =
  runtime.Deno === undefined && runtime.process?.versions?.bun === undefined
    ? runtime.Buffer?.prototype.fill
    : undefined;

/** Copies shorter than this (bytes) use set(). */
export const FILL_FROM = 2048;

/** Copies all of `source` into `target` from byte `offset` (it must fit), as target.set(source, offset). */
export function copyBytes(target: Uint8Array, offset: number, source: Uint8Array): void {
  const n = source.length;
  if (fill === undefined || n < FILL_FROM || source.buffer === target.buffer) target.set(source, offset);
  else fill.call(target, source, offset, offset + n);
}
