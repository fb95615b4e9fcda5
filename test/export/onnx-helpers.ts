/** Helpers for the ONNX tests: the python onnx checker, onnxruntime-node, decisive test models and inputs. */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { Arch, buildModel } from '../../src/models/presets.js';
import { MNIST_MEAN, MNIST_STD, calibrateBatchNorm } from '../serve/fixture.js';
import { mnistTestDigits } from '../serve/mnist.js';

const PY = '/usr/bin/python3';
export const onnxCheckerSkip = spawnSync(PY, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0
  ? false : 'python3-onnx is not installed (scripts/setup.sh installs it)';

export interface CheckedModel {
  ir: number;
  opsets: number[];
  inputs: Array<{ name: string; dims: Array<number | string> }>;
  outputs: Array<{ name: string; dims: Array<number | string> }>;
  metadata: Record<string, string>;
  ops: string[];
}

const CHECK = `
import json, sys, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
print(json.dumps({
  'ir': m.ir_version, 'opsets': [o.version for o in m.opset_import],
  'inputs': [{'name': v.name, 'dims': dims(v)} for v in m.graph.input],
  'outputs': [{'name': v.name, 'dims': dims(v)} for v in m.graph.output],
  'metadata': {p.key: p.value for p in m.metadata_props},
  'ops': [n.op_type for n in m.graph.node]}))
`;

/** onnx.checker.check_model(full_check=True) in Debian's python3-onnx; throws with its message on failure. */
export function checkOnnx(file: string): CheckedModel {
  const r = spawnSync(PY, ['-c', CHECK, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`onnx checker failed on ${file}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout) as CheckedModel;
}

/** Runs an ONNX model in onnxruntime-node on one float32 input; returns the first output. */
export async function ortRun(model: string | Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = typeof model === 'string'
    ? await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads: 2 })
    : await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads: 2 });
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
  const y = out[session.outputNames[0]].data as Float32Array;
  await session.release();
  return y;
}

/** `count` MNIST test images, normalised, resized (bilinear) and tiled to [count, H, W, C]. */
export async function mnistInput(count: number, [h, w, c]: number[]): Promise<tf.Tensor4D> {
  const digits = await mnistTestDigits(count);
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(digits.flatMap((d) => Array.from(d.pixels)), (v) => (v / 255 - MNIST_MEAN) / MNIST_STD),
      [count, 28, 28, 1]); // [N, 28, 28, 1]
    const sized = h === 28 && w === 28 ? x : tf.image.resizeBilinear(x, [h, w]); // [N, H, W, 1]
    return (c === 1 ? sized : tf.tile(sized, [1, 1, 1, c])) as tf.Tensor4D; // [N, H, W, C]
  });
}

/**
 * An untrained model that behaves like a trained one for agreement tests. Freshly initialised, a deep net
 * shrinks activations until the output no longer depends on the input (near-uniform probabilities whose
 * top-1 flips on float noise); with BN statistics from one forward pass (calibrateBatchNorm) it answers,
 * but channels with tiny variance make it ill-conditioned (our own cpu and onednn backends then differ by
 * 1e-4). So: BN statistics from `calibration` MNIST images, each BN's variances floored at 10% of their
 * mean, the classifier scaled ×2 (top-1 margins ≫ float noise). Measured: cpu vs onednn ≤ 3e-5.
 */
export async function decisiveModel(
  arch: Arch, alpha: number, inputShape: [number, number, number], calibration = 32, logits = false,
): Promise<tfl.LayersModel> {
  const model = buildModel(arch, { alpha, inputShape, classifierActivation: logits ? null : 'softmax', seed: 5 }, 'mnist');
  const x = await mnistInput(calibration, inputShape);
  calibrateBatchNorm(model, x);
  x.dispose();
  for (const bn of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    const [gamma, beta, mean, variance] = bn.getWeights();
    const floored = tf.tidy(() => tf.maximum(variance, tf.mul(tf.mean(variance), 0.1)));
    bn.setWeights([gamma, beta, mean, floored]);
    floored.dispose();
  }
  const head = model.getLayer(arch === 'v1' ? 'conv_preds' : arch.startsWith('v3') ? 'logits' : 'predictions');
  const [k, ...rest] = head.getWeights();
  const scaled = tf.mul(k, 2);
  head.setWeights([scaled, ...rest]);
  scaled.dispose();
  return model;
}

/** Max |a − b| and the indices where the row-wise argmax differs. */
export function compare(a: Float32Array, b: Float32Array, classes: number): { maxDiff: number; top1Differs: number[]; minMargin: number } {
  let maxDiff = 0;
  let minMargin = Infinity;
  const top1Differs: number[] = [];
  for (let r = 0; r < a.length / classes; r++) {
    let ia = 0, ib = 0;
    for (let j = 0; j < classes; j++) {
      const i = r * classes + j;
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      if (a[i] > a[r * classes + ia]) ia = j;
      if (b[i] > b[r * classes + ib]) ib = j;
    }
    const second = Math.max(...Array.from(a.subarray(r * classes, (r + 1) * classes)).filter((_, j) => j !== ia));
    minMargin = Math.min(minMargin, a[r * classes + ia] - second);
    if (ia !== ib) top1Differs.push(r);
  }
  return { maxDiff, top1Differs, minMargin };
}
