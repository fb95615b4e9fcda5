/**
 * A uint8-quantized run in the browser: `serve` hands the page the run's own model.json and quantized
 * shard, stock tf.loadLayersModel in headless Chromium dequantizes it, and the page's answers match the
 * server's (which dequantized the same file in Node).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { exportTfjs } from '../../src/export/tfjs-export.js';
import { MobileNetServer, createServer } from '../../src/serve/server.js';
import { webDistDir } from '../../src/serve/static-files.js';
import { Launched, browserSkipReason, launchChromium } from '../serve/browser.js';
import { makeRunDir, removeDir } from '../serve/fixture.js';
import { barProbabilities, settled, stroke } from '../serve/page-helpers.js';

const skip = browserSkipReason(webDistDir());
let dir: string;
let quantized: string;
let server: MobileNetServer;
let url: string;
let chrome: Launched;
let page: Page;
const requests: string[] = [];
const problems: string[] = [];

before(async () => {
  if (skip) return;
  dir = await makeRunDir();
  quantized = (await exportTfjs(dir, { quantize: 'uint8' })).dir;
  server = await createServer(quantized, { port: 0, backend: 'cpu' });
  url = await server.listen();
  chrome = await launchChromium();
  page = await chrome.context.newPage();
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
});

after(async () => {
  await chrome?.close();
  await server?.close();
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
