// The built-in models, by name: the classic three-semaphore protocol and its broken variants,
// conveyor's own BoundedBuffer (its code, run by the explorer), and its ByteRing. Each is built
// from the same four parameters. Old names stay accepted as aliases (MODEL_ALIASES).

import { BYTE_RING_VARIANTS, type ByteRingVariant, byteRingModel } from './byte-ring-model.js';
import {
  CONVEYOR_BUFFER_VARIANTS,
  type ConveyorBufferVariant,
  conveyorBufferModel,
  isLaneModel,
} from './conveyor-buffer.js';
import { ModelError } from './errors.js';
import { MAX_ITEMS_PER_PRODUCER, type Model, type ModelParams } from './model.js';
import {
  THREE_SEMAPHORE_VARIANTS,
  type ThreeSemaphoreVariant,
  threeSemaphoreModel,
} from './three-semaphores.js';

export const MODELS: Readonly<Record<string, string>> = {
  ...THREE_SEMAPHORE_VARIANTS,
  ...CONVEYOR_BUFFER_VARIANTS,
  ...BYTE_RING_VARIANTS,
};

/**
 * Other names a model is known by: `seed` was the three-semaphore model's name (after the
 * founding program it comes from) until it was renamed for what it is. buildModel, --model and
 * --replay accept them; a model built by an alias carries the alias as its name, so its
 * schedules (`seed:2,2,2,2:…`) replay as before.
 */
export const MODEL_ALIASES: Readonly<Record<string, string>> = { seed: 'three-semaphores' };

/** The model a name (or an alias) stands for; a name that is neither comes back unchanged. */
export function modelName(name: string): string {
  return Object.hasOwn(MODEL_ALIASES, name) ? MODEL_ALIASES[name] : name;
}

/** The parameters `conveyor check` uses when none are given (the three-semaphore models). */
export const DEFAULT_PARAMS: Readonly<ModelParams> = { producers: 2, consumers: 2, capacity: 2, items: 2 };

/**
 * The defaults for conveyor's BoundedBuffer models, which run its own code (conveyor-buffer.ts),
 * one step per shared-memory access: two producers racing for TAIL and a consumer, complete in
 * about 23,000 states (under a second). Larger sizes grow fast (two producers with capacity 1,
 * 1.4 million states; 2 of each, over 3 million): give them --max-preemptions.
 */
export const CONVEYOR_BUFFER_DEFAULT_PARAMS: Readonly<ModelParams> = {
  producers: 2,
  consumers: 1,
  capacity: 2,
  items: 1,
};

/** The parameters a model is explored with when none are given: chosen so that the search completes. */
export function defaultParams(asked: string): Readonly<ModelParams> {
  const name = modelName(asked);
  // The lane has one producer and one consumer; capacity 2 and 3 items each wrap around it.
  if (isLaneModel(name)) return { producers: 1, consumers: 1, capacity: 2, items: 3 };
  if (Object.hasOwn(CONVEYOR_BUFFER_VARIANTS, name)) return CONVEYOR_BUFFER_DEFAULT_PARAMS;
  // The ByteRing models have one writer and one reader: those are their defaults.
  if (Object.hasOwn(BYTE_RING_VARIANTS, name))
    return { ...DEFAULT_PARAMS, producers: 1, consumers: 1, items: 4 };
  return DEFAULT_PARAMS;
}

/** Limits on the parameters (larger models take too long to explore anyway). */
export const PARAM_LIMITS: Readonly<Record<keyof ModelParams, readonly [number, number]>> = {
  producers: [1, 8],
  consumers: [1, 8],
  capacity: [1, 8],
  items: [1, MAX_ITEMS_PER_PRODUCER],
};

/** Builds a built-in model; throws ModelError naming the bad name or parameter. */
export function buildModel(asked: string, params: Partial<ModelParams> = {}): Model {
  const name = modelName(asked);
  if (!Object.hasOwn(MODELS, name)) {
    throw new ModelError(
      `unknown model '${String(asked)}'; the models are: ${Object.keys(MODELS).join(', ')}`,
    );
  }
  const full = { ...defaultParams(name), ...params };
  for (const key of Object.keys(PARAM_LIMITS) as (keyof ModelParams)[]) {
    const [min, max] = PARAM_LIMITS[key];
    const value = full[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ModelError(
        `${key} must be an integer from ${min} to ${max}, got ${String(value)} (${typeof value})`,
      );
    }
  }
  if (Object.hasOwn(THREE_SEMAPHORE_VARIANTS, name)) {
    const model = threeSemaphoreModel(name as ThreeSemaphoreVariant, full);
    return asked === name ? model : { ...model, name: asked };
  }
  if (Object.hasOwn(BYTE_RING_VARIANTS, name)) return byteRingModel(name as ByteRingVariant, full);
  return conveyorBufferModel(name as ConveyorBufferVariant, full);
}
