import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand } from '../run/helpers.js';
import { launchChromium, MUST_RUN, screenshotDir, serve, watchErrors } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-view-'));

function conveyor(args: string[]) {
  return spawnSync(process.execPath, [...cliCommand(), ...args], { encoding: 'utf8', timeout: 20_000 });
}

describe.skipIf(!MUST_RUN)('conveyor view in Chromium', () => {
  let browser: Browser;
  let shots: string;
  beforeAll(async () => {
    browser = await launchChromium();
    shots = screenshotDir();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('replays a no-mutex counterexample to its violation, which the page marks, and steps by keyboard', async () => {
    const check = conveyor(['check', '--model', 'no-mutex', '--json']);
    expect(check.status).toBe(1); // a violation
    const file = join(dir, 'no-mutex.json');
    writeFileSync(file, check.stdout);
    const verdict = JSON.parse(check.stdout);
    const served = await serve(['view', file]);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);
    try {
      await page.goto(served.url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      const steps = await page.locator('#steps li').count();
      expect(steps).toBeGreaterThan(1);
      expect(await page.locator('#title').textContent()).toContain('model no-mutex');
      expect(await page.locator('body').getAttribute('data-step')).toBe('1');

      // Keyboard: → forward, ← back, End last, Home first, V the violation.
      await page.locator('body').press('ArrowRight');
      await page.locator('body').press('ArrowRight');
      expect(await page.locator('body').getAttribute('data-step')).toBe('3');
      await page.locator('body').press('ArrowLeft');
      expect(await page.locator('body').getAttribute('data-step')).toBe('2');
      await page.locator('body').press('End');
      expect(await page.locator('body').getAttribute('data-step')).toBe(String(steps));
      await page.locator('body').press('Home');
      expect(await page.locator('body').getAttribute('data-step')).toBe('1');
      await page.locator('body').press('v');

      // The violation: the last step, marked in the list, explained above, p2 the thread that moved.
      const body = page.locator('body');
      expect(await body.getAttribute('data-at-violation')).toBe('true');
      expect(await body.getAttribute('data-step')).toBe(String(steps));
      expect(steps).toBe(verdict.violation.trace.length);
      const marked = page.locator('#steps li[data-violation="true"]');
      expect(await marked.count()).toBe(1);
      expect(await marked.getAttribute('data-step')).toBe(String(steps));
      expect(await page.locator('#violation-text').textContent()).toContain(verdict.violation.message);
      expect(await page.locator('#violation-title').textContent()).toContain('lost-item');
      expect(await page.locator('.thread[data-moved="true"] .name').textContent()).toBe(
        verdict.violation.thread,
      );
      // The memory shows the slot the two producers both wrote to, still holding p1's item.
      expect(await page.locator('#memory .slot[data-filled="true"]').first().textContent()).toContain('p1#1');
      await page.screenshot({ path: join(shots, 'view-violation.png'), fullPage: true });

      // Tab reaches the step controls, and Enter on a focused button steps.
      await page.locator('#back').focus();
      await page.keyboard.press('Enter');
      expect(await body.getAttribute('data-step')).toBe(String(steps - 1));
      expect(await body.getAttribute('data-at-violation')).toBe('false');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      expect(await served.stop()).toBe(0);
    }
  });

  it('replays a run trace with its rebuilt buffer: full while the producer waits on empty, empty at the end', async () => {
    const file = join(dir, 'run.jsonl');
    const run = conveyor([
      'run',
      '--capacity',
      '3',
      '--items',
      '8',
      '--consume-ms',
      '50',
      '--produce-ms',
      '5',
      '--time-scale',
      '0.2',
      '--quiet',
      '--trace',
      file,
    ]);
    expect(run.status).toBe(0);
    const served = await serve(['view', file, '--capacity', '3']);
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors = watchErrors(page);
    try {
      await page.goto(served.url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      const body = page.locator('body');
      // Step forward by keyboard until the producer waits on empty: every slot is then taken.
      const producer = page.locator('.thread[data-actor="producer-1"]');
      for (let i = 0; i < 40 && (await producer.getAttribute('data-on')) !== 'empty'; i++)
        await body.press('ArrowRight');
      expect(await producer.textContent()).toContain('waiting on empty');
      expect(await page.locator('#memory .slot[data-filled="true"]').count()).toBe(3);
      expect(await page.locator('#memory dd[data-name="empty"]').textContent()).toMatch(/^0/);
      await page.screenshot({ path: join(shots, 'view-trace-full.png'), fullPage: true });
      await body.press('End');
      expect(await page.locator('#memory .slot[data-filled="true"]').count()).toBe(0);
      expect(await page.locator('.thread[data-state="done"]').count()).toBe(2);
      expect(await page.locator('#violation').isHidden()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      expect(await served.stop()).toBe(0);
    }
  });

  it('shows a bad file as a clear error in the terminal and on the page', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      '{"t":0,"actor":"producer-1","event":"produced","item":1,"occupancy":1}\nnot json at all\n',
    );
    const expected = `${file}, line 2: not JSON: not json at all`;
    const served = await serve(['view', file]);
    const page = await browser.newPage();
    const errors = watchErrors(page);
    try {
      expect(served.stderr()).toContain(`conveyor view: ${expected}`);
      await page.goto(served.url);
      await page.waitForSelector('body[data-ready="error"]', { timeout: 10_000 });
      expect(await page.locator('#error').isVisible()).toBe(true);
      expect(await page.locator('#error').textContent()).toContain(expected);
      await page.screenshot({ path: join(shots, 'view-bad-file.png') });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      expect(await served.stop()).toBe(1); // the file was bad at its last read
    }
  });
});
