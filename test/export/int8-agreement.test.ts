/**
 * Int8 exports checked by real runtimes against the int8 IR they come from: MobileNet V1, V2 (vs the int8 plan,
 * 300 images) and V3-Small (QDQ only, vs the JS reference, 30 images) (28×28×1, BN-calibrated decisive models, minmax calibration on 200 MNIST images) quantized by
 * src/quantize, then (a) the full-integer .tflite run by LiteRT.js in headless Chromium and (b) the QDQ .onnx —
 * accepted by onnx.checker full_check — run by onnxruntime-node, whose optimised graph holds a QLinearConv for
 * every weight op (its int8 kernels, no float Conv left). Both agree with the int8 plan (native, or the JS
 * reference simulation without the addon) on ≥ 99.5% of top-1 and within two quantization steps on ≥ 95% of the
 * logits (see checkBoth), over 300 MNIST test images; and on the hand-made IR fixture with every op kind (every logit
 * within two steps).
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { initBackend } from '../../src/backend/index.js';
import type { Int8Model } from '../../src/engine/int8-ir.js';
import { isWeightOp } from '../../src/engine/int8-ir.js';
import { int8Runner } from '../../src/engine/int8-engine.js';
import { convertInt8ToOnnx } from '../../src/export/onnx/qdq.js';
import { convertInt8ToTflite } from '../../src/export/tflite/int8.js';
import type { Arch } from '../../src/models/presets.js';
import { calibrate } from '../../src/quantize/calibrate.js';
import { floatIR } from '../../src/quantize/float-ir.js';
import { quantizeIR } from '../../src/quantize/quantize-model.js';
import { lcg, tinyInt8Model } from '../engine/int8-fixture.js';
import { LiteRt, liteRtSkipReason, startLiteRt } from './litert.js';
import { checkOnnx, decisiveModel, mnistInput, onnxCheckerSkip } from './onnx-helpers.js';

const skipLite = liteRtSkipReason() ?? false;
let lite: LiteRt;
let tmp: string;
before(async () => {
  await initBackend('auto');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-int8-export-'));
  if (!skipLite) lite = await startLiteRt();
});
after(async () => {
  await lite?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Quantization steps of float logits y (dequantized) against the plan's, and top-1 agreement. */
function agreement(m: Int8Model, plan: Float32Array, y: Float32Array, K: number): { maxSteps: number; top1: number; identical: number; within2: number } {
  const t = m.tensors[m.output];
  let maxSteps = 0, identical = 0, top1 = 0, within2 = 0;
  for (let i = 0; i < y.length; i++) {
    const d = Math.abs((y[i] - plan[i]) / t.scale);
    maxSteps = Math.max(maxSteps, d);
    if (d < 1e-3) identical++;
    if (d <= 2 + 1e-3) within2++;
  }
  const argmax = (a: Float32Array, r: number) => { let b = 0; for (let k = 1; k < K; k++) if (a[r * K + k] > a[r * K + b]) b = k; return b; };
  for (let r = 0; r < y.length / K; r++) if (argmax(plan, r) === argmax(y, r)) top1++;
  return { maxSteps, top1: top1 / (y.length / K), identical: identical / y.length, within2: within2 / y.length };
}

async function ortRun(bytes: Uint8Array, x: Float32Array, dims: number[], optimized: string): Promise<{ y: Float32Array; ops: string[] }> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 2, optimizedModelFilePath: optimized, logSeverityLevel: 3 });
  const y = (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, dims) }))[s.outputNames[0]].data as Float32Array;
  await s.release();
  const opt = onnxProto.onnx.ModelProto.decode(await fs.readFile(optimized));
  return { y, ops: opt.graph!.node!.map((n) => n.opType ?? '') };
}

/**
 * Logits within two steps: all of them on the fixture; on the deep networks ≥ 95% (measured 95.7–99.7%) — one rounding tie resolved
 * differently early in a 28-layer network grows through the later layers (measured: on the same V1 and images
 * the native int8 plan itself is up to 8 steps from the JS reference on 27 of 600 logits, onnxruntime up to 11
 * on 32, and onnxruntime is within 2 steps of the plan on all but 5, all of one image).
 */
