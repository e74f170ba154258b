// The package as a user's code meets it: by its name, through package.json's exports.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('the conveyor package', () => {
  it('can be require()d from CommonJS (Node >= 20.19 loads the ES module)', () => {
    expect(existsSync(`${ROOT}dist/index.js`), 'dist/ is missing: run `npm run build` (npm test does)').toBe(
      true,
    );
    const script = `
      const { BoundedBuffer, Channel, Semaphore, Mutex } = require('conveyor');
      const buffer = new BoundedBuffer({ capacity: 2 });
      buffer.putSync(41);
      console.log(JSON.stringify([buffer.getSync({ timeout: 0 }) + 1, typeof Channel, typeof Semaphore, typeof Mutex]));
    `;
    // Run from the repository, so that 'conveyor' resolves to this package by its own name.
    const out = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(JSON.parse(out)).toEqual([42, 'function', 'function', 'function']);
  });
});
