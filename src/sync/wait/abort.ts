// Racing a pending Atomics.waitAsync against an AbortSignal, leaving nothing behind.

/**
 * Resolves when `promise` (an `Atomics.waitAsync` result) settles or the signal aborts, whichever
 * is first; resolves true when the signal aborted. The abort listener is removed either way.
 * Holds nothing open: the caller decides (keep-alive.ts).
 */
export function raceAbort(
  promise: Promise<unknown>,
  signal: AbortSignal | undefined,
): Promise<boolean> | boolean {
  if (signal === undefined) return promise.then(settledFalse);
  if (signal.aborted) return true;
  return new Promise<boolean>((resolve) => {
    const settle = (aborted: boolean) => {
      signal.removeEventListener('abort', onAbort);
      resolve(aborted);
    };
    const onAbort = () => settle(true);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => settle(false));
  });
}

function settledFalse(): boolean {
  return false;
}