async function checkBoth(name: string, m: Int8Model, x: Float32Array, shape: number[], n: number, plan: Float32Array, K: number, within2 = 0.95, tflite = true): Promise<void> {
  const onnx = convertInt8ToOnnx(m);
  const file = path.join(tmp, `${name}.onnx`);
  await fs.writeFile(file, onnx.bytes);
  if (!onnxCheckerSkip) checkOnnx(file);
  const r = await ortRun(onnx.bytes, x, [n, ...shape], path.join(tmp, `${name}.opt.onnx`));
  const weightOps = m.ops.filter(isWeightOp).length;
  assert.equal(r.ops.filter((o) => o === 'QLinearConv').length, weightOps, `every weight op on an int8 kernel: ${r.ops.join(' ')}`);
  assert.ok(!r.ops.includes('Conv'), 'no float Conv left');
  const a = agreement(m, plan, r.y, K);
  console.log(`${name} onnxruntime: ${(a.identical * 100).toFixed(1)}% logits identical, ${(a.within2 * 100).toFixed(2)}% within 2 steps (max ${a.maxSteps.toFixed(2)}), top-1 ${(a.top1 * 100).toFixed(1)}%`);
  assert.ok(a.within2 >= within2, `onnxruntime: ${(a.within2 * 100).toFixed(2)}% of logits within 2 steps of the int8 plan (max ${a.maxSteps})`);
  assert.ok(a.top1 >= 0.995, `onnxruntime: top-1 agreement ${a.top1}`);
  if (skipLite || !tflite) return;
  const tfl = convertInt8ToTflite(m);
  assert.ok(!tfl.ops.some((o) => o === 'RELU' || o === 'RELU6'), 'fused activations');
  lite.put(`${name}.tflite`, tfl.bytes);
  const y = await lite.run(`${name}.tflite`, x, shape, 1);
  const b = agreement(m, plan, y, K);
  console.log(`${name} TFLite: ${(b.identical * 100).toFixed(1)}% logits identical, ${(b.within2 * 100).toFixed(2)}% within 2 steps (max ${b.maxSteps.toFixed(2)}), top-1 ${(b.top1 * 100).toFixed(1)}%`);
  assert.ok(b.within2 >= within2, `TFLite: ${(b.within2 * 100).toFixed(2)}% of logits within 2 steps of the int8 plan (max ${b.maxSteps})`);
  assert.ok(b.top1 >= 0.995, `TFLite: top-1 agreement ${b.top1}`);
}

// V3-Small: QDQ only, against the JS reference simulation (30 images: it is slow), not the native plan — on it the
// plan was measured 97.7% of logits within two steps of the reference, onnxruntime 100% identical. Not asserted
// (open, see README): int8 TFLite of V3 (LiteRT 76.7% top-1 vs the reference on V3-Small) and V3-Large QDQ (96.7%).
for (const arch of ['v1', 'v2', 'v3-small'] as Arch[]) {
  test(`${arch} int8: QDQ ONNX in onnxruntime and int8 TFLite in LiteRT.js agree with the int8 plan`, async () => {
    const shape: [number, number, number] = [28, 28, 1];
    const model = await decisiveModel(arch, 1, shape, 16, true);
    const ir = floatIR(model);
    const cal = await mnistInput(200, shape);
    const ranges = calibrate(model, ir, [cal.dataSync() as Float32Array], 'minmax');
    cal.dispose();
    const m = quantizeIR(ir, ranges, { method: 'minmax', images: 200, data: 'mnist' }, false);
    const v3 = arch.startsWith('v3');
    const n = v3 ? 30 : 300;
    const xt = await mnistInput(n, shape);
    const x = xt.dataSync() as Float32Array;
    const plan = int8Runner(m, { probabilities: false, native: !v3 }).run(x, n);
    await checkBoth(arch, m, x, shape, n, plan, 10, 0.95, !v3);
    xt.dispose();
    model.dispose();
  });
}

test('IR fixture with every op kind (conv, depthwise, add, hard-swish, avgpool, SE mul, dense)', async () => {
  const m = tinyInt8Model(3);
  const r = lcg(7);
  const n = 200;
  const x = Float32Array.from({ length: n * 108 }, () => r() * 3 - 1);
  const plan = int8Runner(m, { probabilities: false, native: false }).run(x, n);
  await checkBoth('tiny', m, x, [6, 6, 3], n, plan, 5, 1);
});
