// Which real code the conveyor-buffer model (conveyor-buffer.ts) mirrors step for step, and a
// fingerprint of each piece as the model was last checked against it. The model is a copy, not
// the code: test/check/mirrors.test.ts fails as soon as any mirrored piece changes, naming it, so
// that the model is re-read against the new code (and these fingerprints renewed) before
// `conveyor check --model conveyor-buffer` may pass again.
import { createHash } from 'node:crypto';

/** A function or method in a source file: `file` from the repository root, `name` as declared. */
export interface Mirrored {
  readonly file: string;
  readonly name: string;
  /** sha256 of its text with runs of whitespace squeezed to one space (first 16 hex digits). */
  readonly fingerprint: string;
}

export const MIRRORED: readonly Mirrored[] = [
  { file: 'src/queue/bounded-buffer/ring.ts', name: 'advance', fingerprint: 'c7751134f29cb180' },
  { file: 'src/queue/bounded-buffer/ring.ts', name: 'drained', fingerprint: '520bc07e352670be' },
  { file: 'src/queue/bounded-buffer/ring.ts', name: 'claimPut', fingerprint: '75ba5907d4615c00' },
  { file: 'src/queue/bounded-buffer/ring.ts', name: 'claimGet', fingerprint: 'e0c0f6f70eb87d9c' },
  { file: 'src/queue/bounded-buffer/ring.ts', name: 'claimedByGet', fingerprint: '6e0eb62e39fd7b71' },
  { file: 'src/queue/bounded-buffer/ring.ts', name: 'setStamp', fingerprint: '011dc97fc25ff1ea' },
  { file: 'src/queue/bounded-buffer/ring.ts', name: 'publishAt', fingerprint: '98ac9ba40595e2c9' },
  { file: 'src/queue/bounded-buffer/ring.ts', name: 'freeAt', fingerprint: '5a4881a1eda3935d' },
  { file: 'src/queue/bounded-buffer/transfer.ts', name: 'putOne', fingerprint: '4a2a0afe12444ee4' },
  { file: 'src/queue/bounded-buffer/transfer.ts', name: 'getOne', fingerprint: 'ebb1acbfe37270a3' },
  { file: 'src/sync/wait/word.ts', name: 'waitSync', fingerprint: '963f00496ccbafda' },
  { file: 'src/sync/wait/word.ts', name: '#register', fingerprint: '8d72737773de08b7' },
];

/**
 * The text of the function or method `name` in `source`: from its declaration line (at any
 * indentation) to the closing brace at that same indentation. Undefined if it is not there.
 */
export function extract(source: string, name: string): string | undefined {
  const lines = source.split('\n');
  const declared = new RegExp(
    `^(\\s*)(?:export )?(?:async )?(?:function\\*? )?${escapeRegExp(name)}(?:<[^>]*>)?\\(`,
  );
  for (let i = 0; i < lines.length; i++) {
    const match = declared.exec(lines[i]!);
    if (match === null) continue;
    const closing = `${match[1]}}`;
    for (let j = i + 1; j < lines.length; j++) {
      if (lines[j] === closing) return lines.slice(i, j + 1).join('\n');
    }
  }
  return undefined;
}

export function fingerprint(text: string): string {
  return createHash('sha256').update(text.replace(/\s+/g, ' ').trim()).digest('hex').slice(0, 16);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&');
}
