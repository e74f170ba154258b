// What a waiting helper answers besides a result: the attempt did not succeed yet, or the
// deadline passed first. Symbols, so that no result (a number, an item) can be mistaken for them.

/** Returned by an attempt (or condition) that does not hold yet. */
export const NOT_YET: unique symbol = Symbol('not yet');
/** Returned by the wait helpers when the deadline passed first. */
export const TIMED_OUT: unique symbol = Symbol('timed out');
