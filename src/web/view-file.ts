// Reads the one file `conveyor view` was given and turns it into steps: a `conveyor check --json`
// result (one JSON object) or a `conveyor run --trace` file (JSON lines). Anything else is a
// ViewFileError whose message names the file and what is wrong with it.
import { readFileSync, statSync } from 'node:fs';
import { counterexampleDoc, isCheckResult } from './counterexample.js';
import { parseTraceText, traceDoc } from './trace-steps.js';
import { type ViewDoc, ViewFileError } from './view-doc.js';

/** Larger files are refused: a page cannot step through them usefully anyway. */
export const MAX_VIEW_FILE_BYTES = 64 * 1024 * 1024;

export interface ViewFileOptions {
  /** The run's capacity, for a trace (which does not record it). */
  capacity?: number;
}

export function loadViewFile(file: string, options: ViewFileOptions = {}): ViewDoc {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_VIEW_FILE_BYTES) {
      throw new ViewFileError(
        `${file}: ${size} bytes is more than the ${MAX_VIEW_FILE_BYTES} bytes conveyor view reads`,
      );
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ViewFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'a directory, not a file'
          : (error as Error).message;
    throw new ViewFileError(`${file}: cannot read it: ${why}`);
  }
  return viewDocFromText(file, text, options);
}

export function viewDocFromText(file: string, text: string, options: ViewFileOptions = {}): ViewDoc {
  const trimmed = text.trim();
  if (trimmed === '') throw new ViewFileError(`${file}: the file is empty`);
  // One JSON object over the whole file: a check result. Otherwise, JSON lines: a trace.
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    whole = undefined;
  }
  if (isCheckResult(whole)) return counterexampleDoc(file, whole);
  if (whole !== undefined && !(typeof whole === 'object' && whole !== null && 'event' in whole)) {
    throw new ViewFileError(
      `${file}: neither a conveyor check --json result (no 'schedule') nor a conveyor run --trace file (no 'event')`,
    );
  }
  return traceDoc(file, parseTraceText(file, text), options.capacity);
}
