/**
 * Int8 exports checked by real runtimes against the int8 plan they come from: MobileNet V1, V2, V3-Small and
 * V3-Large (28×28×1, BN-calibrated decisive models, minmax calibration on 200 MNIST images) quantized by
 * src/quantize, then (a) the full-integer .tflite run by LiteRT.js in headless Chromium and (b) the QDQ .onnx —
 * accepted by onnx.checker full_check — run by onnxruntime-node, whose optimised graph holds a QLinearConv for
 * every weight op (its int8 kernels, no float Conv left). On 300 MNIST test images, against the native int8 plan
 * (or the JS reference simulation without the addon), onnxruntime gives the plan's logits for all four (≥ 99%
 * identical, ≥ 99.5% within two steps, ≥ 99.5% of top-1; measured: every logit identical) and so does LiteRT.js
 * for V1 and V2; for V3 LiteRT.js is asserted ≥ 99% within two steps and ≥ 99% of top-1 — measured over three runs:
 * V3-Small 99.4–100% of logits identical and top-1 99.3–100%, V3-Large 98.3–100% identical, top-1 100%. The op it
 * computes differently is the residual ADD (XNNPack's fixed-point qs8 add, round half up: 3 of 326,400 add
 * outputs one step off on V3-Small, op by op), and an untrained V3 carries one such step to its logits. Also the
 * hand-made IR fixture with every op kind.
 *
 * What made V3 agree (issue 16; before: LiteRT.js 76.7% top-1, onnxruntime on V3-Large 96.7%): the IR's
 * hard-swish is TFLite's fixed-point HARD_SWISH (engine/int8-hardswish.ts, written as a Gather table in the QDQ
 * export), requantization rounds before adding the zero point and the multipliers are float32 products, as
 * XNNPack and onnxruntime compute them, and the native plan rounds as the reference does (docs/int8.md).
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

/** Agreement wanted of one runtime: identical logits, logits within two steps, top-1 (fractions). */
interface Want { identical: number; within2: number; top1: number }
const EXACT: Want = { identical: 0.99, within2: 0.995, top1: 0.995 };
/** LiteRT.js on V3: its residual ADD is fixed point (see the file comment); measured over runs 99.3–100% top-1. */
const V3_TFLITE: Want = { identical: 0.95, within2: 0.99, top1: 0.99 };

function check(who: string, a: ReturnType<typeof agreement>, want: Want): void {
  console.log(`${who}: ${(a.identical * 100).toFixed(1)}% logits identical, ${(a.within2 * 100).toFixed(2)}% within 2 steps (max ${a.maxSteps.toFixed(2)}), top-1 ${(a.top1 * 100).toFixed(1)}%`);
  assert.ok(a.identical >= want.identical, `${who}: ${(a.identical * 100).toFixed(2)}% of logits identical to the int8 plan's`);
  assert.ok(a.within2 >= want.within2, `${who}: ${(a.within2 * 100).toFixed(2)}% of logits within 2 steps of the int8 plan (max ${a.maxSteps})`);
  assert.ok(a.top1 >= want.top1, `${who}: top-1 agreement ${a.top1}`);
}

async function checkBoth(name: string, m: Int8Model, x: Float32Array, shape: number[], n: number, plan: Float32Array, K: number, ort: Want, tflite: Want): Promise<void> {
  const onnx = convertInt8ToOnnx(m);
  const file = path.join(tmp, `${name}.onnx`);
  await fs.writeFile(file, onnx.bytes);
  if (!onnxCheckerSkip) checkOnnx(file);
  const r = await ortRun(onnx.bytes, x, [n, ...shape], path.join(tmp, `${name}.opt.onnx`));
  const weightOps = m.ops.filter(isWeightOp).length;
  assert.equal(r.ops.filter((o) => o === 'QLinearConv').length, weightOps, `every weight op on an int8 kernel: ${r.ops.join(' ')}`);
  assert.ok(!r.ops.includes('Conv'), 'no float Conv left');
  check(`${name} onnxruntime`, agreement(m, plan, r.y, K), ort);
  if (skipLite) return;
  const tfl = convertInt8ToTflite(m);
  assert.ok(!tfl.ops.some((o) => o === 'RELU' || o === 'RELU6'), 'fused activations');
  lite.put(`${name}.tflite`, tfl.bytes);
  check(`${name} TFLite`, agreement(m, plan, await lite.run(`${name}.tflite`, x, shape, 1), K), tflite);
}

for (const arch of ['v1', 'v2', 'v3-small', 'v3-large'] as Arch[]) {
  test(`${arch} int8: QDQ ONNX in onnxruntime and int8 TFLite in LiteRT.js agree with the int8 plan`, async () => {
    const shape: [number, number, number] = [28, 28, 1];
    const model = await decisiveModel(arch, 1, shape, 16, true);
    const ir = floatIR(model);
    const cal = await mnistInput(200, shape);
    const ranges = calibrate(model, ir, [cal.dataSync() as Float32Array], 'minmax');
    cal.dispose();
    const m = quantizeIR(ir, ranges, { method: 'minmax', images: 200, data: 'mnist' }, false);
    const n = 300;
    const xt = await mnistInput(n, shape);
    const x = xt.dataSync() as Float32Array;
    const plan = int8Runner(m, { probabilities: false }).run(x, n);
    await checkBoth(arch, m, x, shape, n, plan, 10, EXACT, arch.startsWith('v3') ? V3_TFLITE : EXACT);
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
  // Not all identical: the fixture's round scales (add ratios like 1/2) put many add outputs exactly on a rounding
  // tie, where XNNPack's and onnxruntime's fixed-point add (round half up) and the IR's float add (half to even)
  // part (measured: onnxruntime 87.4% of logits identical, 99.8% within two steps, max 4; LiteRT.js 94.2%, 100%).
  const all: Want = { identical: 0.8, within2: 0.99, top1: 0.995 };
  await checkBoth('tiny', m, x, [6, 6, 3], n, plan, 5, all, all);
});
