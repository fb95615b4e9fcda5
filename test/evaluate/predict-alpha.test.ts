/**
 * Issue 12, defect 5: `predict` and the server share one decode path. Black ink on a transparent
 * background is a black digit on white (then inverted to MNIST's polarity), not an all-black image: predict()
 * answers as for the same digit drawn opaque, and exactly as POST /v1/predict does.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import sharp from 'sharp';
import { predict } from '../../src/evaluate/evaluate.js';
import { createServer } from '../../src/serve/server.js';
import { loadRun } from '../../src/run/run-dir.js';
import { makeRunDir, removeDir } from '../serve/fixture.js';
import { mnistTestDigits } from '../serve/mnist.js';

const png = (px: Uint8Array, channels: 1 | 4) => sharp(px, { raw: { width: 28, height: 28, channels } }).png().toBuffer();

function byLabel(top: Array<{ label: string; probability: number }>): number[] {
  return Array.from({ length: 10 }, (_, i) => top.find((t) => t.label === String(i))!.probability);
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

test('a transparent PNG is classified as the digit drawn on it, as the server does', async () => {
  const dir = await makeRunDir();
  const run = await loadRun(dir);
  const [digit] = await mnistTestDigits(1, [3]); // white ink on black
  const rgba = new Uint8Array(28 * 28 * 4); // black ink, alpha = ink, transparent elsewhere
  digit.pixels.forEach((v, i) => { rgba[i * 4 + 3] = v; });
  const opaque = digit.pixels.map((v) => 255 - v); // the same digit, black on white
  const [transparent, drawn, black] = await predict(run, [await png(rgba, 4), await png(opaque, 1), await png(new Uint8Array(784), 1)], { top: 10 });
  const [pt, pd, pb] = [transparent, drawn, black].map((p) => byLabel(p.top));
  assert.ok(maxDiff(pt, pd) < 1e-4, `transparent vs opaque drawing: ${maxDiff(pt, pd)}`);
  assert.ok(maxDiff(pt, pb) > 1e-3, 'the transparent PNG is not read as an all-black image');

  const server = await createServer(run, { backend: 'cpu' });
  const res = await server.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'content-type': 'image/png' }, payload: await png(rgba, 4) });
  assert.equal(res.statusCode, 200, res.body);
  const ps = byLabel(res.json().top);
  assert.ok(maxDiff(pt, ps) < 1e-5, `predict vs server: ${maxDiff(pt, ps)}`);
  await server.close();
  await removeDir(dir);
});
