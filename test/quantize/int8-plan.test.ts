/**
 * The native int8 plan against the JS reference simulation (the same scales, the same arithmetic) and against the
 * float model, for V1, V2, V3-Small and V3-Large trained briefly on MNIST:
 * - every single-input op, given the reference's own input: the same int8 outputs, or one step apart;
 * - whole model: the same top-1 on the reference's images, int8 logits a few steps apart at most;
 * - top-1 agreement with the float model ≥ 99% on 1,000 MNIST test images.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { Engine } from '../../src/engine/engine.js';
import { dequantizeValue } from '../../src/engine/int8-arith.js';
import { Int8Engine } from '../../src/engine/int8-engine.js';
import type { Int8Model } from '../../src/engine/int8-ir.js';
import { quantizeInput, referenceForward } from '../../src/engine/int8-reference.js';
import type { Arch } from '../../src/models/presets.js';
import { SKIP } from '../backend/compare.js';
import { argmaxRows, images, loadMnist, quantizeModel, trainedModel } from './fixture.js';

function native(m: Int8Model): Int8Engine {
  const e = Int8Engine.compile(m);
  if ('unsupported' in e) assert.fail(e.unsupported);
  return e;
}

/** Each single-input op alone on the plan, fed the reference's input: [identical, total, largest difference]. */
function perOp(m: Int8Model, all: Int8Array[]): [number, number, number] {
  let same = 0, total = 0, worst = 0;
  for (const op of m.ops) {
    if (op.inputs.length !== 1) continue; // add and mul: covered by the whole-model comparison
    const input = m.tensors[op.inputs[0]];
    const one: Int8Model = { ...m, tensors: [input, m.tensors[op.output]], ops: [{ ...op, inputs: [0], output: 1 }], output: 1 };
    const x = Float32Array.from(all[op.inputs[0]], (q) => dequantizeValue(q, input)); // requantizes to the same int8
    const got = native(one).logitsInt8(x, 1);
    got.forEach((q, i) => {
      const d = Math.abs(q - all[op.output][i]);
      worst = Math.max(worst, d);
      same += d === 0 ? 1 : 0;
      total++;
    });
  }
  return [same, total, worst];
}

const ARCHS: Arch[] = ['v1', 'v2', 'v3-small', 'v3-large'];

for (const arch of ARCHS) {
  test(`int8 plan ${arch}: = JS reference per op and end to end; top-1 agreement with float ≥ 99% on 1,000 MNIST test images`, { skip: SKIP }, async () => {
    await initBackend('onednn');
    const ds = await loadMnist();
    const model = await trainedModel(arch, 800, ds);
    const m = quantizeModel(model, ds);
    const plan = native(m);

    const x4 = images(ds, 'test', 4, 5000);
    const ref = referenceForward(m, quantizeInput(m, x4.subarray(0, 784)), 1, { keepAll: true });
    const [same, total, worst] = perOp(m, ref.all!);
    assert.ok(worst <= 1, `${arch}: an op differs from the reference by ${worst} steps`);
    assert.ok(same / total >= 0.999, `${arch}: ${same}/${total} op outputs identical`);

    const refLogits = referenceForward(m, quantizeInput(m, x4), 4).logits;
    const planLogits = plan.logitsInt8(x4, 4);
    assert.deepEqual(argmaxRows(planLogits, 10), argmaxRows(refLogits, 10));
    const diff = Math.max(...Array.from(planLogits, (q, i) => Math.abs(q - refLogits[i])));
    assert.ok(diff <= 3, `${arch}: int8 logits differ from the reference by ${diff} steps`);

    const x = images(ds, 'test', 1000);
    const float = Engine.compile(model);
    if ('unsupported' in float) assert.fail(float.unsupported);
    const a = argmaxRows(float.predict(x, 1000), 10);
    const b = argmaxRows(plan.logits(x, 1000), 10);
    const agree = a.filter((v, i) => v === b[i]).length;
    assert.ok(agree >= 990, `${arch}: top-1 agreement ${agree}/1000`);
    // batch-1 path = batched path
    const one = plan.logitsInt8(x.subarray(7 * 784, 8 * 784), 1);
    assert.deepEqual(Array.from(one), Array.from(plan.logitsInt8(x.subarray(0, 16 * 784), 16).subarray(70, 80)));
  });
}
