// The worker of main.js (and of the browser page): it opens the buffer from the handle it is sent
// and takes items with getSync, which may block here, off the main thread.
import { BoundedBuffer, QueueClosedError } from 'conveyor';

self.addEventListener('message', (event) => {
  const buffer = BoundedBuffer.from(event.data);
  let count = 0;
  let sum = 0;
  for (;;) {
    try {
      sum += buffer.getSync({ timeout: 10_000 });
      count++;
    } catch (error) {
      if (error instanceof QueueClosedError) break; // closed and drained
      throw error;
    }
  }
  postMessage({ count, sum });
});
