/**
 * The JS reference simulation of the int8 IR against an independent float fake-quant simulation (dequantize,
 * float op, quantize each op's output) of the same scales: the same int8 values, or one step apart where float
 * and integer arithmetic round a tie differently.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { activationFn, rne } from '../../src/engine/int8-arith.js';
import { Int8Model, Int8Op, isWeightOp, outChannels } from '../../src/engine/int8-ir.js';
import { quantizeInput, referenceForward } from '../../src/engine/int8-reference.js';
import { lcg, tinyInt8Model } from './int8-fixture.js';

/** Float fake-quant of each op, from the reference's own (dequantized) inputs: every output on its int8 grid. */
function fakeQuant(m: Int8Model, q: Int8Array[]): Float64Array[] {
  const deq = (t: number, q: ArrayLike<number>) => Float64Array.from(q as ArrayLike<number>, (v) => m.tensors[t].scale * (v - m.tensors[t].zeroPoint));
  const quant = (t: number, v: Float64Array, clip = [-128, 127]) => {
    const { scale, zeroPoint } = m.tensors[t];
    return deq(t, Array.from(v, (r) => Math.min(Math.max(rne(r / scale) + zeroPoint, clip[0]), clip[1])));
  };
  const vals: Float64Array[] = q.map((v, t) => deq(t, v));
  const run = (op: Int8Op): Float64Array => {
    const [ih, iw, ic] = m.tensors[op.inputs[0]].shape;
    const [oh, ow, oc] = m.tensors[op.output].shape;
    const a = vals[op.inputs[0]];
    const y = new Float64Array(oh * ow * oc);
    if (isWeightOp(op)) {
      const sx = m.tensors[op.inputs[0]].scale;
      const w = (i: number, c: number) => op.weights[i] * op.weightScales[c];
      const OC = outChannels(op);
      for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let c = 0; c < OC; c++) {
        let s = op.bias[c] * sx * op.weightScales[c];
        if (op.kind === 'dense') for (let i = 0; i < ih * iw * ic; i++) s += a[i] * w(i * OC + c, c);
        else for (let ky = 0; ky < op.kernel; ky++) for (let kx = 0; kx < op.kernel; kx++) {
          const iy = oy * op.stride + ky - op.pad[0], ix = ox * op.stride + kx - op.pad[1];
          if (iy < 0 || ix < 0 || iy >= ih || ix >= iw) continue;
          const k = (ky * op.kernel + kx);
          if (op.kind === 'conv') for (let ci = 0; ci < ic; ci++) s += a[(iy * iw + ix) * ic + ci] * w((k * ic + ci) * OC + c, c);
          else s += a[(iy * iw + ix) * ic + Math.floor(c / op.mult)] * w(k * OC + c, c);
        }
        y[(oy * ow + ox) * OC + c] = s;
      }
      return quant(op.output, y, op.clip);
    }
    switch (op.kind) {
      case 'add': return quant(op.output, a.map((v, i) => v + vals[op.inputs[1]][i]), op.clip);
      case 'avgpool': {
        for (let c = 0; c < ic; c++) { let s = 0; for (let p = 0; p < ih * iw; p++) s += a[p * ic + c]; y[c] = s / (ih * iw); }
        return quant(op.output, y);
      }
      case 'mul': return quant(op.output, a.map((v, i) => v * vals[op.inputs[1]][i % ic]));
      case 'activation': return quant(op.output, a.map(activationFn(op.fn, op.scale, op.offset)));
    }
  };
  return m.ops.map(run);
}

test('int8 reference = float fake-quant on the same scales (every op kind, same inputs), within one step', () => {
  const m = tinyInt8Model(3);
  const r = lcg(9);
  let same = 0, total = 0;
  for (let img = 0; img < 6; img++) {
    const x = Float32Array.from({ length: 6 * 6 * 3 }, () => r() * 3 - 1);
    const { all } = referenceForward(m, quantizeInput(m, x), 1, { keepAll: true });
    const fq = fakeQuant(m, all!);
    for (const [k, op] of m.ops.entries()) {
      const t = m.tensors[op.output];
      fq[k].forEach((v, i) => {
        const q = rne(v / t.scale) + t.zeroPoint;
        const d = Math.abs(q - all![op.output][i]);
        assert.ok(d <= 1, `${op.kind} tensor ${op.output}[${i}]: reference ${all![op.output][i]}, fake-quant ${q}`);
        same += d === 0 ? 1 : 0;
        total++;
      });
    }
  }
  assert.ok(same / total > 0.97, `only ${same}/${total} identical`);
});

test('int8 reference: a batch runs image by image (the same logits as one at a time)', () => {
  const m = tinyInt8Model(4);
  const r = lcg(2);
  const x = Float32Array.from({ length: 3 * 108 }, () => r() * 3 - 1);
  const all = referenceForward(m, quantizeInput(m, x), 3).logits;
  for (let b = 0; b < 3; b++) {
    const one = referenceForward(m, quantizeInput(m, x.subarray(b * 108, (b + 1) * 108)), 1).logits;
    assert.deepEqual(Array.from(all.subarray(b * 5, b * 5 + 5)), Array.from(one));
  }
});
