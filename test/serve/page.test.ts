/**
 * The browser page in headless Debian chromium (playwright-core): loads offline with no console errors,
 * a stroke gives ten probabilities summing to 1, the API toggle and the server's PNG path agree with the
 * in-browser model, and the model view shows the layer table and curves.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { MobileNetServer } from '../../src/serve/server.js';
import { webDistDir } from '../../src/serve/static-files.js';
import { browserSkipReason } from './browser.js';
import { makeRunDir, removeDir } from './fixture.js';
import { ServedPage, barProbabilities, closeServedPage, openServedPage, settled, stroke } from './page-helpers.js';

const skip = browserSkipReason(webDistDir());
let dir: string;
let served: ServedPage | undefined;
let server: MobileNetServer;
let url: string;
let page: Page;
let problems: string[] = [];
const external: string[] = [];

before(async () => {
  if (skip) return;
  dir = await makeRunDir();
  served = await openServedPage(dir, 'cpu', (r, base) => {
    if (!r.startsWith(base) && !r.startsWith('data:')) external.push(r);
  });
  ({ server, url, page, problems } = served);
});

after(async () => {
  await closeServedPage(served);
  if (dir) await removeDir(dir);
});

const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

test('the page loads offline with no console errors, on a TF.js backend', { skip: skip ?? false }, async () => {
  assert.equal(await page.getAttribute('body', 'data-ready'), 'true', await page.textContent('#status') ?? '');
  assert.match(await page.getAttribute('body', 'data-backend') ?? '', /^(webgl|wasm|cpu)$/);
  assert.equal(await page.locator('#bars .bar').count(), 10);
  assert.deepEqual(external, [], 'no request leaves the server');
  assert.deepEqual(problems, []);
});

test('a stroke yields ten probabilities summing to 1', { skip: skip ?? false }, async () => {
  await stroke(page, [[140, 40], [150, 140], [140, 240]]);
  await settled(page);
  const p = await barProbabilities(page);
  assert.equal(p.length, 10);
  assert.ok(p.every((v) => v >= 0 && v <= 1), JSON.stringify(p));
  assert.ok(Math.abs(sum(p) - 1) < 1e-4, `sum ${sum(p)}`);
  assert.deepEqual(problems, []);
});

test('the API toggle and a PNG upload of the canvas agree with the in-browser model', { skip: skip ?? false }, async () => {
  await page.click('#clear');
  await stroke(page, [[80, 60], [200, 60], [120, 240]]); // a "7"
  await settled(page);
  const local = await barProbabilities(page);
  assert.match(await page.textContent('#source') ?? '', /in the browser/);
  await page.check('#use-api');
  await page.waitForFunction(() => /by the API/.test(String(eval("document.getElementById('source').textContent"))));
  await settled(page);
  const api = await barProbabilities(page);
  assert.ok(maxDiff(local, api) < 1e-3, `browser ${local} vs API ${api}`);
  await page.uncheck('#use-api');
  const png: string = await page.evaluate("document.getElementById('pad').toDataURL('image/png')");
  const res = await fetch(`${url}/v1/predict`, {
    method: 'POST', headers: { 'content-type': 'image/png' }, body: Buffer.from(png.split(',')[1], 'base64'),
  });
  const top = ((await res.json()) as { top: Array<{ label: string; probability: number }> }).top;
  const server = Array.from({ length: 10 }, (_, i) => top.find((t) => t.label === String(i))!.probability);
  assert.ok(maxDiff(local, server) < 1e-3, `browser ${local} vs server PNG path ${server}`);
  assert.deepEqual(problems, []);
});

test('clear empties the bars; the model view shows the layer table, cost and curves', { skip: skip ?? false }, async () => {
  await page.click('#clear');
  assert.equal(await page.locator('#bars .bar[data-prob]').count(), 0);
  await page.click('#tab-model');
  assert.equal(await page.isVisible('#view-model'), true);
  assert.equal(await page.isVisible('#pad'), false, 'the drawing view is hidden');
  const rows = await page.locator('#model-info table').last().locator('tr').count();
  assert.equal(rows - 1, server.run.model.layers.length);
  assert.equal(await page.locator('#model-info .curves svg polyline').count(), 4);
  assert.match(await page.textContent('#model-info') ?? '', /Mult-adds/);
  await page.click('#tab-draw');
  assert.equal(await page.isVisible('#pad'), true);
  assert.equal(await page.isVisible('#view-model'), false);
  assert.deepEqual(problems, []);
});
