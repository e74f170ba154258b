// A Queue whose waiting calls are BoundedBuffer's blocking `*Sync` calls made in real worker
// threads (test/workers/blocking-calls-actor.ts): put → putSync, get → getSync, putMany →
// putManySync, getMany → getManySync, join → joinSync, async iteration → the blocking `for…of`.
// The calls that never wait (tryPut, tryGet, close, taskDone, size) run on this thread's own view
// of the same memory. So the queue contract suite checks the blocking calls too.
//
// Each worker makes one call at a time; a call that finds every worker busy (blocked) starts
// another, so the contract's concurrent cases each get a thread of their own. An abort signal
// cannot reach a thread blocked in a `*Sync` call: one already aborted is passed on (the call
// must refuse it and take nothing); one that might abort later is refused here, loudly.
import type { Worker } from 'node:worker_threads';
import {
  BoundedBuffer,
  type CloseOptions,
  type Queue,
  QueueClosedError,
  TaskDoneError,
  TimeoutError,
  type TryGetResult,
  type WaitOptions,
} from '../../src/index.js';
import { startWorker } from '../helpers/worker.js';
import type {
  BlockingCall,
  BlockingReply,
  BlockingRequest,
  ThrownError,
} from '../workers/blocking-calls-actor.js';

const ACTOR = new URL('../workers/blocking-calls-actor.ts', import.meta.url);

/** One call in flight on a worker: its replies go here. */
type Listener = (reply: BlockingReply) => void;

/** Worker threads that make blocking calls, one call per worker at a time. */
export class BlockingCallers {
  readonly #all: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #listening = new Map<Worker, Listener>();
  /** Workers that failed (an uncaught error): never handed another call. */
  readonly #dead = new Set<Worker>();
  #queues = 0;

  /** Starts `count` workers now, so that the first tests do not wait for thread start-up. */
  async start(count: number): Promise<void> {
    const started = Array.from({ length: count }, () => this.#startOne());
    // A worker is ready once it answers: ask each for an unknown queue's nothing (a cheap round trip).
    await Promise.all(started.map((worker) => this.#ready(worker)));
    this.#idle.push(...started);
  }

  /** A fresh BoundedBuffer of `capacity` int32 slots, seen through the blocking calls. */
  queue(capacity: number): BlockingCallsQueue {
    return new BlockingCallsQueue(new BoundedBuffer({ capacity }), this, this.#queues++);
  }

  /** Makes one call on an idle worker (starting one if all are busy); settles with its outcome. */
  call(request: BlockingRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#send(request, (reply) => {
        if (reply.type === 'return') resolve(reply.value);
        else if (reply.type === 'throw') reject(reply.error);
        else reject(new Error(`unexpected reply ${JSON.stringify(reply)}`));
      });
    });
  }

  /** Runs the blocking iterator on a worker, yielding what it posts; ends when the iterator does. */
  async *iterate(request: BlockingRequest): AsyncGenerator<number> {
    const replies: BlockingReply[] = [];
    let wake: (() => void) | undefined;
    this.#send(request, (reply) => {
      replies.push(reply);
      wake?.();
    });
    for (;;) {
      const reply = replies.shift();
      if (reply === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      if (reply.type === 'yield') yield reply.value;
      else if (reply.type === 'throw') throw reply.error;
      else return;
    }
  }

  /** Terminates every worker (blocked ones too). */
  async close(): Promise<void> {
    await Promise.all(this.#all.map((worker) => worker.terminate()));
    this.#all.length = 0;
    this.#idle.length = 0;
  }

  #send(request: BlockingRequest, listener: Listener): void {
    const worker = this.#idle.pop() ?? this.#startOne();
    this.#listening.set(worker, (reply) => {
      if (reply.type !== 'yield') {
        this.#listening.delete(worker);
        if (!this.#dead.has(worker)) this.#idle.push(worker);
      }
      listener(reply);
    });
    worker.postMessage(request);
  }

  #startOne(): Worker {
    const worker = startWorker(ACTOR);
    worker.on('message', (reply: BlockingReply) => this.#listening.get(worker)?.(reply));
    worker.on('error', (error) => {
      this.#dead.add(worker);
      this.#listening.get(worker)?.({ type: 'throw', error: { name: 'Error', message: String(error) } });
    });
    this.#all.push(worker);
    return worker;
  }

  #ready(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const probe = new BoundedBuffer({ capacity: 1 });
      probe.tryPut(1);
      this.#listening.set(worker, (reply) => {
        this.#listening.delete(worker);
        if (reply.type === 'return' && reply.value === 1) resolve();
        else reject(new Error(`worker not ready: ${JSON.stringify(reply)}`));
      });
      worker.postMessage({
        queue: -1 - this.#all.indexOf(worker),
        handle: probe.handle,
        job: { call: 'getSync' },
        timeout: 0,
      } satisfies BlockingRequest);
    });
  }
}

