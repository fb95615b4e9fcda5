/**
 * Serve with a TRAINED model: MNIST test images posted as PNG come back with their labels, and "1"s and
 * "7"s from the MNIST test set drawn onto the page's canvas with the mouse are classified correctly.
 *
 * The run comes from MOBILENET_SERVE_TRAINED_RUN (a run directory, e.g. runs/v2-mnist from the README's
 * main job) or is trained here with src/train on the 'onednn' backend: V2 alpha 0.35, one epoch on
 * MOBILENET_SERVE_TRAIN_IMAGES training images (default 20000;
 * ~50 s and ~90% test accuracy on a quiet 2-core machine). If neither is possible — no train(), no
 * onednn, or training would take longer than MOBILENET_SERVE_TRAIN_SECONDS (default 180) — the tests
 * are skipped with the reason.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { encodePng } from '../../src/data/image.js';
import { MobileNetServer, createServer } from '../../src/serve/server.js';
import { webDistDir } from '../../src/serve/static-files.js';
import { browserSkipReason, launchChromium } from './browser.js';
import { Digit, mnistTestDigits } from './mnist.js';
import { drawDigit, settled } from './page-helpers.js';

const env = process.env;
const IMAGES = Number(env.MOBILENET_SERVE_TRAIN_IMAGES ?? 20000);
const BUDGET_S = Number(env.MOBILENET_SERVE_TRAIN_SECONDS ?? 180);

let runDir: string | null = env.MOBILENET_SERVE_TRAINED_RUN ?? null;
let tmpDir: string | null = null;
let skipReason: string | null = null;
let server: MobileNetServer;
let url: string;

/** Trains a small V2 quickly on onednn; returns the run directory or why it could not. */
async function trainHere(): Promise<string> {
  const trainPath = '../../src/train/index.js';
  let trainFn: ((cfg: object) => Promise<{ status: string; test: { accuracy: number } | null }>) | undefined;
  try {
    trainFn = (await import(trainPath)).train;
  } catch {
    // handled below
  }
  if (typeof trainFn !== 'function') throw new Error('src/train has no train() yet');
  const { initBackend } = await import('../../src/backend/index.js');
  try {
    await initBackend('onednn');
  } catch (e) {
    throw new Error(`the onednn backend is not available (${(e as Error).message})`);
  }
  tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-serve-trained-'));
  const abort = new AbortController();
  const t0 = Date.now();
  let slow = '';
  const timer = setTimeout(() => {
    slow = `training ${IMAGES} images did not finish within the budget of ${BUDGET_S} s`;
    abort.abort();
  }, BUDGET_S * 1000);
  const r = await trainFn({
    arch: 'v2', model: { alpha: 0.35 }, dataset: 'mnist', out: tmpDir, epochs: 1, batchSize: 64, lr: 6e-3,
    limitTrain: IMAGES, limitTest: 1000, seed: 1, backend: 'onednn', signal: abort.signal,
    onEvent: (e: { type: string; step?: number; etaSeconds?: number; imgPerSec?: number }) => {
      if (e.type !== 'step' || (e.step ?? 0) < 1) return;
      const projected = (Date.now() - t0) / 1000 + (e.etaSeconds ?? 0);
      if (projected > BUDGET_S && !abort.signal.aborted) {
        slow = `training ${IMAGES} images would take ~${projected.toFixed(0)} s at ${e.imgPerSec?.toFixed(0)} img/s (budget ${BUDGET_S} s)`;
        abort.abort();
      }
    },
  });
  clearTimeout(timer);
  if (r.status === 'interrupted') throw new Error(slow || 'training was interrupted');
  console.log(`# trained V2 alpha 0.35 on ${IMAGES} images in ${((Date.now() - t0) / 1000).toFixed(0)} s: test accuracy ${r.test?.accuracy}`);
  return tmpDir;
}

before(async () => {
  try {
    runDir ??= await trainHere();
  } catch (e) {
    skipReason = `needs a trained run: set MOBILENET_SERVE_TRAINED_RUN=DIR or make in-test training possible: ${(e as Error).message}`;
    console.log(`# skipping trained-model serve tests: ${skipReason}`);
    return;
  }
  server = await createServer(runDir, { port: 0, backend: 'cpu' });
  url = await server.listen();
});

after(async () => {
  await server?.close();
  if (tmpDir) await fs.rm(tmpDir, { recursive: true, force: true });
});

/** Labels the model itself gives the raw 28×28 IDX pixels (no server, no preprocessing). */
function directLabels(digits: Digit[]): number[] {
  const { model, meta } = server.run;
  const [m, sd] = [meta.normalization.mean[0], meta.normalization.std[0]];
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(digits.flatMap((d) => Array.from(d.pixels)), (v) => (v / 255 - m) / sd),
      [digits.length, 28, 28, 1]); // [N, 28, 28, 1]
    return Array.from(tf.argMax(model.predict(x) as tf.Tensor, -1).dataSync()); // [N]
  });
}

test('MNIST test images posted as PNG come back with their labels', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const digits = await mnistTestDigits(20);
  const direct = directLabels(digits).filter((l, i) => l === digits[i].label).length;
  let correct = 0;
  const wrong: string[] = [];
  for (const d of digits) {
    const res = await fetch(`${url}/v1/predict?top=1`, {
      method: 'POST', headers: { 'content-type': 'image/png' }, body: await encodePng(d.pixels, 28, 28, 1),
    });
    assert.equal(res.status, 200);
    const got = ((await res.json()) as { top: Array<{ label: string }> }).top[0].label;
    if (got === String(d.label)) correct++;
    else wrong.push(`#${d.index}: ${d.label} → ${got}`);
  }
  t.diagnostic(`PNG via the server: ${correct}/20 correct${wrong.length ? ` (wrong: ${wrong.join(', ')})` : ''}; ` +
    `the model on the raw pixels: ${direct}/20`);
  assert.ok(direct >= 16, `the model is not trained enough to judge the server: ${direct}/20 on raw pixels`);
  // The upload path (PNG → decode → MNIST preprocessing → normalise) may cost at most one digit.
  assert.ok(correct >= direct - 1, `server ${correct}/20 vs model on raw pixels ${direct}/20; wrong: ${wrong.join(', ')}`);
});

test('"1"s and "7"s from the MNIST test set drawn on the canvas are classified correctly', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const noBrowser = browserSkipReason(webDistDir());
  if (noBrowser) return t.skip(noBrowser);
  const chrome = await launchChromium();
  try {
    const page = await chrome.context.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    const results: string[] = [];
    let correct = 0;
    const digits = [...await mnistTestDigits(2, [1]), ...await mnistTestDigits(2, [7])];
    for (const d of digits) {
      await page.click('#clear');
      await drawDigit(page, d.pixels);
      await settled(page);
      const best = await page.getAttribute('#bars', 'data-best');
      results.push(`#${d.index} (${d.label}) → ${best}`);
      if (best === String(d.label)) correct++;
    }
    t.diagnostic(`drawn digits: ${results.join(', ')}`);
    assert.ok(correct >= 3, `drawn digits: ${results.join(', ')}`);
  } finally {
    await chrome.close();
  }
});
