// What `conveyor view` hands the page: a file's steps, each with the memory after it, the state of
// every thread, and the step where a check broke (if one did).
import type { MemorySnapshot } from '../check/machine.js';

/** One step of a replay: the thread that moved, what it did, and everything after it. */
export interface ViewStep {
  /** 1-based. */
  step: number;
  /** The thread (counterexample) or actor (trace) that moved. */
  thread: string;
  /** `acquire(empty)`, `buffer[0] := p2#1`, `produced 7`, `wait on empty`. */
  action: string;
  /** Milliseconds since the run's start (traces only). */
  t?: number;
  /** Shared memory after the step. */
  memory: MemorySnapshot;
  /** Every thread's state after the step: `running`, `blocked on acquire(empty)`, `done`, … */
  threads: Record<string, string>;
}

export interface ViewViolation {
  /** The step that broke the check; for a property of the final state, the last step. */
  step: number;
  kind: string;
  message: string;
  /** The thread whose step broke it, or null for a state (deadlock, missing items). */
  thread: string | null;
}

export interface ViewDoc {
  kind: 'counterexample' | 'trace';
  /** The file's name as given on the command line. */
  file: string;
  /** One line: the model and its parameters, or the trace's actors and capacity. */
  title: string;
  /** The thread names, in order. */
  threads: string[];
  /** True when the memory is rebuilt from a trace's events rather than read off a model's state. */
  derived: boolean;
  /** How to read this file's memory (which parts are derived, what was inferred). */
  notes: string[];
  steps: ViewStep[];
  violation: ViewViolation | null;
}

/** A file that `conveyor view` cannot show; the message names the file and what is wrong. */
export class ViewFileError extends Error {
  override readonly name = 'ViewFileError';
  readonly code = 'ERR_CONVEYOR_VIEW_FILE';
}