/** The error a worker's call threw, rebuilt as the same class on this thread. */
function rebuild(thrown: ThrownError, signal: AbortSignal | undefined): unknown {
  if (thrown.abortReason) return signal?.reason;
  let error: Error;
  switch (thrown.name) {
    case 'TimeoutError':
      error = new TimeoutError(thrown.timeout ?? Number.NaN);
      break;
    case 'QueueClosedError':
      error = new QueueClosedError(thrown.message, { item: thrown.item, items: thrown.items });
      break;
    case 'TaskDoneError':
      error = new TaskDoneError();
      break;
    case 'RangeError':
      error = new RangeError(thrown.message);
      break;
    case 'TypeError':
      error = new TypeError(thrown.message);
      break;
    default:
      error = new Error(`${thrown.name}: ${thrown.message}`);
  }
  error.message = thrown.message;
  return error;
}

/** The Queue interface over one BoundedBuffer, its waiting calls made blocking in workers. */
export class BlockingCallsQueue implements Queue<number> {
  readonly #buffer: BoundedBuffer<number>;
  readonly #callers: BlockingCallers;
  readonly #id: number;

  constructor(buffer: BoundedBuffer<number>, callers: BlockingCallers, id: number) {
    this.#buffer = buffer;
    this.#callers = callers;
    this.#id = id;
  }

  get capacity(): number {
    return this.#buffer.capacity;
  }
  get size(): number {
    return this.#buffer.size;
  }
  get closed(): boolean {
    return this.#buffer.closed;
  }

  async put(item: number, options?: WaitOptions): Promise<void> {
    await this.#call({ call: 'putSync', item }, options);
  }
  tryPut(item: number): boolean {
    return this.#buffer.tryPut(item);
  }
  async putMany(items: Iterable<number>, options?: WaitOptions): Promise<void> {
    await this.#call({ call: 'putManySync', items: [...items] }, options);
  }
  async get(options?: WaitOptions): Promise<number> {
    return (await this.#call({ call: 'getSync' }, options)) as number;
  }
  tryGet(): TryGetResult<number> {
    return this.#buffer.tryGet();
  }
  async getMany(max: number, options?: WaitOptions): Promise<number[]> {
    return (await this.#call({ call: 'getManySync', max }, options)) as number[];
  }
  close(options?: CloseOptions): number[] {
    return this.#buffer.close(options);
  }
  taskDone(): void {
    this.#buffer.taskDone();
  }
  async join(options?: WaitOptions): Promise<void> {
    await this.#call({ call: 'joinSync' }, options);
  }
  [Symbol.asyncIterator](): AsyncIterator<number> {
    return this.#callers.iterate(this.#request({ call: 'iterate' }, undefined));
  }

  async #call(job: BlockingCall, options: WaitOptions | undefined): Promise<unknown> {
    const request = this.#request(job, options);
    return this.#callers.call(request).catch((thrown: ThrownError) => {
      throw rebuild(thrown, options?.signal);
    });
  }

  #request(job: BlockingCall, options: WaitOptions | undefined): BlockingRequest {
    const signal = options?.signal;
    if (signal !== undefined && !signal.aborted) {
      throw new Error('a signal that may abort later cannot reach a thread blocked in a *Sync call');
    }
    return {
      queue: this.#id,
      handle: this.#buffer.handle,
      job,
      ...(options?.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(signal?.aborted ? { aborted: true } : {}),
    };
  }
}
