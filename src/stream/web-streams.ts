// Web stream adapters of a ByteRing: a WritableStream that writes into it and a ReadableStream
// that reads from it, with backpressure (a write's promise settles once its bytes are in the ring;
// pull() is called only while the ReadableStream's queue is below its highWaterMark).
import { checkInteger, checkOptions, describe } from '../internal/validate.js';
import type { ByteRing } from './byte-ring.js';

export interface WebStreamOptions {
  /** Bytes queued in the stream before it signals backpressure; also the largest chunk read (default 256 KiB). */
  highWaterMark?: number;
}

/** Both adapters' default chunk and highWaterMark, in bytes (node-streams.ts uses it too). */
export const DEFAULT_CHUNK = 256 * 1024;

function highWaterMarkOf(options: WebStreamOptions | undefined): number {
  const { highWaterMark = DEFAULT_CHUNK } = checkOptions(options);
  return checkInteger('highWaterMark', highWaterMark, 1, 2 ** 30);
}

/** A WritableStream into `ring` (writer role claimed by the caller): close() ends it, abort() aborts it. */
export function webWritableStream(ring: ByteRing, options?: WebStreamOptions): WritableStream<Uint8Array> {
  const highWaterMark = highWaterMarkOf(options);
  return new WritableStream<Uint8Array>(
    {
      write(chunk) {
        if (!(chunk instanceof Uint8Array)) {
          throw new TypeError(`a ByteRing WritableStream takes Uint8Array chunks, got ${describe(chunk)}`);
        }
        if (ring.tryWrite(chunk)) return;
        return ring.write(chunk);
      },
      close() {
        ring.close();
      },
      abort() {
        ring.abort();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark }),
  );
}

/** A ReadableStream from `ring` (reader role claimed by the caller): closes at its end; cancel() cancels it. */
export function webReadableStream(ring: ByteRing, options?: WebStreamOptions): ReadableStream<Uint8Array> {
  const highWaterMark = highWaterMarkOf(options);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await ring.readChunk(highWaterMark);
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
      cancel() {
        ring.cancel();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark }),
  );
}
