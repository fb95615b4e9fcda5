/** Playwright helpers for the page tests: draw on the pad, wait for the classifier, read the bars. */
import type { Page } from 'playwright-core';
import { MobileNetServer, createServer } from '../../src/serve/server.js';
import { Launched, launchChromium } from './browser.js';
import type { BackendChoice } from '../../src/backend/index.js';

/** A run served on a free port and the page open on it in headless Chromium, with its console errors collected. */
export interface ServedPage { server: MobileNetServer; url: string; chrome: Launched; page: Page; problems: string[] }

/**
 * Serves `dir` with `backend`, opens the page and waits until it is ready; `onRequest(requestUrl, serverUrl)` sees
 * every request the page makes (listening from before the first one).
 */
export async function openServedPage(
  dir: string, backend: BackendChoice, onRequest?: (requestUrl: string, serverUrl: string) => void,
): Promise<ServedPage> {
  const server = await createServer(dir, { port: 0, backend });
  const url = await server.listen();
  const chrome = await launchChromium();
  const page = await chrome.context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  if (onRequest) page.on('request', (r) => onRequest(r.url(), url));
  await page.goto(url);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  return { server, url, chrome, page, problems };
}

/** Closes what openServedPage opened (either may be undefined when the test was skipped). */
export async function closeServedPage(s: ServedPage | undefined): Promise<void> {
  await s?.chrome.close();
  await s?.server.close();
}

/** Waits until the page has classified the current drawing and nothing is pending. */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector('#bars[data-updates]');
  for (let i = 0; i < 3; i++) {
    await page.waitForTimeout(100); // a stroke's last animation frame may still schedule a run
    await page.waitForSelector('body[data-busy="false"]');
  }
}

/** The ten probabilities shown by the bars, in class order. */
export function barProbabilities(page: Page): Promise<number[]> {
  return page.$$eval('#bars .bar', (bars) => bars.map((b) => Number((b as unknown as { dataset: { prob: string } }).dataset.prob)));
}

/** Draws one stroke through the given canvas points (canvas is 280×280 px at scale 1). */
export async function stroke(page: Page, points: Array<[number, number]>): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const [first, ...rest] = points;
  await page.mouse.move(box.x + first[0], box.y + first[1]);
  await page.mouse.down();
  for (const [x, y] of rest) await page.mouse.move(box.x + x, box.y + y, { steps: 4 });
  await page.mouse.up();
}

/**
 * Renders a 28×28 digit onto the pad with the mouse: one horizontal stroke per run of ink pixels
 * (> 127) in each row, at 10 canvas pixels per digit pixel.
 */
export async function drawDigit(page: Page, pixels: ArrayLike<number>): Promise<void> {
  for (let y = 0; y < 28; y++) {
    let x = 0;
    while (x < 28) {
      if (pixels[y * 28 + x] <= 127) { x++; continue; }
      const start = x;
      while (x < 28 && pixels[y * 28 + x] > 127) x++;
      await stroke(page, [[start * 10 + 5, y * 10 + 5], [(x - 1) * 10 + 5, y * 10 + 5]]);
    }
  }
}
