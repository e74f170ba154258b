// A module Web Worker of exactly-once.js: a producer (putSync) or a consumer (getManySync) of the
// BoundedBuffer whose handle it is sent. Workers may block, so they use the *Sync calls.
import { BoundedBuffer, QueueClosedError } from '/dist/core.js';

const BOUND = { timeout: 20_000 };

self.addEventListener('message', ({ data: job }) => {
  try {
    const buffer = BoundedBuffer.from(job.handle);
    if (job.role === 'producer') {
      for (let k = 0; k < job.count; k++) buffer.putSync(job.base + k, BOUND);
      postMessage({ items: [] });
      return;
    }
    const got = [];
    try {
      for (;;) got.push(...buffer.getManySync(16, BOUND));
    } catch (error) {
      if (!(error instanceof QueueClosedError)) throw error;
    }
    postMessage({ items: got });
  } catch (error) {
    postMessage({ error: `${error?.name}: ${error?.message}` });
  }
});
