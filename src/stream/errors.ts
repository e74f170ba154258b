// Error classes of the byte streams (ByteRing and its adapters). Each has a stable `code`.

/** A second writer (or reader) tried to attach to a ByteRing that already has one. */
export class RingRoleError extends Error {
  override readonly name = 'RingRoleError';
  readonly code = 'ERR_RING_ROLE_TAKEN';
  /** The role that was refused. */
  readonly role: 'writer' | 'reader';
  constructor(role: 'writer' | 'reader', message: string) {
    super(message);
    this.role = role;
  }
}

/** How a ByteRing stopped: ended by its writer, aborted by its writer, or cancelled by its reader. */
export type RingStopped = 'ended' | 'aborted' | 'cancelled';

/**
 * The stream has stopped: a write after the end, a write after the reader cancelled, a read after
 * the writer aborted (or after this reader cancelled). `state` says which.
 */
export class RingClosedError extends Error {
  override readonly name = 'RingClosedError';
  readonly code = 'ERR_RING_CLOSED';
  readonly state: RingStopped;
  /** For a failed write: how many of its bytes were published before it failed. */
  readonly written: number;
  constructor(state: RingStopped, message: string, written = 0) {
    super(message);
    this.state = state;
    this.written = written;
  }
}

/** An async read or write was called while the previous one on the same side had not finished. */
export class RingBusyError extends Error {
  override readonly name = 'RingBusyError';
  readonly code = 'ERR_RING_BUSY';
}
