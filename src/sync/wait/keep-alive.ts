// Keep-alive: whether a pending Promise wait holds the process (or the worker) open.
//
// The rule, the same for every waiting call: a wait that another thread can end keeps its thread
// alive until it settles (BoundedBuffer's put/get/putMany/getMany/join, Semaphore.acquire,
// Mutex.lock), as a pending socket read does, since Node cannot see that other thread coming. A
// wait that only this thread's own code can end (Channel) never does: with nothing else to run,
// nothing would ever end it. `{ ref: false }` lets an abandoned wait not hold the process open
// (its timeout timer is unref'd too), as `timer.unref()` does for a timer.
//
// Atomics.waitAsync keeps nothing alive by itself, so a held wait is counted here, and one
// interval timer, ref'd while the count is above zero and unref'd at zero, holds the event loop.

let held = 0;
let timer: ReturnType<typeof setInterval> | undefined;

function noop(): void {}

/** Holds this thread open until the returned function is called (once; later calls do nothing). */
export function holdOpen(): () => void {
  if (held++ === 0) {
    if (timer === undefined) timer = setInterval(noop, 2 ** 30);
    else timer.ref?.(); // a browser's timer is a number: nothing to hold open there
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--held === 0) timer!.unref?.();
  };
}

/** holdOpen() for a wait whose options say `ref` (the default), else nothing to release. */
export function holdOpenIf(ref: boolean): () => void {
  return ref ? holdOpen() : noop;
}
