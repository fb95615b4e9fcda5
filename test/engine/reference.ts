/**
 * The engine against TF.js autodiff (per-kernel 'onednn' path) from identical weights and data: loss, every
 * gradient, BN moving statistics, updated weights and inference outputs. Frozen layers: TF.js's side runs
 * models/apply.ts (frozen BNs in inference mode, as Keras) and differentiates the trainable weights only.
 *
 * Tolerances. Relative ones are norm-wise per tensor (‖a − b‖ ≤ rtol·‖b‖). Two kinds of quantity are zero in exact
 * arithmetic and pure float noise in both implementations, so relative error means nothing for them:
 * - the β gradient of a BN whose output reaches the loss only through other training-mode BNs (a V2 projection BN
 *   followed by the next block's 1×1 expansion and its BN): Σ over rows of a gradient BN has made zero-mean;
 * - the batch mean of the BN after such a block (its input has zero mean per channel).
 * Gradients count as such when the reference norm is below 1e-3 of the same layer's γ (or kernel) gradient; both
 * sides must then stay below 1e-2 of it. Moving means are compared on the scale of the activations' spread
 * (atol 1e-4·‖√moving variance‖).
 *
 * Kinks. A ReLU's mask flips where a pre-activation lies within float noise of 0 (or 6), and on small batches one
 * flipped row moves a BN's gradient visibly; the error then flows to every earlier layer. This happens between any
 * two implementations — measured on one batch (seed 11), largest per-tensor gradient difference between TF.js's
 * own cpu and onednn backends: V2 α0.35 28×28 batch 8: 5.6e-5; V1 α0.35 28×28: 2.4e-5; V2 α0.35 96×96 batch 4:
 * 5.2e-3; V2 α1 28×28: 1.4e-2; V1 α1 28×28: 3.8e-2; V2 α1 96×96 batch 2: 2.0e-2; V3-Small α1 and V3-Large α0.75
 * 28×28: 1.1e-5 on the first batch, but over 20 steps the Adam moments of the squeeze-and-excitation biases drift
 * apart by up to 6e-3 (hard-sigmoid gates sit at their ±3 kinks). So gradients, updates and
 * optimizer slots are held to `rtol` 1e-3 where TF.js agrees with itself that well, and to a few times TF.js's own
 * disagreement elsewhere; losses, correct counts, BN statistics and inference outputs, which a flip barely moves,
 * always to the tight tolerances. Adam turns a gradient error δ on an element into an update error of up to
 * lr·δ/4 (at |g| = ε), so updates also get an absolute 1e-2·lr per element; and an element whose gradient is
 * nearer zero than the gradient error flips the sign of its early Adam step (±lr): the update check leaves out the
 * 0.5% of elements of a tensor that differ most (none in tensors under 200 elements). Where TF.js disagrees with
 * itself beyond 1e-3 (rtol above 1e-3), per-element Adam steps are sign comparisons of noisy gradients and are not
 * compared step by step; the optimizer's first and second moments after all the steps (running means of the
 * gradients and their squares) are.
 *
 * Several steps. Early training of these networks is chaotic: TF.js against itself, with one BN β perturbed by 1e-6,
 * gives losses 1e-2 apart after 3 Adam steps and 10–30% apart after 6 (V2 α0.35, batch 8, lr 1e-3; SGD with
 * momentum and real MNIST batches of 32 behave alike). No two implementations whose float rounding differs can
 * keep weights within 1e-3 over 20 free-running steps, so `compareSteps` re-synchronises the *weights* from TF.js
 * before every step and checks each step's update; the optimizer state (iterations, slots) and the BN moving
 * statistics are never re-synchronised: they evolve in the engine on their own for all the steps and are compared at
 * the end — except after a kink step. Where `rtol` is 1e-3, each step's gradients are compared too; a step where one
 * tensor's gradient differs by more than that is a kink step (a mask flipped): at most 2 of 20 may be, their updates are not compared,
 * and the engine's optimizer state is re-synchronised from TF.js after them, since one flip moves Adam's moments by
 * more than the tight tolerance. Measured, V1 α0.35 28×28, 2 threads: at step 15 a conv_dw_13_bn output of 1.5e-7
 * sits on ReLU6's 0 kink; TF.js's cpu and onednn backends round it alike (same formula) and agree to 3e-5, the engine
 * (scale-and-shift form) flips that one mask, every earlier layer's gradient of that step moves 3–4%, and without
 * the re-synchronisation Adam's first moments of conv1/kernel and conv1_bn/beta end 0.9% and 1.3% apart. Parameters whose gradient is zero in exact arithmetic move by Adam-normalised noise, at most ~1e-2·lr
 * with ε 1e-4: they must stay below 5e-2·lr.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Engine } from '../../src/engine/engine.js';
import type { OptSettings } from '../../src/engine/optimizer-state.js';
import { countCorrect, crossEntropyFromLogits } from '../../src/evaluate/loss.js';
import { applyModel } from '../../src/models/apply.js';
import { trainableVariables } from '../../src/train/step.js';
import { rand } from '../backend/compare.js';

export const norm = (a: Float32Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
export function diffNorm(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** ‖a − b‖ ≤ rtol·‖b‖ + atol·√n, with a message naming the tensor. */
export function assertNear(a: Float32Array, b: Float32Array, rtol: number, atol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (const v of a) if (!Number.isFinite(v)) assert.fail(`${what}: non-finite value`);
  const d = diffNorm(a, b), lim = rtol * norm(b) + atol * Math.sqrt(a.length);
  assert.ok(d <= lim, `${what}: ‖diff‖ ${d.toExponential(3)} > ${lim.toExponential(3)} (‖ref‖ ${norm(b).toExponential(3)})`);
}

