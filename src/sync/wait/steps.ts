// A call whose body waits more than once (BoundedBuffer.putMany: one wait per chunk), written once
// as a generator: it yields each attempt it has to wait for and receives that attempt's result, or
// has the TimeoutError (or abort reason) thrown in, so it can say what it had done. `runSync` and
// `runAsync` are its two ways of waiting, and the only difference between its two forms.

import { type Deadline, deadlineOf, type WaitOptions } from './deadline.js';
import { TIMED_OUT } from './outcomes.js';
import type { Sleeper, Try } from './word.js';

export type Steps<R> = Generator<Try<unknown>, R, unknown>;

export function runSync<R>(
  sleeper: Sleeper,
  steps: Steps<R>,
  options: WaitOptions | undefined,
  what: string,
): R {
  let deadline: Deadline | undefined;
  let step = steps.next();
  while (!step.done) {
    deadline ??= deadlineOf(options);
    const result = sleeper.waitSync(step.value, deadline);
    step = result === TIMED_OUT ? steps.throw(deadline.timeoutError(what)) : steps.next(result);
  }
  return step.value;
}

export async function runAsync<R>(
  sleeper: Sleeper,
  steps: Steps<R>,
  options: WaitOptions | undefined,
  what: string,
): Promise<R> {
  let deadline: Deadline | undefined;
  let step = steps.next();
  while (!step.done) {
    deadline ??= deadlineOf(options);
    let result: unknown;
    try {
      result = await sleeper.waitAsync(step.value, deadline);
    } catch (reason) {
      step = steps.throw(reason);
      continue;
    }
    step = result === TIMED_OUT ? steps.throw(deadline.timeoutError(what)) : steps.next(result);
  }
  return step.value;
}
