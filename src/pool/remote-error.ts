// Errors thrown by a task, carried back to the main thread through the pool's codec: name,
// message, stack, cause (recursively), code and the error's other own enumerable properties.

/** An error as plain data, JSON-safe when its extra properties are. */
export interface ErrorShape {
  name: string;
  message: string;
  stack?: string;
  code?: unknown;
  cause?: ErrorShape | { value: unknown };
  props?: Record<string, unknown>;
  /** A thrown value that is not an Error (a string, a number…). */
  thrown?: unknown;
}

const MAX_DEPTH = 8;

/** Turns what a task threw into plain data the codec can carry. */
export function toShape(error: unknown, depth = 0): ErrorShape {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: `a task threw a non-Error value: ${String(error)}`, thrown: error };
  }
  const shape: ErrorShape = { name: error.name, message: error.message, stack: error.stack };
  const { code, cause } = error as Error & { code?: unknown };
  if (code !== undefined) shape.code = code;
  if (cause !== undefined && depth < MAX_DEPTH) {
    shape.cause = cause instanceof Error ? toShape(cause, depth + 1) : { value: cause };
  }
  const props: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(error)) {
    if (key === 'code' || key === 'cause' || key === 'name' || key === 'message' || key === 'stack') continue;
    props[key] = (error as unknown as Record<string, unknown>)[key];
    any = true;
  }
  if (any) shape.props = props;
  return shape;
}

/** The shape with nothing but strings, for when the full one cannot be encoded or is too large. */
export function bareShape(shape: ErrorShape, limit: number): ErrorShape {
  return {
    name: String(shape.name).slice(0, 100),
    message: String(shape.message).slice(0, limit >> 2),
    stack: shape.stack === undefined ? undefined : String(shape.stack).slice(0, limit >> 1),
    code: typeof shape.code === 'string' || typeof shape.code === 'number' ? shape.code : undefined,
  };
}

const CONSTRUCTORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Rebuilds the error on the receiving thread: a built-in class where the name is one, else Error. */
export function fromShape(shape: ErrorShape): unknown {
  if ('thrown' in shape && shape.stack === undefined) return shape.thrown;
  const cause =
    shape.cause === undefined
      ? undefined
      : 'name' in shape.cause
        ? fromShape(shape.cause)
        : shape.cause.value;
  const Constructor = CONSTRUCTORS[shape.name] ?? Error;
  const error = new Constructor(shape.message, cause === undefined ? undefined : { cause });
  if (error.name !== shape.name) {
    Object.defineProperty(error, 'name', { value: shape.name, configurable: true, writable: true });
  }
  if (shape.stack !== undefined) error.stack = shape.stack;
  if (shape.code !== undefined) Object.assign(error, { code: shape.code });
  if (shape.props !== undefined) Object.assign(error, shape.props);
  return error;
}