/** A seeded batch for the model's input and `classes` labels. */
export function batchFor(model: tfl.LayersModel, n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const [h, w, c] = model.inputs[0].shape.slice(1) as number[];
  const classes = model.outputs[0].shape[1] as number;
  const x = rand(n * h * w * c, seed).map((v) => v * 2); // roughly N(0, 1) scale
  return { x, y: Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % classes) };
}

export const ADAM: OptSettings = { optimizer: 0, lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-4, momentum: 0, rho: 0.9 };

/**
 * The engine's gradients vs tf.variableGrads on one batch; both sides update BN moving statistics once. Returns the
 * plan ids of parameters whose gradient is zero in exact arithmetic.
 */
export async function compareGradients(
  model: tfl.LayersModel, eng: Engine, n: number, rtol: number, labelSmoothing = 0,
): Promise<Set<number>> {
  const zero = new Set<number>();
  const { x, y } = batchFor(model, n, 11);
  const r = await eng.step(x, y, ADAM, { lr: ADAM.lr, update: false, labelSmoothing });
  const [h, w, c] = eng.inputShape;
  const { value, grads } = tf.tidy(() => tf.variableGrads(() => crossEntropyFromLogits(
    applyModel(model, tf.tensor4d(x, [n, h, w, c]), true) as tf.Tensor2D, tf.tensor1d(y, 'int32'), labelSmoothing),
  trainableVariables(model)));
  const loss = value.dataSync()[0];
  assert.ok(Math.abs(r.loss - loss) <= 1e-4 * Math.abs(loss), `loss ${r.loss} vs ${loss}`);
  const params = eng.graph.params;
  // Each layer's scale: the norm of its first parameter's gradient (kernel, or γ for BN).
  const layerScale = new Map<string, number>();
  params.forEach((p) => {
    const layer = p.variable.name.split('/')[0];
    if (p.trainable && !layerScale.has(layer)) layerScale.set(layer, norm(grads[(p.variable.read() as tf.Variable).name].dataSync() as Float32Array));
  });
  params.forEach((p, i) => {
    const name = (p.variable.read() as tf.Variable).name;
    if (p.trainable) {
      const ref = grads[name].dataSync() as Float32Array, got = eng.gradient(i);
      const scale = layerScale.get(p.variable.name.split('/')[0])!;
      if (norm(ref) < 1e-3 * scale) {
        zero.add(i);
        assert.ok(norm(got) < 1e-2 * scale, `${name}: gradient zero in exact arithmetic is ${norm(got)} (layer scale ${scale})`);
      } else {
        assertNear(got, ref, rtol, 0, `gradient ${name}`);
      }
    }
  });
  compareMovingStats(model, eng);
  tf.dispose([value, ...Object.values(grads)]);
  return zero;
}

