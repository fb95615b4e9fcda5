/**
 * The onnxruntime peer for real: the PyTorch peer exports V2 (mnist shape) to ONNX, onnxruntime-node
 * runs it. Skipped where PyTorch or onnxruntime-node is not installed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadOrt, timeOnnx } from '../../src/bench/ort.js';
import { exportOnnx, findPeer, repoRoot } from '../../src/bench/peer.js';
import { DataError } from '../../src/errors.js';

test('a V2 exported by the PyTorch peer runs in onnxruntime-node: [B, 10] logits, a positive rate', { timeout: 180_000 }, async (t) => {
  const peer = findPeer(repoRoot());
  if ('missing' in peer) return t.skip(peer.missing);
  const ort = await loadOrt();
  if ('missing' in ort) return t.skip(ort.missing);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobilenet-ort-test-'));
  try {
    const file = exportOnnx(peer, 'v2', 'mnist', dir);
    const q = { file, dims: [1, 28, 28], batch: 3, classes: 10, threads: 1, steps: 2, warmup: 1 };
    const r = await timeOnnx(ort.ort, q);
    assert.ok(Number.isFinite(r.imagesPerSecond) && r.imagesPerSecond > 0, String(r.imagesPerSecond));
    assert.ok(Math.abs(r.imagesPerSecond * r.msPerStep - 3000) < 1e-6, 'images/s and ms/step agree');
    await assert.rejects(timeOnnx(ort.ort, { ...q, classes: 1000 }),
      (e: Error) => e instanceof DataError && /gives output \[3, 10\], expected \[3, 1000\]$/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
