/**
 * ONNX export options and the layer table beyond V1/V2: opsets, NCHW input, --logits, no folding, a run
 * directory through the CLI (metadata, dynamic batch), Keras-style ZeroPadding2D + 'valid' convolutions,
 * the MobileNetV3 building blocks made of stock layers (hard-swish, squeeze-excite with Multiply,
 * Rescaling), and bad input (an unexportable layer, an unwritable target: no partial file left).
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { convertToOnnx, exportOnnx } from '../../src/export/onnx/index.js';
import { runCli } from '../helpers.js';
import { makeRunDir, removeDir } from '../serve/fixture.js';
import { checkOnnx, compare, decisiveModel, mnistInput, onnxCheckerSkip, ortRun } from './onnx-helpers.js';

let tmp: string;
before(async () => {
  await initBackend('auto');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-onnx-opt-'));
});
after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const predict = (m: tfl.LayersModel, x: tf.Tensor) => tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);

test('opsets 11 and 17, NCHW input, --logits and no folding all agree with the model', async () => {
  const model = await decisiveModel('v2', 0.35, [28, 28, 1]);
  const x = await mnistInput(64, [28, 28, 1]);
  const ours = predict(model, x);
  const xs = x.dataSync() as Float32Array;
  for (const opset of [11, 17]) {
    const file = path.join(tmp, `v2-opset${opset}.onnx`);
    await exportOnnx(model, { out: file, opset });
    if (!onnxCheckerSkip) assert.deepEqual(checkOnnx(file).opsets, [opset]);
    assert.ok(compare(ours, await ortRun(file, xs, [64, 28, 28, 1]), 10).maxDiff < 1e-4, `opset ${opset}`);
  }
  const nchw = convertToOnnx(model, { inputLayout: 'nchw' });
  assert.deepEqual(nchw.inputDims, ['batch', 1, 28, 28]);
  const xt = tf.transpose(x, [0, 3, 1, 2]); // [B, C, H, W]
  assert.ok(compare(ours, await ortRun(nchw.bytes, xt.dataSync() as Float32Array, [64, 1, 28, 28]), 10).maxDiff < 1e-4, 'nchw');
  assert.equal(nchw.ops[0], 'Conv', 'no input transpose with NCHW input');

  const logits = convertToOnnx(model, { logits: true });
  assert.equal(logits.outputName, 'logits');
  const z = await ortRun(logits.bytes, xs, [64, 28, 28, 1]);
  const p = tf.softmax(tf.tensor2d(z, [64, 10])).dataSync() as Float32Array;
  assert.ok(compare(ours, p, 10).maxDiff < 1e-4, 'softmax(logits) = probabilities');
  assert.ok(!logits.ops.includes('Softmax'));

  const unfolded = convertToOnnx(model, { fold: false });
  assert.equal(unfolded.ops.filter((o) => o === 'Mul').length, model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length);
  assert.ok(compare(ours, await ortRun(unfolded.bytes, xs, [64, 28, 28, 1]), 10).maxDiff < 1e-4, 'unfolded');
  tf.dispose([x, xt]);
  model.dispose();
});

test('mobilenet export DIR --format onnx: metadata, names, dynamic batch; batch 1 and 7 run', async () => {
  const dir = await makeRunDir(); // a run whose model.json outputs logits (output: 'logits' in meta.json)
  try {
    const r = runCli(['export', dir, '--format', 'onnx', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.file, path.join(dir, 'model.onnx'));
    assert.equal(info.outputName, 'logits');
    if (!onnxCheckerSkip) {
      const c = checkOnnx(info.file);
      assert.deepEqual(c.inputs, [{ name: 'input', dims: ['batch', 28, 28, 1] }]);
      assert.deepEqual(c.outputs, [{ name: 'logits', dims: ['batch', 10] }]);
      assert.deepEqual(JSON.parse(c.metadata.labels), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      assert.deepEqual(JSON.parse(c.metadata.normalization), { mean: [0.1307], std: [0.3081] });
      assert.equal(c.metadata.input_layout, 'NHWC');
      assert.equal(c.metadata.output, 'logits');
      assert.equal(c.metadata.arch, 'v2');
    }
    for (const b of [1, 7]) {
      const y = await ortRun(info.file, new Float32Array(b * 784).fill(0.5), [b, 28, 28, 1]);
      assert.equal(y.length, b * 10);
    }
    const bad = runCli(['export', dir, '--format', 'onnx', '--opset', '9']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^mobilenet: --opset must be one of 11, 12, 13, 14, 15, 16, 17, got "9"\n$/);
    const logits = runCli(['export', dir, '--format', 'tfjs', '--logits']);
    assert.equal(logits.status, 2);
    assert.match(logits.stderr, /^mobilenet: --logits applies only to --format onnx or tflite\n$/);
  } finally {
    await removeDir(dir);
  }
});

/** hard-swish as MobileNetV3 builds it from stock layers: x · ReLU6(x + 3) / 6. */
function hardSwish(x: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor {
  const shifted = tfl.layers.rescaling({ scale: 1, offset: 3, name: `${name}_shift` }).apply(x) as tfl.SymbolicTensor;
  const gate = tfl.layers.reLU({ maxValue: 6, name: `${name}_relu6` }).apply(shifted) as tfl.SymbolicTensor;
  const scaled = tfl.layers.rescaling({ scale: 1 / 6, name: `${name}_div6` }).apply(gate) as tfl.SymbolicTensor;
  return tfl.layers.multiply({ name: `${name}_mul` }).apply([x, scaled]) as tfl.SymbolicTensor;
}

/** A small network with every other table entry: Keras' explicit padding, SE with Multiply, V3 activations, merges, pooling. */
function zooModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [27, 27, 3], name: 'input_1' }); // odd size: padding must be exact
  let x = tfl.layers.rescaling({ scale: 1 / 127.5, offset: -1, name: 'rescale' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: 'pad1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'stem' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'stem_bn' }).apply(x) as tfl.SymbolicTensor;
  x = hardSwish(x, 'stem_hs');
  const branch = tfl.layers.depthwiseConv2d({ kernelSize: 5, padding: 'same', depthMultiplier: 2, name: 'dw' }).apply(x) as tfl.SymbolicTensor;
  // squeeze-excite: GAP → [1, 1, C] → 1×1 conv → ReLU → 1×1 conv → hard-sigmoid → Multiply
  let se = tfl.layers.globalAveragePooling2d({ name: 'se_gap' }).apply(branch) as tfl.SymbolicTensor;
  se = tfl.layers.reshape({ targetShape: [1, 1, 32], name: 'se_reshape' }).apply(se) as tfl.SymbolicTensor;
  se = tfl.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'relu', name: 'se_reduce' }).apply(se) as tfl.SymbolicTensor;
  se = tfl.layers.conv2d({ filters: 32, kernelSize: 1, activation: 'hardSigmoid', name: 'se_expand' }).apply(se) as tfl.SymbolicTensor;
  let y = tfl.layers.multiply({ name: 'se_mul' }).apply([branch, se]) as tfl.SymbolicTensor;
  y = tfl.layers.conv2d({ filters: 16, kernelSize: 1, activation: 'swish', name: 'project' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.add({ name: 'residual' }).apply([x, y]) as tfl.SymbolicTensor;
  const cat = tfl.layers.concatenate({ name: 'cat' }).apply([y, x]) as tfl.SymbolicTensor;
  let z = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'maxpool' }).apply(cat) as tfl.SymbolicTensor;
  z = tfl.layers.averagePooling2d({ poolSize: 2, padding: 'valid', name: 'avgpool' }).apply(z) as tfl.SymbolicTensor;
  z = tfl.layers.activation({ activation: 'tanh', name: 'tanh' }).apply(z) as tfl.SymbolicTensor;
  z = tfl.layers.flatten({ name: 'flatten' }).apply(z) as tfl.SymbolicTensor;
  z = tfl.layers.dense({ units: 12, activation: 'elu', name: 'fc' }).apply(z) as tfl.SymbolicTensor;
  z = tfl.layers.dropout({ rate: 0.2, name: 'drop' }).apply(z) as tfl.SymbolicTensor;
  z = tfl.layers.dense({ units: 5, activation: 'softmax', name: 'predictions' }).apply(z) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: z, name: 'zoo' });
}