/**
 * `steps` training steps on both sides (see the file comment): weights re-synchronised from TF.js before each step,
 * each step's loss, correct count and update compared; optimizer state and BN statistics compared at the end.
 */
export async function compareSteps(
  model: tfl.LayersModel, eng: Engine, opt: tf.Optimizer, settings: OptSettings, n: number, steps: number,
  zero: Set<number>, rtol: number, labelSmoothing = 0,
): Promise<void> {
  const vars = trainableVariables(model);
  const shape = model.inputs[0].shape.slice(1) as [number, number, number];
  const params = eng.graph.params;
  const kinkSteps: number[] = [];
  for (let s = 0; s < steps; s++) {
    eng.pushWeights({ trainableOnly: true });
    const before = params.map((p) => (p.trainable ? (p.variable.read().dataSync() as Float32Array).slice() : null));
    const { x, y } = batchFor(model, n, 100 + s);
    const r = await eng.step(x, y, settings, { lr: settings.lr, labelSmoothing });
    const ref = referenceStep(model, opt, vars, x, y, shape, labelSmoothing);
    assert.ok(Math.abs(r.loss - ref.loss) <= 1e-4 * Math.abs(ref.loss), `step ${s + 1}: loss ${r.loss} vs ${ref.loss}`);
    assert.equal(r.correct, ref.correct, `step ${s + 1}: correct count`);
    const kink = rtol <= 1e-3 && params.some((p, i) => p.trainable && !zero.has(i) &&
      diffNorm(eng.gradient(i), ref.grads.get(p.variable.name)!) > rtol * norm(ref.grads.get(p.variable.name)!));
    if (kink) {
      kinkSteps.push(s + 1);
      assert.ok(kinkSteps.length <= Math.max(1, Math.floor(steps / 10)), `gradients differ beyond ${rtol} at steps ${kinkSteps.join(', ')}`);
      eng.pushOptimizer(opt);
    }
    params.forEach((p, i) => {
      const w0 = before[i];
      if (!w0 || rtol > 1e-3 || kink) return;
      const got = eng.value(i).map((v, j) => v - w0[j]);
      const want = (p.variable.read().dataSync() as Float32Array).map((v, j) => v - w0[j]);
      if (zero.has(i)) {
        const worst = got.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        assert.ok(worst <= 5e-2 * settings.lr, `step ${s + 1}: ${p.variable.name} (zero gradient) moved ${worst}`);
      } else {
        const [g, w] = withoutWorst(got, want, Math.floor(got.length / 200));
        assertNear(g, w, rtol, 1e-2 * settings.lr, `step ${s + 1}: update of ${p.variable.name}`);
      }
    });
  }
  compareMovingStats(model, eng);
  // The engine's own optimizer state, written into a fresh TF.js optimizer, equals the one TF.js computed.
  const fresh = freshLike(opt);
  eng.pullOptimizer(fresh);
  const [got, ref] = [await fresh.getWeights(), await opt.getWeights()];
  assert.equal(got.length, ref.length, 'optimizer weights');
  assert.equal(got[0].tensor.dataSync()[0], ref[0].tensor.dataSync()[0], 'iterations');
  const order = eng.trainableOrder(); // slot k of variable j sits at 1 + k·vars + j
  got.slice(1).forEach((w, i) => {
    if (zero.has(order[i % order.length])) return; // slots of noise-driven parameters hold noise
    assertNear(w.tensor.dataSync() as Float32Array, ref[i + 1].tensor.dataSync() as Float32Array, Math.max(5e-3, 2 * rtol), 1e-6,
      `optimizer slot ${ref[i + 1].name}`);
  });
  fresh.dispose();
}

