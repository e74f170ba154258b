import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, MUST_RUN, screenshotDir, serve, watchErrors } from './helpers.js';

// The functions below run in the page; the test program itself is type-checked without the DOM.
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & { length: number };
  documentElement: { scrollWidth: number };
};

/** The buffer is full and every producer is waiting on `empty`, on the page. */
function fullAndProducerWaiting(page: Page, capacity: number) {
  return page.waitForFunction(
    (capacity) => {
      const slots = [...document.querySelectorAll('#slots .slot')];
      const producer = document.querySelector('.thread[data-actor="producer-1"]');
      return (
        slots.length === capacity &&
        slots.every((s) => s.getAttribute('data-filled') === 'true') &&
        producer?.getAttribute('data-state') === 'waiting' &&
        producer.getAttribute('data-on') === 'empty' &&
        producer.textContent?.includes('waiting on empty')
      );
    },
    capacity,
    { timeout: 15_000, polling: 50 },
  );
}

describe.skipIf(!MUST_RUN)('conveyor run --web in Chromium', () => {
  let browser: Browser;
  let shots: string;
  beforeAll(async () => {
    browser = await launchChromium();
    shots = screenshotDir();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the buffer fill until the producer waits on empty, and runs again with the form’s values', async () => {
    // A producer ten times faster than the consumer: the 4 slots fill within a few items and the
    // producer then waits on `empty` for most of each of the consumer's 600 ms sleeps.
    const served = await serve([
      'run',
      '--web',
      '--quiet',
      '--capacity',
      '4',
      '--items',
      '40',
      '--produce-ms',
      '20',
      '--consume-ms',
      '600',
    ]);
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = watchErrors(page);
    try {
      await page.goto(served.url);
      await fullAndProducerWaiting(page, 4);
      expect(await page.locator('#occupancy').textContent()).toBe('4 / 4');
      expect(Number(await page.locator('#produced').textContent())).toBeGreaterThanOrEqual(4);
      expect(await page.locator('.thread[data-actor="consumer-1"]').count()).toBe(1);
      // The chart has grown past its first point.
      expect(await page.locator('#chart path.area').getAttribute('d')).toMatch(/L[1-9]/);
      await page.screenshot({ path: join(shots, 'live-full.png'), fullPage: true });

      // A bad value: the page says what is wrong, and the run goes on.
      await page.locator('input[name="capacity"]').fill('0');
      await page.locator('#run-again').click();
      await page.waitForSelector('#form-error:not([hidden])', { timeout: 5000 });
      expect(await page.locator('#form-error').textContent()).toBe(
        "--capacity must be an integer from 1 to 1048576, got '0'",
      );

      // Run again with 3 slots and two consumers, from the form and the keyboard alone.
      await page.locator('input[name="capacity"]').fill('3');
      await page.locator('input[name="consumers"]').fill('2');
      await page.locator('input[name="consumers"]').press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('#slots .slot').length === 3, null, {
        timeout: 10_000,
      });
      expect(await page.locator('#form-error').isHidden()).toBe(true);
      expect(await page.locator('.thread[data-actor="consumer-2"]').count()).toBe(1);
      await fullAndProducerWaiting(page, 3);
      await page.screenshot({ path: join(shots, 'live-run-again.png'), fullPage: true });

      // A phone's width: the page still shows the buffer and the threads without sideways scrolling.
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(shots, 'live-phone.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      expect(await served.stop()).toBe(0);
    }
  });
});
