// Argument checks shared by every public constructor and method. Messages name the bad value.

/** Renders a value for an error message: `0 (number)`, `'4' (string)`, `undefined`, `an Array`. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}' (string)`;
  if (typeof value === 'bigint') return `${value}n (bigint)`;
  if (typeof value === 'object' || typeof value === 'function') {
    const name = typeof value === 'function' ? 'function' : ((value as object).constructor?.name ?? 'Object');
    // 'an' before a vowel sound: an Array, an Object, an Int32Array; but a Uint8Array, a URL.
    return `${/^(?:[AEIO]|U(?!int|RL|ser|ni))/i.test(name) ? 'an' : 'a'} ${name}`;
  }
  if (Object.is(value, -0)) return '-0 (number)'; // String(-0) is '0'
  return `${String(value)} (${typeof value})`;
}

/** An integer in [min, max]; anything else (NaN, 1.5, '4', Infinity) throws a RangeError or TypeError. */
export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** A timeout in ms: 0 tries once, Infinity waits forever, negative or NaN throws. */
export function checkTimeout(value: unknown): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (typeof value !== 'number') {
    throw new TypeError(`timeout must be a number of milliseconds (0 to Infinity), got ${describe(value)}`);
  }
  if (Number.isNaN(value) || value < 0) {
    throw new RangeError(`timeout must be a number of milliseconds (0 to Infinity), got ${describe(value)}`);
  }
  return value;
}

/** An AbortSignal or undefined. */
export function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${describe(value)}`);
  }
  return value;
}

/** An options object or undefined. */
export function checkOptions<T extends object>(value: T | undefined, name = 'options'): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  return value;
}
