// The page's "run again" form and `conveyor run`'s flags are one thing: the form's fields become
// flags and go through parseRunArgs, so the page gets the same checks and the same messages.
import { parseRunArgs, type RunOptions, UsageError } from '../run/options.js';

/** Form field → flag. Only these fields are accepted. */
export const FORM_FLAGS: Readonly<Record<string, string>> = {
  items: '--items',
  capacity: '--capacity',
  producers: '--producers',
  consumers: '--consumers',
  produceMs: '--produce-ms',
  consumeMs: '--consume-ms',
  seed: '--seed',
  timeScale: '--time-scale',
  mode: '--mode',
};

/** The form's fields for `options`, as text (a sleep range is `MIN-MAX`). */
export function formValues(options: RunOptions): Record<string, string> {
  const range = (r: { min: number; max: number }) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`);
  return {
    items: String(options.items),
    capacity: String(options.capacity),
    producers: String(options.producers),
    consumers: String(options.consumers),
    produceMs: range(options.produceMs),
    consumeMs: range(options.consumeMs),
    seed: String(options.seed),
    timeScale: String(options.timeScale),
    mode: options.mode,
  };
}

/**
 * New options from a submitted form; fields left out keep `base`'s values, and the outputs
 * (--trace, --chart, --quiet) always stay `base`'s. Throws UsageError naming a bad field or value.
 */
export function optionsFromForm(body: unknown, base: RunOptions): RunOptions {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UsageError('the form must be a JSON object of fields');
  }
  const fields = { ...formValues(base) };
  for (const [key, value] of Object.entries(body)) {
    if (!Object.hasOwn(FORM_FLAGS, key)) throw new UsageError(`unknown field '${key}'`);
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new UsageError(`${FORM_FLAGS[key]} must be text or a number, got ${typeof value}`);
    }
    fields[key] = String(value).trim();
  }
  const argv = Object.entries(fields).flatMap(([key, value]) => [`${FORM_FLAGS[key]}=${value}`]);
  const parsed = parseRunArgs(argv);
  if (parsed.kind !== 'run') throw new UsageError('the form asked for no run');
  return { ...parsed.options, trace: base.trace, chart: base.chart, json: false, quiet: base.quiet };
}
