// Node stream adapters of a ByteRing: a Writable that writes into it and a Readable that reads
// from it, each honouring backpressure (a write's callback runs once its bytes are in the ring; a
// read is asked for only while the Readable's own buffer is below its highWaterMark).
import { Readable, Writable } from 'node:stream';
import { checkInteger, checkOptions } from '../internal/validate.js';
import type { ByteRing } from './byte-ring.js';
import { DEFAULT_CHUNK } from './web-streams.js';

export interface NodeWritableOptions {
  /** Bytes the Writable buffers before write() returns false (default 256 KiB). */
  highWaterMark?: number;
}

export interface NodeReadableOptions {
  /**
   * Largest chunk pushed, and the Readable's highWaterMark (default 256 KiB, or the ring's
   * capacity if smaller). Larger chunks pay the stream machinery less often per byte: measured
   * single-threaded (CPU time), 256 KiB chunks moved about 1.7x the bytes of 64 KiB ones.
   */
  chunkSize?: number;
}

/**
 * A Writable into `ring` (whose writer role the caller has claimed). end() ends the ring; an
 * error or a destroy() before the end aborts it, so the reader never mistakes a cut-off stream
 * for a whole one.
 */
export function nodeWritable(ring: ByteRing, options?: NodeWritableOptions): Writable {
  const { highWaterMark = DEFAULT_CHUNK } = checkOptions(options);
  checkInteger('highWaterMark', highWaterMark, 1, 2 ** 30);
  // Chunks from `from` on: what fits goes at once, the rest waits for room one chunk at a time.
  const writeAll = (chunks: Uint8Array[], from: number, callback: (error?: Error | null) => void) => {
    let k = from;
    try {
      while (k < chunks.length && ring.tryWrite(chunks[k])) k++;
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (k === chunks.length) callback();
    else ring.write(chunks[k]).then(() => writeAll(chunks, k + 1, callback), callback);
  };
  return new Writable({
    highWaterMark,
    write(chunk: Uint8Array, _encoding, callback) {
      writeAll([chunk], 0, callback);
    },
    writev(entries, callback) {
      writeAll(
        entries.map((entry) => entry.chunk as Uint8Array),
        0,
        callback,
      );
    },
    final(callback) {
      try {
        ring.close();
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    destroy(error, callback) {
      ring.abort(); // a no-op after close(): only a stream cut short is aborted
      callback(error);
    },
  });
}

/**
 * A Readable from `ring` (whose reader role the caller has claimed). It ends when the ring ends;
 * it fails with RingClosedError when the writer aborts; destroying it early cancels the ring, so
 * the writer stops instead of waiting for room forever.
 */
export function nodeReadable(ring: ByteRing, options?: NodeReadableOptions): Readable {
  const { chunkSize = Math.min(DEFAULT_CHUNK, ring.capacity) } = checkOptions(options);
  checkInteger('chunkSize', chunkSize, 1, 2 ** 30);
  return new Readable({
    highWaterMark: chunkSize,
    read() {
      // What is there now goes at once; otherwise wait for the writer without blocking the thread.
      const ready = Math.min(ring.available, chunkSize);
      if (ready > 0) {
        const chunk = Buffer.allocUnsafe(ready);
        try {
          ring.tryRead(chunk);
        } catch (error) {
          this.destroy(error as Error);
          return;
        }
        this.push(chunk);
        return;
      }
      ring.readChunk(chunkSize).then(
        (chunk) => this.push(chunk),
        (error: Error) => this.destroy(error),
      );
    },
    destroy(error, callback) {
      ring.cancel(); // a no-op once the writer has ended or aborted
      callback(error);
    },
  });
}
