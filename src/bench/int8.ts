/**
 * Int8 inference benchmarks: ours int8 (native int8 plan) beside ours float (the float plan) and onnxruntime-node
 * float on our ONNX export, same model, batch and threads (`npm run bench` adds these rows; onnxruntime int8 on
 * the QDQ export arrives with that exporter); and `mobilenet bench --run RUN`, which times a run's own model
 * (its int8 model when it is quantized).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { getThreads, initBackend } from '../backend/index.js';
import { OptionError } from '../errors.js';
import { Engine } from '../engine/engine.js';
import { Int8Engine } from '../engine/int8-engine.js';
import { Arch, PresetName, buildModel } from '../models/presets.js';
import { calibrate } from '../quantize/calibrate.js';
import { floatIR } from '../quantize/float-ir.js';
import { quantizeIR } from '../quantize/quantize-model.js';
import { loadRun } from '../run/run-dir.js';
import { runRunner } from '../run/run-runner.js';
import { measureOnnxRuntime } from './onnx-runtime.js';

export interface TimeOptions { steps?: number; warmup?: number }

/** ms per call of `f` (mean over `steps` after `warmup` untimed calls). */
export function timeCalls(f: () => void, o: TimeOptions = {}): number {
  for (let i = 0; i < (o.warmup ?? 3); i++) f();
  const steps = o.steps ?? 10;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) f();
  return (performance.now() - t0) / steps;
}

/** Seeded uniform [-1, 1) inputs. */
function randomInput(n: number): Float32Array {
  let s = 12345;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31) - 1);
}

export interface Int8Row {
  arch: Arch;
  preset: PresetName;
  batch: number;
  threads: number;
  /** images/s: ours int8, ours float, onnxruntime float (null when it failed: `note`). */
  int8: number;
  float: number;
  ortFloat: number | null;
  /** int8 / float, int8 / onnxruntime float. */
  vsFloat: number;
  vsOrtFloat: number | null;
  note?: string;
}

/** The int8 form of a (random-weight) logits model, calibrated on 8 random images. */
function quantizeForBench(model: tfl.LayersModel, px: number) {
  const ir = floatIR(model);
  const x = randomInput(8 * px);
  return quantizeIR(ir, calibrate(model, ir, [x], 'minmax'), { method: 'minmax', images: 8, data: 'random' }, false);
}

/** One int8 row: the three engines on the same random-weight model and input, interleaved twice. */
export async function measureInt8Row(arch: Arch, preset: PresetName, batch: number, o: TimeOptions = {}): Promise<Int8Row> {
  await initBackend('onednn');
  const model = buildModel(arch, { classifierActivation: null, seed: 1 }, preset);
  const [h, w, c] = model.inputs[0].shape.slice(1) as number[];
  const px = h * w * c;
  const x = randomInput(batch * px);
  const f = Engine.compile(model);
  if ('unsupported' in f) throw new OptionError(`engine: ${f.unsupported}`);
  const q = Int8Engine.compile(quantizeForBench(model, px));
  if ('unsupported' in q) throw new OptionError(`int8 plan: ${q.unsupported}`);
  let tf32 = 0, t8 = 0;
  for (let r = 0; r < 2; r++) { // interleaved: load on the machine hits both alike
    tf32 += timeCalls(() => f.predict(x, batch), o) / 2;
    t8 += timeCalls(() => q.logits(x, batch), o) / 2;
  }
  f.trim();
  q.trim();
  const row: Int8Row = {
    arch, preset, batch, threads: getThreads(), int8: (1000 * batch) / t8, float: (1000 * batch) / tf32, ortFloat: null,
    vsFloat: tf32 / t8, vsOrtFloat: null,
  };
  try {
    const ort = await measureOnnxRuntime(model, { batch, steps: o.steps ?? 10, warmup: o.warmup ?? 3, threads: row.threads });
    row.ortFloat = ort.imagesPerSecond;
    row.vsOrtFloat = row.int8 / ort.imagesPerSecond;
  } catch (e) {
    row.note = `onnxruntime: ${(e as Error).message.split('\n')[0]}`;
  }
  model.dispose();
  return row;
}

const CASES: Array<[PresetName, number]> = [['mnist', 256], ['mnist', 1], ['imagenet', 32], ['imagenet', 1]];

/** The int8 rows of `npm run bench` for `archs` (28×28 batch 256 and 1, 224×224 batch 32 and 1). */
export async function int8Rows(archs: readonly Arch[], o: TimeOptions & { progress?: (l: string) => void } = {}): Promise<Int8Row[]> {
  const rows: Int8Row[] = [];
  for (const arch of archs) {
    for (const [preset, batch] of CASES) {
      o.progress?.(`int8 ${arch} ${preset} batch ${batch}`);
      const f = batch === 1 ? 5 : 1;
      rows.push(await measureInt8Row(arch, preset, batch, { steps: (o.steps ?? 10) * f, warmup: (o.warmup ?? 3) * f }));
    }
  }
  return rows;
}

/** The rows as a markdown table. */
export function renderInt8Rows(rows: Int8Row[]): string {
  const n = (v: number | null) => (v === null ? '–' : v.toFixed(v < 100 ? 1 : 0));
  const x = (v: number | null) => (v === null ? '–' : `${v.toFixed(2)}×`);
  return ['### Int8 inference (images/s; same random-weight model, input and threads)', '',
    '| arch | input | batch | threads | ours int8 | ours float | onnxruntime float | int8 / float | int8 / ort float |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.arch} | ${r.preset === 'mnist' ? '28×28×1' : '224×224×3'} | ${r.batch} | ${r.threads} | ${n(r.int8)} | ${n(r.float)} | ` +
      `${n(r.ortFloat)} | ${x(r.vsFloat)} | ${x(r.vsOrtFloat)} |${r.note ? ` ${r.note}` : ''}`)].join('\n');
}

export interface RunBench {
  dir: string;
  /** What ran: 'int8' (native int8 plan), 'int8-reference', 'engine' (float plan) or 'tfjs'. */
  kind: string;
  batch: number;
  threads: number;
  imagesPerSecond: number;
  msPerBatch: number;
  notice?: string;
}

/** `mobilenet bench --run DIR`: the run's own model (int8 when quantized) on random inputs of `batch`. */
export async function benchRun(dir: string, o: TimeOptions & { batch?: number } = {}): Promise<RunBench> {
  const batch = o.batch ?? 32;
  const run = await loadRun(dir);
  const runner = runRunner(run, { logits: true });
  const x = randomInput(batch * run.meta.inputShape.reduce((a, d) => a * d, 1));
  const steps = runner.kind === 'int8-reference' || runner.kind === 'tfjs' ? { steps: 1, warmup: 1 } : o;
  const ms = timeCalls(() => runner.run(x, batch), steps);
  return { dir, kind: runner.kind, batch, threads: getThreads(), imagesPerSecond: (1000 * batch) / ms, msPerBatch: ms, notice: runner.notice };
}
