/**
 * ONNX export checked by two independent implementations: Debian's python3-onnx checker (full_check, with
 * shape inference) accepts the file, and onnxruntime-node running it gives our probabilities within 1e-4
 * and the same top-1 — on 1,000 MNIST test images for the 28×28×1 models, 32 resized MNIST images for
 * 96×96×3 — for V1 and V2 at alpha 1 and 0.35.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { exportOnnx } from '../../src/export/onnx/index.js';
import type { Arch } from '../../src/models/presets.js';
import { checkOnnx, compare, decisiveModel, mnistInput, onnxCheckerSkip, ortRun } from './onnx-helpers.js';

let tmp: string;
before(async () => {
  await initBackend('auto');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-onnx-'));
});
after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const CASES: Array<[Arch, number, [number, number, number], number]> = [
  ['v1', 1, [28, 28, 1], 1000], ['v1', 0.35, [28, 28, 1], 1000], ['v2', 1, [28, 28, 1], 1000], ['v2', 0.35, [28, 28, 1], 1000],
  ['v1', 1, [96, 96, 3], 32], ['v1', 0.35, [96, 96, 3], 32], ['v2', 1, [96, 96, 3], 32], ['v2', 0.35, [96, 96, 3], 32],
];

for (const [arch, alpha, shape, count] of CASES) {
  test(`${arch} alpha ${alpha} ${shape.join('x')}: checker passes, onnxruntime agrees on ${count} MNIST images`, async () => {
    const model = await decisiveModel(arch, alpha, shape, shape[0] === 28 ? 32 : 16);
    const file = path.join(tmp, `${arch}-${alpha}-${shape[0]}.onnx`);
    const r = await exportOnnx(model, { out: file });
    if (!onnxCheckerSkip) {
      const c = checkOnnx(file);
      assert.deepEqual(c.inputs, [{ name: 'input', dims: ['batch', ...shape] }]);
      assert.deepEqual(c.outputs, [{ name: 'output', dims: ['batch', 10] }]);
      assert.deepEqual(c.opsets, [13]);
      assert.ok(!c.ops.includes('BatchNormalization') && !c.ops.includes('Mul'), 'every BN folded into its convolution');
    }
    const x = await mnistInput(count, shape);
    const ours = tf.tidy(() => (model.predict(x, { batchSize: 100 }) as tf.Tensor).dataSync() as Float32Array);
    const theirs = await ortRun(file, x.dataSync() as Float32Array, [count, ...shape]);
    const cmp = compare(ours, theirs, 10);
    assert.ok(cmp.maxDiff < 1e-4, `max |p_ours − p_ort| = ${cmp.maxDiff}`);
    assert.deepEqual(cmp.top1Differs, [], `top-1 differs on images ${cmp.top1Differs.join(', ')} (smallest margin ${cmp.minMargin})`);
    assert.equal(r.ops.filter((o) => o === 'Conv').length, model.layers.filter((l) => /Conv2D$/.test(l.getClassName())).length);
    x.dispose();
    model.dispose();
  });
}
