// The errors ByteRing throws once its stream has stopped, and its write timeouts, with the
// details that say how much of a write went.
import type { TimeoutError } from '../../errors.js';
import type { Deadline } from '../../sync/wait/deadline.js';
import { RingClosedError, type RingStopped } from '../errors.js';
import { ABORTED, ENDED, STATE_NAMES } from './layout.js';

export function stoppedForWrite(state: number, written: number): RingClosedError {
  const name = STATE_NAMES[state] as RingStopped;
  const why =
    state === ENDED
      ? 'the stream was ended by close()'
      : state === ABORTED
        ? 'the stream was aborted by its writer'
        : 'the reader cancelled the stream';
  return new RingClosedError(name, `cannot write to the ByteRing: ${why}`, written);
}

export function stoppedForRead(state: number): RingClosedError {
  return state === ABORTED
    ? new RingClosedError('aborted', 'the ByteRing was aborted by its writer: the stream is incomplete')
    : new RingClosedError('cancelled', 'cannot read from the ByteRing: its reader cancelled the stream');
}

export function writeTimeout(deadline: Deadline, what: string, written: number): TimeoutError {
  const error = deadline.timeoutError(what);
  // Only a write longer than the capacity can time out midway; then `written` bytes went.
  return Object.assign(error, { written });
}
