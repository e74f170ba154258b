// `conveyor check`: a schedule explorer for producer-consumer protocols.
export { ModelError, ScheduleError } from './errors.js';
export {
  type ExploreOptions,
  type ExploreStats,
  explore,
  type Replay,
  replay,
  type TraceStep,
  type Verdict,
  type Violation,
  type ViolationKind,
} from './explore.js';
export type { MemorySnapshot } from './machine.js';
export {
  itemName,
  itemOf,
  type MemorySpec,
  type MemoryView,
  type Model,
  type ModelParams,
  type Ref,
  type Step,
  type ThreadBody,
  ThreadContext,
  type ThreadSpec,
} from './model.js';
export { buildModel, DEFAULT_PARAMS, MODEL_ALIASES, MODELS } from './models.js';
export { formatSchedule, type ParsedSchedule, parseSchedule } from './schedule.js';
