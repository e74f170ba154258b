// Errors particular to RedisBuffer, each a class with a stable `code` like those of src/errors.ts.

/** The Redis server could not be reached, or refused the credentials, within the connect timeout. */
export class RedisConnectError extends Error {
  override readonly name = 'RedisConnectError';
  readonly code: 'ERR_REDIS_CONNECT' | 'ERR_REDIS_AUTH';
  constructor(code: 'ERR_REDIS_CONNECT' | 'ERR_REDIS_AUTH', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A queue of this name already exists in Redis with another capacity, codec or size limit. */
export class QueueMismatchError extends Error {
  override readonly name = 'QueueMismatchError';
  readonly code = 'ERR_QUEUE_MISMATCH';
}

/** An item stored in Redis could not be decoded; it was moved to the dead-letter list. */
export class ItemDecodeError extends Error {
  override readonly name = 'ItemDecodeError';
  readonly code = 'ERR_ITEM_DECODE';
  readonly id: string;
  constructor(id: string, reason: string) {
    super(`item ${id} cannot be decoded: ${reason}`);
    this.id = id;
  }
}
