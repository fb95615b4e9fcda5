/**
 * `node dist/src/bench/scripts/v3-activations.js [--reps N] [--json]`
 * MobileNet V3's hard-swish, hard-sigmoid and SE multiply, forward + backward, on 'onednn': the native
 * kernels (what the V3 layers run there) against the same arithmetic in stock TF.js ops on the same
 * backend (what the layers would run without them: Rescaling → ReLU(1) → Multiply and a broadcasting
 * Multiply, each op with its stock gradient). Shapes from V3-Large: the mnist preset at batch 128 and the
 * imagenet preset at batch 32. Prints ms per forward+backward: the fastest of --reps (what the work costs when
 * nothing else holds the cores) and the median (what it cost on this machine, shared or not).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the gradients of core ops
import { initBackend } from '../../backend/index.js';
import { AFFINE, HARD_SIGMOID, HARD_SWISH, SE_MUL, SPATIAL_MEAN } from '../../backend/v3-kernels.js';
import { parseCommandArgs, positiveInt } from '../../args.js';
import { runMain } from '../../run-main.js';

type Fn = (x: tf.Tensor, g: tf.Tensor) => tf.Tensor;

const stockHardSigmoid = (x: tf.Tensor) => tf.clipByValue(tf.add(tf.mul(x, 1 / 6), 0.5), 0, 1);
const CASES: Array<{ what: string; shape: number[]; native: Fn; stock: Fn }> = [];
const hardSwish = { native: (x: tf.Tensor) => tf.engine().runKernel(HARD_SWISH, { x }, {}) as tf.Tensor, stock: (x: tf.Tensor) => tf.mul(x, stockHardSigmoid(x)) };
const hardSigmoid = { native: (x: tf.Tensor) => tf.engine().runKernel(HARD_SIGMOID, { x }, {}) as tf.Tensor, stock: stockHardSigmoid };
const seMul = { native: (x: tf.Tensor, gate: tf.Tensor) => tf.engine().runKernel(SE_MUL, { x, gate }, {}) as tf.Tensor, stock: tf.mul };
for (const [what, shape] of [['stem (mnist, batch 128)', [128, 14, 14, 16]], ['expanded_conv_6 (mnist)', [128, 4, 4, 240]],
  ['stem (224, batch 32)', [32, 112, 112, 16]], ['expanded_conv_6 expand (224)', [32, 28, 28, 240]]] as const) {
  CASES.push({ what: `hard-swish ${what}`, shape: [...shape], ...hardSwish });
}
CASES.push({ what: 'hard-sigmoid SE gate (mnist)', shape: [128, 1, 1, 672], ...hardSigmoid });
const affine = {
  native: (x: tf.Tensor) => tf.engine().runKernel(AFFINE, { x }, { scale: 1 / 6, offset: 0.5 }) as tf.Tensor,
  stock: (x: tf.Tensor) => tf.add(tf.mul(x, 1 / 6), 0.5),
};
CASES.push({ what: 'Rescaling(1/6, 0.5) stem (224)', shape: [32, 112, 112, 16], ...affine });
const squeeze = {
  native: (x: tf.Tensor) => tf.engine().runKernel(SPATIAL_MEAN, { x }, {}) as tf.Tensor,
  stock: (x: tf.Tensor) => tf.mean(x, [1, 2]),
};
CASES.push({ what: 'GlobalAveragePooling2D SE expanded_conv_3 (224)', shape: [32, 28, 28, 72], ...squeeze });
for (const [what, shape] of [['SE expanded_conv_3 (mnist)', [128, 4, 4, 72]], ['SE expanded_conv_3 (224)', [32, 28, 28, 72]],
  ['SE expanded_conv_11 (224)', [32, 14, 14, 672]]] as const) {
  CASES.push({ what: `multiply ${what}`, shape: [...shape], ...seMul });
}

/** Fastest and median ms of forward + gradient (w.r.t. every input, for the upstream gradient dy) of f. */
async function time(
  f: Fn, x: tf.Tensor, g: tf.Tensor, dy: tf.Tensor, reps: number, withGate: boolean,
): Promise<{ min: number; median: number }> {
  const grad = withGate ? tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b)) : tf.grads((a: tf.Tensor) => f(a, g));
  const ms: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const t0 = performance.now();
    const out = tf.tidy(() => grad(withGate ? [x, g] : [x], dy));
    await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
    if (i > 0) ms.push(performance.now() - t0); // first run: warm-up
  }
  ms.sort((a, b) => a - b);
  return { min: ms[0], median: ms[Math.floor(ms.length / 2)] };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(argv, { reps: { type: 'string' }, json: { type: 'boolean' } });
  const reps = positiveInt('reps', values.reps as string | undefined) ?? 9;
  const info = await initBackend('onednn');
  if (info.name !== 'onednn') throw new Error(`needs the native addon (${info.notice ?? info.name})`);
  const rows = [];
  for (const c of CASES) {
    const x = tf.randomNormal(c.shape, 0, 3, 'float32', 1); // crosses the ±3 kinks
    const withGate = c.what.startsWith('multiply');
    const g = tf.sigmoid(tf.randomNormal([c.shape[0], 1, 1, c.shape[3]], 0, 1, 'float32', 2)); // [B, 1, 1, C]
    const pooled = c.what.startsWith('GlobalAveragePooling2D');
    const dy = tf.randomNormal(pooled ? [c.shape[0], c.shape[3]] : c.shape, 0, 1, 'float32', 3);
    const native = await time(c.native, x, g, dy, reps, withGate);
    const stock = await time(c.stock, x, g, dy, reps, withGate);
    rows.push({ what: c.what, shape: c.shape, native, stock, speedup: stock.min / native.min });
    tf.dispose([x, g, dy]);
  }
  if (values.json) {
    console.log(JSON.stringify(rows));
    return;
  }
  console.log('| op (V3-Large shapes) | shape | native fwd+bwd ms, fastest (median) | stock ops fwd+bwd ms, fastest (median) | speed-up (fastest) |');
  console.log('|---|---|---:|---:|---:|');
  const ms = (t: { min: number; median: number }) => `${t.min.toFixed(2)} (${t.median.toFixed(2)})`;
  for (const r of rows) {
    console.log(`| ${r.what} | ${r.shape.join('×')} | ${ms(r.native)} | ${ms(r.stock)} | ${r.speedup.toFixed(1)}× |`);
  }
}

void runMain('v3-activations', main);
