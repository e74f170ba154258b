// Loads conveyor from dist/ (the built package), as a user's code would.
const main = await import('../../dist/index.js');

/** Channel may not be re-exported from index yet: fall back to its module. */
export const Channel = main.Channel ?? (await import('../../dist/queue/channel.js')).Channel;
export const { BoundedBuffer, ByteRing, Semaphore, WorkerPool } = main;
