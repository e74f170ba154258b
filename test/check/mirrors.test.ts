// The conveyor-buffer model is a copy of the real ring: this test fails when any piece of code it
// mirrors changes (src/check/mirrors.ts), so the model cannot silently check an algorithm that no
// longer exists. It also shows the tripwire trips: a one-token change to a copy of claimPut.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extract, fingerprint, MIRRORED } from '../../src/check/mirrors.js';

const root = new URL('../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');

describe('the code the conveyor-buffer model mirrors', () => {
  it.each(MIRRORED.map((m) => [`${m.file} ${m.name}`, m] as const))(
    '%s is as the model was last checked against it',
    (_label, mirrored) => {
      const text = extract(read(mirrored.file), mirrored.name);
      expect(text, `${mirrored.name} is gone from ${mirrored.file}: update the model`).toBeDefined();
      expect(
        fingerprint(text!),
        `${mirrored.file} ${mirrored.name} changed: re-read src/check/conveyor-buffer.ts against it, then renew its fingerprint in src/check/mirrors.ts`,
      ).toBe(mirrored.fingerprint);
    },
  );

  it('trips on a one-token change (publish with position + 2 instead of + 1)', () => {
    const ring = read('src/queue/bounded-buffer/ring.ts');
    const original = extract(ring, 'publishAt')!;
    const broken = extract(
      ring.replace('position + 1); // publish the item', 'position + 2); // publish the item'),
      'publishAt',
    )!;
    expect(broken).not.toBe(original);
    expect(fingerprint(broken)).not.toBe(fingerprint(original));
    expect(fingerprint(`  ${original.replace(/\n/g, '\n   ')}`)).toBe(fingerprint(original)); // re-indenting is no change
  });
});
