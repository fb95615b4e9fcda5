/**
 * Issue 12, defect 9: the page's Model view draws a one-epoch run's training curves from the points within
 * the epoch (curve.json, as report.html does), not one invisible point per epoch.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createServer } from '../../src/serve/server.js';
import { webDistDir } from '../../src/serve/static-files.js';
import { browserSkipReason, launchChromium } from './browser.js';
import { makeRunDir, removeDir } from './fixture.js';

const skip = browserSkipReason(webDistDir());

test('a one-epoch run shows its within-epoch training curve in the Model view', { skip: skip ?? false }, async () => {
  const dir = await makeRunDir();
  await fs.writeFile(path.join(dir, 'history.json'), JSON.stringify([
    { epoch: 1, trainLoss: 0.4, trainAcc: 0.88, valLoss: null, valAcc: null, lr: 0.01, seconds: 60 },
  ]));
  const curve = Array.from({ length: 20 }, (_, i) => [(i + 1) / 20, 2.3 / (i + 1), 0.1 + 0.04 * i]);
  await fs.writeFile(path.join(dir, 'curve.json'), JSON.stringify(curve));
  const server = await createServer(dir, { port: 0, backend: 'cpu' });
  const url = await server.listen();
  const chrome = await launchChromium();
  try {
    const info = (await (await fetch(`${url}/v1/model`)).json()) as { curve: number[][] };
    assert.deepEqual(info.curve, curve);
    const page = await chrome.context.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
    await page.click('#tab-model');
    const lines = page.locator('#model-info .curves svg polyline');
    assert.equal(await lines.count(), 2, 'a train line in each chart (no validation in this run)');
    for (let i = 0; i < 2; i++) {
      const points = (await lines.nth(i).getAttribute('points'))!.trim().split(/\s+/);
      assert.equal(points.length, 20, 'one vertex per curve point');
    }
    assert.match(await page.textContent('#model-info .curves') ?? '', /epoch 0\.05–1/);
  } finally {
    await chrome.close();
    await server.close();
    await removeDir(dir);
  }
});

test('a run with per-epoch test accuracy draws a test line in each chart of the Model view', { skip: skip ?? false }, async () => {
  const dir = await makeRunDir();
  await fs.writeFile(path.join(dir, 'history.json'), JSON.stringify([1, 2, 3].map((e) => ({
    epoch: e, trainLoss: 0.5 / e, trainAcc: 0.9 + 0.02 * e, valLoss: null, valAcc: null, testLoss: 0.2 / e, testAcc: 0.95 + 0.01 * e,
    testSeconds: 2, lr: 0.01, seconds: 60,
  }))));
  await fs.writeFile(path.join(dir, 'curve.json'), '[]');
  const server = await createServer(dir, { port: 0, backend: 'cpu' });
  const url = await server.listen();
  const chrome = await launchChromium();
  try {
    const page = await chrome.context.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
    await page.click('#tab-model');
    const lines = page.locator('#model-info .curves svg polyline');
    assert.equal(await lines.count(), 4, 'train and test lines in each chart (no validation in this run)');
    const strokes = await lines.evaluateAll((ls) => ls.map((l) => l.getAttribute('stroke')));
    assert.deepEqual(strokes, ['#1e88e5', '#fb8c00', '#1e88e5', '#fb8c00']);
    assert.match(await page.textContent('#model-info .curves') ?? '', /test/);
  } finally {
    await chrome.close();
    await server.close();
    await removeDir(dir);
  }
});
