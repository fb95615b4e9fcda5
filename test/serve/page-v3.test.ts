/**
 * A MobileNet V3 run on the page in headless Debian chromium: stock TF.js in the browser loads the V3
 * model.json (hard-swish, hard-sigmoid and squeeze-and-excitation as stock Rescaling/ReLU/Multiply
 * layers) and classifies a stroke; its probabilities agree with the server's, which computes on
 * 'onednn' (the native hard-swish / SE paths) when the addon is built.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { nativeAvailable } from '../../src/backend/index.js';
import type { MobileNetServer } from '../../src/serve/server.js';
import { webDistDir } from '../../src/serve/static-files.js';
import { browserSkipReason } from './browser.js';
import { makeRunDir, removeDir } from './fixture.js';
import { ServedPage, barProbabilities, closeServedPage, openServedPage, settled, stroke } from './page-helpers.js';

const skip = browserSkipReason(webDistDir());
const serverBackend = nativeAvailable().available ? 'onednn' : 'cpu';
let dir: string;
let served: ServedPage | undefined;
let server: MobileNetServer;
let url: string;
let page: Page;
let problems: string[] = [];

before(async () => {
  if (skip) return;
  dir = await makeRunDir({ arch: 'v3-small' });
  served = await openServedPage(dir, serverBackend);
  ({ server, url, page, problems } = served);
});

after(async () => {
  await closeServedPage(served);
  if (dir) await removeDir(dir);
});

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

test('a V3 run loads in the browser and a stroke is classified as the server does', { skip: skip ?? false }, async () => {
  assert.equal(await page.getAttribute('body', 'data-ready'), 'true', await page.textContent('#status') ?? '');
  assert.match(await page.textContent('#status') ?? '', /v3-small/);
  await stroke(page, [[80, 60], [200, 60], [120, 240]]); // a "7"
  await settled(page);
  const local = await barProbabilities(page);
  assert.equal(local.length, 10);
  assert.ok(Math.abs(local.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  assert.ok(Math.max(...local) - Math.min(...local) > 1e-3, `the answer depends on the input: ${local}`);
  await page.check('#use-api');
  await page.waitForFunction(() => /by the API/.test(String(eval("document.getElementById('source').textContent"))));
  await settled(page);
  const api = await barProbabilities(page);
  assert.ok(maxDiff(local, api) < 1e-3, `browser ${local} vs API (${serverBackend}) ${api}`);
  await page.uncheck('#use-api');
  assert.deepEqual(problems, []);
});

test('the model view lists every V3 layer', { skip: skip ?? false }, async () => {
  await page.click('#tab-model');
  const rows = await page.locator('#model-info table').last().locator('tr').count();
  assert.equal(rows - 1, server.run.model.layers.length);
  assert.match(await page.textContent('#model-info') ?? '', /expanded_conv_squeeze_excite_mul/);
  assert.deepEqual(problems, []);
});
