// Error classes of the schedule explorer. Each failure is a fresh instance with a stable `code`.

/** A model is malformed: an unknown name, a bad parameter, a step naming memory it did not declare. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  readonly code = 'ERR_CHECK_MODEL';
}

/** A schedule string cannot be parsed or does not fit its model (a blocked or unknown thread). */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
  readonly code = 'ERR_CHECK_SCHEDULE';
}