/** One TF.js training step as the trainer's `trainStep` (no weight decay), also returning the gradients by weight name. */
function referenceStep(
  model: tfl.LayersModel, opt: tf.Optimizer, vars: tf.Variable[], x: Float32Array, y: Int32Array,
  shape: [number, number, number], labelSmoothing: number,
): { loss: number; correct: number; grads: Map<string, Float32Array> } {
  const names = new Map(model.trainableWeights.map((w) => [(w.read() as tf.Variable).name, w.name]));
  const grads = new Map<string, Float32Array>();
  let correct = 0;
  const { value, grads: g } = opt.computeGradients(() => {
    const logits = applyModel(model, tf.tensor4d(x, [y.length, ...shape]), true) as tf.Tensor2D; // [B, K]
    const labels = tf.tensor1d(y, 'int32');
    correct = tf.tidy(() => countCorrect(logits, labels).dataSync()[0]);
    return crossEntropyFromLogits(logits, labels, labelSmoothing);
  }, vars);
  for (const [id, t] of Object.entries(g)) grads.set(names.get(id)!, t.dataSync() as Float32Array);
  opt.applyGradients(g);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(g)]);
  return { loss, correct, grads };
}

/** a and b without the k elements where they differ most. */
function withoutWorst(a: Float32Array, b: Float32Array, k: number): [Float32Array, Float32Array] {
  if (k === 0) return [a, b];
  const order = Array.from(a.keys()).sort((i, j) => Math.abs(a[j] - b[j]) - Math.abs(a[i] - b[i])).slice(k);
  return [Float32Array.from(order, (i) => a[i]), Float32Array.from(order, (i) => b[i])];
}

/** A new optimizer of the same class and settings. */
function freshLike(opt: tf.Optimizer): tf.Optimizer {
  const c = opt.getConfig() as Record<string, number & boolean>;
  switch (opt.getClassName()) {
    case 'Adam': return tf.train.adam(c.learningRate, c.beta1, c.beta2, c.epsilon);
    case 'Momentum': return tf.train.momentum(c.learningRate, c.momentum, c.useNesterov);
    default: return tf.train.rmsprop(c.learningRate, c.decay, c.momentum, c.epsilon, c.centered);
  }
}

/** BN moving statistics: variances relative; means on the scale of √variance. */
export function compareMovingStats(model: tfl.LayersModel, eng: Engine): void {
  const params = eng.graph.params;
  params.forEach((p, i) => {
    if (p.trainable) return;
    const ref = p.variable.read().dataSync() as Float32Array, got = eng.value(i);
    if (/moving_mean(_\d+)?$/.test(p.variable.name)) {
      const variance = params[i + 1].variable.read().dataSync() as Float32Array;
      assertNear(got, ref, 1e-3, 1e-4 * norm(variance.map(Math.sqrt)) / Math.sqrt(ref.length), `moving mean ${p.variable.name}`);
    } else {
      assertNear(got, ref, 1e-3, 0, `moving variance ${p.variable.name}`);
    }
  });
}

/** Engine inference vs model.predict: max |diff| ≤ 1e-4 · max |ref|. */
export function compareInference(model: tfl.LayersModel, eng: Engine, n: number): void {
  const { x } = batchFor(model, n, 5);
  const [h, w, c] = eng.inputShape;
  const ref = tf.tidy(() => (model.predict(tf.tensor4d(x, [n, h, w, c])) as tf.Tensor).dataSync() as Float32Array);
  const got = eng.predict(x, n);
  let maxDiff = 0, maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  assert.ok(maxDiff <= 1e-4 * maxRef, `inference: max diff ${maxDiff} vs max |logit| ${maxRef}`);
}
