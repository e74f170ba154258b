// The WorkerPool's own error classes, each with a stable `code` (as in ../errors.ts).

/** The worker running a task died (process.exit, out of memory, an uncaught error, terminate). */
export class WorkerDiedError extends Error {
  override readonly name = 'WorkerDiedError';
  readonly code = 'ERR_WORKER_DIED';
  /** The worker's exit code (1 for an uncaught error or terminate()). */
  readonly exitCode: number;
  /** The dead worker's thread id. */
  readonly threadId: number;
  constructor(threadId: number, exitCode: number, cause: unknown, what = 'the task') {
    const why =
      cause instanceof Error
        ? `${cause.name}: ${cause.message}`
        : exitCode === 0
          ? 'it exited (code 0)'
          : `it exited with code ${exitCode}`;
    super(
      `worker ${threadId} died while it held ${what} (${why}); a fresh worker took its place`,
      cause === undefined ? undefined : { cause },
    );
    this.exitCode = exitCode;
    this.threadId = threadId;
  }
}

/** The task module cannot be used: it failed to load, or its default export is not a function. */
export class TaskModuleError extends TypeError {
  override readonly name = 'TaskModuleError';
  readonly code = 'ERR_POOL_TASK_MODULE';
  readonly module: string;
  constructor(module: string, message: string, cause?: unknown) {
    super(`WorkerPool task module ${module}: ${message}`, cause === undefined ? undefined : { cause });
    this.module = module;
  }
}
