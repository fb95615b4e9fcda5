/** Helpers for running the same computation on 'cpu' and 'onednn' and comparing the results. */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers the gradients of core ops
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
