/**
 * Inference with a 1×1 convolution and the 3×3 depthwise after it fused into one oneDNN primitive (its depthwise
 * post-op, native/src/plan/fused_dw.cc) against the same plan with the fusion off (MOBILENET_PLAN_FUSE_DW=0) and
 * against TF.js. oneDNN fuses only where the intermediate map exceeds twice the threads' L2 caches, so the inputs
 * are large (160×160, batch 32: maps of 10–26 MB) and the test checks that pairs were fused, with
 * stride 1 and stride 2 (Keras' (0, 1) padding), with BN parameters that are not the identity. V2 also runs with
 * its blocks' projections (and their residual adds) over the blocked layout between fused steps, against the same
 * plan with those over NHWC (MOBILENET_PLAN_BLOCKED=0): the blocked chain must need fewer NHWC conversions.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { Engine } from '../../src/engine/engine.js';
import { Arch, buildModel } from '../../src/models/presets.js';
import { SKIP, rand } from '../backend/compare.js';
import { batchFor } from './reference.js';

/**
 * BN parameters that are not the identity (a fresh model's fold to nothing) but keep the activations on scale
 * through every layer, so the logits depend on each of them: random γ and β, moving statistics the batch's own
 * (from the plan's training-mode forward) within ±20%.
 */
function calibrateBatchNorm(model: tfl.LayersModel, x: Float32Array, n: number): void {
  let seed = 40;
  const noise = (size: number) => rand(size, seed++);
  for (const w of model.weights) {
    const m = /(gamma|beta)(_\d+)?$/.exec(w.name);
    if (!m) continue;
    const shape = w.shape as number[];
    const r = noise(shape[0]);
    w.write(tf.tensor(m[1] === 'gamma' ? r.map((v) => 1 + 0.3 * v) : r.map((v) => 0.3 * v), shape));
  }
  const e = Engine.compile(model, { logits: true });
  if ('unsupported' in e) assert.fail(e.unsupported);
  for (const s of e.batchNormStats(x, n)) {
    const variance = model.weights.find((w) => w.name === s.movingMean.name.replace('moving_mean', 'moving_variance'));
    assert.ok(variance, `moving variance beside ${s.movingMean.name}`);
    const r = noise(s.mean.length);
    s.movingMean.write(tf.tensor(s.mean.map((v, i) => v + 0.2 * r[i] * Math.sqrt(s.variance[i]))));
    variance.write(tf.tensor(s.variance.map((v, i) => v * (1 + 0.2 * r[i]))));
  }
  e.trim();
}

interface Run { y: Float32Array; fused: number; pointwise: number; residual: number; conversions: number }

function predict(model: tfl.LayersModel, x: Float32Array, n: number, fuse: boolean, blocked = true): Run {
  const names = ['MOBILENET_PLAN_FUSE_DW', 'MOBILENET_PLAN_BLOCKED'] as const;
  const prev = names.map((k) => process.env[k]);
  process.env.MOBILENET_PLAN_FUSE_DW = fuse ? '1' : '0';
  process.env.MOBILENET_PLAN_BLOCKED = blocked ? '1' : '0';
  try {
    const e = Engine.compile(model, { logits: true });
    if ('unsupported' in e) assert.fail(e.unsupported);
    const y = e.predict(x, n);
    const fused = e.fusedSteps(n);
    const b = e.blockedSteps(n);
    assert.ok(b, 'the addon reports the blocked steps');
    e.trim();
    return { y, fused, ...b };
  } finally {
    names.forEach((k, i) => {
      if (prev[i] === undefined) delete process.env[k];
      else process.env[k] = prev[i];
    });
  }
}

function maxDiff(a: Float32Array, b: Float32Array): { diff: number; scale: number } {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { diff, scale };
}

/** minBlocked: 1×1 steps over the blocked layout at least (V2's projections, with residual adds among them). */
const CASES: Array<{ arch: Arch; alpha: number; size: number; minFused: number; minBlocked: number }> = [
  { arch: 'v1', alpha: 0.5, size: 160, minFused: 2, minBlocked: 0 },
  { arch: 'v2', alpha: 0.35, size: 160, minFused: 2, minBlocked: 2 },
];

for (const c of CASES) {
  test(`engine inference: 1×1 + depthwise fused = unfused = TF.js (${c.arch} α${c.alpha} ${c.size}×${c.size}, batch 32)`, { skip: SKIP }, async () => {
    await initBackend('onednn');
    const model = buildModel(c.arch, {
      alpha: c.alpha, seed: 3, classifierActivation: null, inputShape: [c.size, c.size, 3], ...(c.arch === 'v1' ? { dropout: 0 } : {}),
    }, 'mnist');
    const n = 32;
    const { x } = batchFor(model, n, 9);
    calibrateBatchNorm(model, x, n);
    const on = predict(model, x, n, true), off = predict(model, x, n, false);
    assert.ok(on.fused >= c.minFused, `${on.fused} pair(s) fused, want at least ${c.minFused}`);
    assert.equal(off.fused, 0, 'MOBILENET_PLAN_FUSE_DW=0 fuses nothing');
    assert.equal(off.pointwise + off.conversions, 0, 'MOBILENET_PLAN_FUSE_DW=0: nothing blocked');
    assert.ok(on.pointwise >= c.minBlocked, `${on.pointwise} 1×1 step(s) over nChw16c, want at least ${c.minBlocked}`);
    if (c.minBlocked > 0) assert.ok(on.residual >= 1, `${on.residual} of them add a residual, want at least 1`);
    if (c.minBlocked > 0) {
      const nhwc = predict(model, x, n, true, false);
      assert.equal(nhwc.fused, on.fused, 'MOBILENET_PLAN_BLOCKED=0 fuses the same pairs');
      assert.equal(nhwc.pointwise, 0, 'MOBILENET_PLAN_BLOCKED=0 runs every 1×1 over NHWC');
      assert.ok(on.conversions < nhwc.conversions, `${on.conversions} NHWC conversions blocked, ${nhwc.conversions} not`);
      const bu = maxDiff(on.y, nhwc.y);
      assert.ok(bu.diff <= 1e-4 * bu.scale, `blocked vs NHWC 1×1: max diff ${bu.diff} vs max |logit| ${bu.scale}`);
    }
    const ref = tf.tidy(() => (model.predict(tf.tensor4d(x, [n, c.size, c.size, 3])) as tf.Tensor).dataSync() as Float32Array);
    const fu = maxDiff(on.y, off.y), tr = maxDiff(on.y, ref), tu = maxDiff(off.y, ref);
    assert.ok(fu.diff <= 1e-4 * fu.scale, `fused vs unfused: max diff ${fu.diff} vs max |logit| ${fu.scale}`);
    assert.ok(tr.diff <= 1e-4 * tr.scale, `fused vs TF.js: max diff ${tr.diff} vs max |logit| ${tr.scale}`);
    assert.ok(tu.diff <= 1e-4 * tu.scale, `unfused vs TF.js: max diff ${tu.diff} vs max |logit| ${tu.scale}`);
    model.dispose();
  });
}
