/** Helpers for running the same computation on 'cpu' and 'onednn' and comparing the results. */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers'; // also registers the gradients of core ops
import { initBackend, nativeAvailable } from '../../src/backend/index.js';

const native = nativeAvailable();
/** A skip message when the addon is not built (tests then show as skipped, not passed). */
export const SKIP: string | false = native.available ? false : `skipped: ${native.reason}`;

/** Deterministic pseudo-random floats in [-1, 1). */
export function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Runs fn on backend `name` and returns every output's values. */
export async function runOn(name: 'cpu' | 'onednn', fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend(name);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(fn);
  const list = Array.isArray(outs) ? outs : [outs];
  const vals = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  assert.equal(tf.memory().numTensors, before, `${name}: tensors leaked`);
  return vals;
}

/** Asserts max |a - b| <= tol · max(max |b|, floor) (norm-wise relative), with a readable message. */
export function assertClose(a: Float32Array, b: Float32Array, tol: number, what: string, floor = 1e-6): void {
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  let maxDiff = 0, maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
    if (!Number.isFinite(a[i])) assert.fail(`${what}: non-finite value at ${i}`);
  }
  assert.ok(maxDiff <= tol * Math.max(maxRef, floor), `${what}: max diff ${maxDiff} vs max ${maxRef} (tol ${tol})`);
}

/** Computes fn on both backends and compares every output. */
export async function compare(what: string, fn: () => tf.Tensor | tf.Tensor[], tol = 1e-4): Promise<void> {
  const ref = await runOn('cpu', fn);
  const got = await runOn('onednn', fn);
  assert.equal(got.length, ref.length);
  ref.forEach((r, i) => assertClose(got[i], r, tol, `${what} output ${i}`));
}

export interface StepResult { loss: number; grads: Float32Array[]; weights: Map<string, Float32Array> }

/**
 * On `backend`: gradients of the training-mode loss of a fresh `build()` on batch `x`, `y` (one-hot), then one Adam
 * trainOnBatch step of another fresh `build()`; x and y are disposed.
 */
export async function adamStepOn(
  backend: 'cpu' | 'onednn', build: () => tfl.LayersModel, batch: () => [tf.Tensor, tf.Tensor],
): Promise<StepResult> {
  await initBackend(backend);
  const [x, y] = batch(); // [B, H, W, C], [B, K]
  const probe = build();
  const vars = probe.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => tf.mean(tfl.metrics.categoricalCrossentropy(
    y, probe.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, vars);
  const gradValues = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose(Object.values(grads));
  probe.dispose();

  const model = build();
  // Adam's first step moves every weight by ~lr·sign(gradient); weights whose gradient is zero in
  // exact arithmetic (e.g. a BN beta followed by conv + BN in training mode) get float noise whose
  // sign differs between backends. epsilon 1e-4 keeps those noise-driven moves small.
  model.compile({ optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-4), loss: 'categoricalCrossentropy' });
  const loss = await model.trainOnBatch(x, y) as number;
  const weights = new Map(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
  tf.dispose([x, y]);
  model.dispose();
  return { loss, grads: gradValues, weights };
}