test('Keras padding, V3 hard-swish and squeeze-excite, merges and pooling agree with onnxruntime', async () => {
  const model = zooModel();
  // non-trivial BN statistics, so folding is exercised
  const bn = model.getLayer('stem_bn');
  bn.setWeights(bn.getWeights().map((w, i) => tf.add(tf.mul(tf.randomUniform(w.shape, 0, 1, 'float32', 7 + i), 0.5), i === 3 ? 0.5 : 0.1)));
  const x = tf.randomUniform([16, 27, 27, 3], 0, 255, 'float32', 3);
  const ours = predict(model, x);
  const file = path.join(tmp, 'zoo.onnx');
  const r = await exportOnnx(model, { out: file, opset: 14 });
  if (!onnxCheckerSkip) checkOnnx(file);
  assert.ok(!r.ops.includes('Pad'), 'ZeroPadding2D folded into the stem Conv');
  const theirs = await ortRun(file, x.dataSync() as Float32Array, [16, 27, 27, 3]);
  const cmp = compare(ours, theirs, 5);
  assert.ok(cmp.maxDiff < 1e-5, `max diff ${cmp.maxDiff}`);
  const unfolded = convertToOnnx(model, { fold: false });
  assert.ok(unfolded.ops.includes('Pad'));
  assert.ok(compare(ours, await ortRun(unfolded.bytes, x.dataSync() as Float32Array, [16, 27, 27, 3]), 5).maxDiff < 1e-5);
  x.dispose();
  model.dispose();
});

test('a layer with no ONNX export: one error naming it, and no file written', async () => {
  const input = tfl.input({ shape: [8, 8, 3] });
  const up = tfl.layers.upSampling2d({ size: [2, 2], name: 'upsample' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(up) as tfl.SymbolicTensor });
  const file = path.join(tmp, 'never.onnx');
  await assert.rejects(exportOnnx(model, { out: file }), /layer upsample: class UpSampling2D has no ONNX export/);
  await assert.rejects(fs.access(file));
  model.dispose();
});

test('a failed write leaves no partial file behind', async () => {
  const model = await decisiveModel('v1', 0.35, [28, 28, 1], 8);
  const target = path.join(tmp, 'is-a-dir.onnx');
  await fs.mkdir(target);
  await assert.rejects(exportOnnx(model, { out: target }));
  assert.deepEqual((await fs.readdir(tmp)).filter((f) => f.includes('.tmp')), []);
  model.dispose();
});
