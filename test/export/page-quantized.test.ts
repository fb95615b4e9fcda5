/**
 * A uint8-quantized run in the browser: `serve` hands the page the run's own model.json and quantized
 * shard, stock tf.loadLayersModel in headless Chromium dequantizes it, and the page's answers match the
 * server's (which dequantized the same file in Node).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { exportTfjs } from '../../src/export/tfjs-export.js';
import type { MobileNetServer } from '../../src/serve/server.js';
import { webDistDir } from '../../src/serve/static-files.js';
import { browserSkipReason } from '../serve/browser.js';
import { makeRunDir, removeDir } from '../serve/fixture.js';
import { ServedPage, barProbabilities, closeServedPage, openServedPage, settled, stroke } from '../serve/page-helpers.js';

const skip = browserSkipReason(webDistDir());
let dir: string;
let quantized: string;
let served: ServedPage | undefined;
let server: MobileNetServer;
let url: string;
let page: Page;
let problems: string[] = [];
const requests: string[] = [];

before(async () => {
  if (skip) return;
  dir = await makeRunDir();
  quantized = (await exportTfjs(dir, { quantize: 'uint8' })).dir;
  served = await openServedPage(quantized, 'cpu', (r) => requests.push(new URL(r).pathname));
  ({ server, url, page, problems } = served);
});

after(async () => {
  await closeServedPage(served);
  for (const d of [dir, quantized]) if (d) await removeDir(d);
});

test('the page loads the uint8 shards with stock tf.loadLayersModel and agrees with the server', { skip: skip ?? false }, async () => {
  assert.equal(await page.getAttribute('body', 'data-ready'), 'true', await page.textContent('#status') ?? '');
  assert.ok(requests.includes('/model/group1-shard1of1.bin'), `requests: ${requests.join(' ')}`);
  assert.ok(!requests.includes('/model/weights.bin'));
  const manifest = await (await fetch(`${url}/model/model.json`)).json() as { weightsManifest: Array<{ weights: Array<{ quantization?: { dtype: string } }> }> };
  assert.ok(manifest.weightsManifest[0].weights.every((w) => w.quantization?.dtype === 'uint8'));
  await stroke(page, [[80, 60], [200, 60], [120, 240]]);
  await settled(page);
  const local = await barProbabilities(page);
  await page.check('#use-api');
  await page.waitForFunction(() => /by the API/.test(String(eval("document.getElementById('source').textContent"))));
  await settled(page);
  const api = await barProbabilities(page);
  assert.ok(Math.max(...local.map((v, i) => Math.abs(v - api[i]))) < 1e-3, `browser ${local} vs API ${api}`);
  assert.deepEqual(problems, []);
});
