// A worker that makes one BoundedBuffer blocking call at a time for the main thread: putSync,
// getSync, putManySync, getManySync, joinSync, or a blocking `for…of` over the buffer. It answers
// with the result, or with the error described field by field (the main thread rebuilds it as the
// same class: test/contract/blocking-calls.ts). Used to run the queue contract suite against the
// `*Sync` calls from a real worker thread. Every wait here has a timeout given by the caller.
import { parentPort } from 'node:worker_threads';
import { BoundedBuffer, type BoundedBufferHandle } from '../../src/index.js';

export type BlockingCall =
  | { call: 'putSync'; item: number }
  | { call: 'getSync' }
  | { call: 'putManySync'; items: number[] }
  | { call: 'getManySync'; max: number }
  | { call: 'joinSync' }
  /** Gets every item with the blocking iterator, posting each, until closed and drained. */
  | { call: 'iterate' };

export interface BlockingRequest {
  /** Which buffer (the main thread numbers them): opened from `handle` once, then reused. */
  readonly queue: number;
  readonly handle: BoundedBufferHandle;
  readonly job: BlockingCall;
  /** The call's options, as far as they cross threads: `aborted` becomes an aborted signal. */
  readonly timeout?: number;
  readonly aborted?: boolean;
}

/** A failure, as plain data: enough to rebuild the error the call threw. */
export interface ThrownError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly timeout?: number;
  readonly item?: unknown;
  readonly items?: readonly unknown[];
  /** The error was the aborted signal's reason (the main thread rethrows its own reason). */
  readonly abortReason?: boolean;
}

export type BlockingReply =
  | { readonly type: 'yield'; readonly value: number }
  | { readonly type: 'return'; readonly value: unknown }
  | { readonly type: 'throw'; readonly error: ThrownError };

const opened = new Map<number, BoundedBuffer<number>>();
/** What the worker's own aborted signals carry, so that the reply can say "it was the signal". */
const ABORT_REASON = new Error('aborted before the call (stands for the caller’s reason)');

function run(buffer: BoundedBuffer<number>, request: BlockingRequest): unknown {
  const options = {
    ...(request.timeout === undefined ? {} : { timeout: request.timeout }),
    ...(request.aborted ? { signal: AbortSignal.abort(ABORT_REASON) } : {}),
  };
  const { job } = request;
  switch (job.call) {
    case 'putSync':
      return buffer.putSync(job.item, options);
    case 'getSync':
      return buffer.getSync(options);
    case 'putManySync':
      return buffer.putManySync(job.items, options);
    case 'getManySync':
      return buffer.getManySync(job.max, options);
    case 'joinSync':
      return buffer.joinSync(options);
    case 'iterate':
      for (const item of buffer)
        parentPort!.postMessage({ type: 'yield', value: item } satisfies BlockingReply);
      return undefined;
  }
}

function describeError(error: unknown): ThrownError {
  if (error === ABORT_REASON) return { name: 'AbortError', message: 'aborted', abortReason: true };
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields = error as Error & Partial<Omit<ThrownError, 'name' | 'message'>>;
  return {
    name: error.name,
    message: error.message,
    code: fields.code,
    timeout: fields.timeout,
    item: fields.item,
    items: fields.items,
  };
}

parentPort!.on('message', (request: BlockingRequest) => {
  let buffer = opened.get(request.queue);
  if (buffer === undefined) {
    buffer = BoundedBuffer.from(request.handle);
    opened.set(request.queue, buffer);
  }
  let reply: BlockingReply;
  try {
    reply = { type: 'return', value: run(buffer, request) };
  } catch (error) {
    reply = { type: 'throw', error: describeError(error) };
  }
  parentPort!.postMessage(reply);
});
