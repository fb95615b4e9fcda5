/**
 * The int8 rows of `npm run bench` (issue 16): ours int8 (the native int8 plan) beside ours float (the float plan),
 * onnxruntime-node float on our float ONNX export and onnxruntime-node int8 on our QDQ export of the same quantized
 * model (its int8 kernels: QLinearConv, QLinearAdd, …), same random-weight model, input, batch and threads. Each row
 * is measured in interleaved rounds (rounds.ts: int8, float, ort float, ort int8, int8, …); a figure is the median
 * of its rounds with their min–max, and the row's ratio is ours int8 / its strongest peer (the faster of the two
 * onnxruntime figures) with its range, besides int8 / ours float (what quantization buys us). The model's
 * BatchNormalization statistics are set from 8 random images first (calibrateBatchNorm), so that every layer's
 * activations are alive as in a trained network and the int8 model's scales are those of real ranges.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { getThreads, initBackend } from '../backend/index.js';
import { OptionError } from '../errors.js';
import { Engine } from '../engine/engine.js';
import { Int8Engine } from '../engine/int8-engine.js';
import type { Int8Model } from '../engine/int8-ir.js';
import { convertInt8ToOnnx } from '../export/onnx/qdq.js';
import { convertToOnnx } from '../export/onnx/index.js';
import { Arch, PresetName, buildModel } from '../models/presets.js';
import { calibrate } from '../quantize/calibrate.js';
import { floatIR } from '../quantize/float-ir.js';
import { quantizeIR } from '../quantize/quantize-model.js';
import { randomInput, timeCalls } from './int8.js';
import { measureOnnxModel } from './onnx-runtime.js';
import { DEFAULT_ROUNDS, SPREAD_LIMIT, Series, interleave, ratioRange, summarize, tooSpread } from './rounds.js';

/** Who an int8 row measures, in the order of each round. */
export const INT8_CONTESTANTS = ['int8', 'float', 'ortFloat', 'ortInt8'] as const;
export type Int8Contestant = (typeof INT8_CONTESTANTS)[number];
/** The peers the ratio counts against: the strongest of them. */
export const INT8_PEERS = ['ortFloat', 'ortInt8'] as const satisfies readonly Int8Contestant[];
export type Int8Peer = (typeof INT8_PEERS)[number];

export const INT8_LABELS: Readonly<Record<Int8Contestant, string>> = {
  int8: 'ours int8', float: 'ours float', ortFloat: 'onnxruntime float', ortInt8: 'onnxruntime int8',
};

export interface Int8Row {
  arch: Arch;
  preset: PresetName;
  batch: number;
  threads: number;
  steps: number;
  warmup: number;
  rounds: number;
  /** Images/s, the median of each contestant's rounds (null when every round failed: `notes`). */
  int8: number | null;
  float: number | null;
  ortFloat: number | null;
  ortInt8: number | null;
  /** Each contestant's rounds: samples, median, min, max, spread. */
  series: Partial<Record<Int8Contestant, Series>>;
  /** int8 / ours float (ratio of the medians) and its range (worst int8 / best float … best int8 / worst float). */
  vsFloat: number | null;
  vsFloatLow?: number;
  vsFloatHigh?: number;
  /** int8 / each onnxruntime figure. */
  vsOrtFloat: number | null;
  vsOrtInt8: number | null;
  /** The faster onnxruntime figure of the row, and ours int8 / it with its range: the row's ratio. */
  strongestPeer: Int8Peer | null;
  ratio: number | null;
  ratioLow?: number;
  ratioHigh?: number;
  /** Contestants whose rounds varied more than SPREAD_LIMIT. */
  spread?: Int8Contestant[];
  /** Failures, one line each ("onnxruntime int8: …"). */
  notes?: string[];
}

/** One contestant's rounds: images/s of the successful ones, the first failure's message. */
export interface Int8Tally { samples: number[]; failure?: string }

export interface Int8RowMeta { arch: Arch; preset: PresetName; batch: number; threads: number; steps: number; warmup: number; rounds: number }

/** The row from each contestant's tally (pure: the medians, the strongest peer, the ratios, spread and notes). */
export function int8RowOf(meta: Int8RowMeta, tallies: Partial<Record<Int8Contestant, Int8Tally>>): Int8Row {
  const s: Partial<Record<Int8Contestant, Series>> = {};
  const notes: string[] = [];
  for (const who of INT8_CONTESTANTS) {
    const t = tallies[who];
    const sum = t ? summarize(t.samples) : null;
    if (sum) s[who] = sum;
    if (t?.failure) notes.push(`${INT8_LABELS[who]}: ${t.failure}${sum ? ' (in some rounds; the figures are of the others)' : ''}`);
  }
  const med = (w: Int8Contestant) => s[w]?.median ?? null;
  const over = (w: Int8Contestant) => (s.int8 && s[w] ? s.int8.median / s[w]!.median : null);
  let strongest: Int8Peer | null = null;
  for (const p of INT8_PEERS) if (s[p] && (strongest === null || s[p]!.median > s[strongest]!.median)) strongest = p;
  const row: Int8Row = {
    ...meta, int8: med('int8'), float: med('float'), ortFloat: med('ortFloat'), ortInt8: med('ortInt8'), series: s,
    vsFloat: over('float'), vsOrtFloat: over('ortFloat'), vsOrtInt8: over('ortInt8'), strongestPeer: strongest, ratio: null,
  };
  if (s.int8 && s.float) {
    const r = ratioRange(s.int8, s.float);
    Object.assign(row, { vsFloatLow: r.low, vsFloatHigh: r.high });
  }
  if (s.int8 && strongest) {
    const r = ratioRange(s.int8, s[strongest]!);
    Object.assign(row, { ratio: r.ratio, ratioLow: r.low, ratioHigh: r.high });
  }
  const spread = INT8_CONTESTANTS.filter((w) => tooSpread(s[w]));
  if (spread.length) row.spread = spread;
  if (notes.length) row.notes = notes;
  return row;
}

/** Measures images/s of one contestant once (one round's worth of warm-up and timed steps). */
export type Int8Timer = () => Promise<number>;

/** Runs `rounds` interleaved rounds of the timers into tallies; a failed round is noted, never thrown. */
export async function runInt8Rounds(
  timers: Partial<Record<Int8Contestant, Int8Timer>>, rounds: number, progress?: (line: string) => void,
): Promise<Partial<Record<Int8Contestant, Int8Tally>>> {
  const who = INT8_CONTESTANTS.filter((w) => timers[w] !== undefined);
  const tallies: Partial<Record<Int8Contestant, Int8Tally>> = Object.fromEntries(who.map((w) => [w, { samples: [] }]));
  for (const slot of interleave(rounds, who)) {
    progress?.(`${INT8_LABELS[slot.who]}, round ${slot.round + 1}/${rounds}`);
    const t = tallies[slot.who]!;
    try {
      t.samples.push(await timers[slot.who]!());
    } catch (e) {
      t.failure ??= (e as Error).message.split('\n')[0];
    }
  }
  return tallies;
}

/**
 * Sets every BatchNormalization's moving mean and variance to its input's statistics on `x` (a training-mode
 * pass), as training would. With the initial (0, 1) an untrained net shrinks its activations ~10× a block: V1's
 * from block 9 on are all 0, calibration gives them scale 1 and zero point 0, and onnxruntime then keeps those
 * ten convolutions in float (their ReLU is not implied by the quantization), so its int8 figure would not be its
 * int8 kernels'.
 */
export function calibrateBatchNorm(model: tfl.LayersModel, x: Float32Array, dims: number[]): void {
  const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  const probe = tfl.model({ inputs: model.inputs, outputs: bns.map((l) => l.input as tfl.SymbolicTensor) });
  tf.tidy(() => {
    const ins = probe.apply(tf.tensor4d(x, [x.length / dims.reduce((a, d) => a * d, 1), ...dims] as [number, number, number, number]),
      { training: true }) as tf.Tensor[]; // each [B, H, W, C]
    bns.forEach((l, i) => {
      const { mean, variance } = tf.moments(ins[i], [0, 1, 2]); // [C]
      for (const w of l.weights) {
        const name = w.originalName ?? w.name;
        if (/moving_mean/.test(name)) w.write(mean);
        if (/moving_variance/.test(name)) w.write(variance);
      }
    });
  });
}

/** The int8 form of a (random-weight) logits model, calibrated on 8 random images. */
export function quantizeForBench(model: tfl.LayersModel, px: number): Int8Model {
  const ir = floatIR(model);
  const x = randomInput(8 * px);
  return quantizeIR(ir, calibrate(model, ir, [x], 'minmax'), { method: 'minmax', images: 8, data: 'random' }, false);
}

export interface Int8RowOptions { steps?: number; warmup?: number; rounds?: number; progress?: (line: string) => void }

/** One int8 row: the four contestants on the same random-weight model and input, in interleaved rounds. */
export async function measureInt8Row(arch: Arch, preset: PresetName, batch: number, o: Int8RowOptions = {}): Promise<Int8Row> {
  await initBackend('onednn');
  const steps = o.steps ?? 10, warmup = o.warmup ?? 3, rounds = o.rounds ?? DEFAULT_ROUNDS, threads = getThreads();
  const model = buildModel(arch, { classifierActivation: null, seed: 1 }, preset);
  const dims = model.inputs[0].shape.slice(1) as number[]; // [H, W, C]
  calibrateBatchNorm(model, randomInput(8 * dims.reduce((a, d) => a * d, 1)), dims);
  const x = randomInput(batch * dims.reduce((a, d) => a * d, 1));
  const f = Engine.compile(model);
  if ('unsupported' in f) throw new OptionError(`engine: ${f.unsupported}`);
  const int8 = quantizeForBench(model, dims.reduce((a, d) => a * d, 1));
  const q = Int8Engine.compile(int8);
  if ('unsupported' in q) throw new OptionError(`int8 plan: ${q.unsupported}`);
  const perSecond = (ms: number) => (1000 * batch) / ms;
  const ort = (bytes: () => Uint8Array): Int8Timer => {
    let b: Uint8Array | undefined;
    return async () => (await measureOnnxModel((b ??= bytes()), dims, { batch, steps, warmup, threads })).imagesPerSecond;
  };
  try {
    const tallies = await runInt8Rounds({
      int8: async () => perSecond(timeCalls(() => q.logits(x, batch), { steps, warmup })),
      float: async () => perSecond(timeCalls(() => f.predict(x, batch), { steps, warmup })),
      ortFloat: ort(() => convertToOnnx(model).bytes), // NHWC input, BN folded: `export --format onnx`
      ortInt8: ort(() => convertInt8ToOnnx(int8).bytes), // the QDQ export of the same int8 model
    }, rounds, o.progress);
    return int8RowOf({ arch, preset, batch, threads, steps, warmup, rounds }, tallies);
  } finally {
    f.trim();
    q.trim();
    model.dispose();
  }
}

const CASES: Array<[PresetName, number]> = [['mnist', 256], ['mnist', 1], ['imagenet', 32], ['imagenet', 1]];

/** Batch-1 rows run this many times the steps and warm-up. */
export const INT8_LATENCY_FACTOR = 5;

/** The int8 rows of `npm run bench` for `archs` (28×28 batch 256 and 1, 224×224 batch 32 and 1). */
export async function int8Rows(archs: readonly Arch[], o: Int8RowOptions = {}): Promise<Int8Row[]> {
  const rows: Int8Row[] = [];
  for (const arch of archs) {
    for (const [preset, batch] of CASES) {
      const fct = batch === 1 ? INT8_LATENCY_FACTOR : 1;
      const tag = `int8 ${arch} ${preset} batch ${batch}`;
      rows.push(await measureInt8Row(arch, preset, batch, {
        steps: (o.steps ?? 10) * fct, warmup: (o.warmup ?? 3) * fct, rounds: o.rounds, progress: o.progress && ((l) => o.progress!(`${tag}: ${l}`)),
      }));
    }
  }
  return rows;
}

const rate = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(v < 100 ? 1 : 0));

/** "1234 (1200–1300)" with several rounds, "1234" with one, "–" when none succeeded. */
function cell(r: Int8Row, w: Int8Contestant): string {
  const s = r.series[w];
  if (!s) return '–';
  return s.samples.length < 2 ? rate(s.median) : `${rate(s.median)} (${rate(s.min)}–${rate(s.max)})${tooSpread(s) ? ' *' : ''}`;
}

function ratioCell(v: number | null, low: number | undefined, high: number | undefined, rounds: boolean, name = ''): string {
  if (v === null) return '–';
  return `${v.toFixed(2)}×${name ? ` ${name}` : ''}${rounds && low !== undefined && high !== undefined ? ` (${low.toFixed(2)}–${high.toFixed(2)})` : ''}`;
}

/** The rows as a markdown table, failures and too-wide spreads as notes under it. */
export function renderInt8Rows(rows: readonly Int8Row[]): string {
  const lines = [
    '### Int8 inference (images/s: median (min–max) of the rounds; same random-weight model, input and threads)', '',
    `| arch | input | batch | threads | ${INT8_CONTESTANTS.map((w) => INT8_LABELS[w]).join(' | ')} | int8 / ours float | int8 / strongest peer |`,
    `|---|---|---:|---:|${'---:|'.repeat(INT8_CONTESTANTS.length)}---:|---:|`,
  ];
  const notes: string[] = [];
  for (const r of rows) {
    const several = (w: Int8Contestant | null) => (r.series.int8?.samples.length ?? 0) + (w ? r.series[w]?.samples.length ?? 0 : 0) > 2;
    const peer = r.strongestPeer;
    lines.push(`| ${r.arch} | ${r.preset === 'mnist' ? '28×28×1' : '224×224×3'} | ${r.batch} | ${r.threads} | ` +
      `${INT8_CONTESTANTS.map((w) => cell(r, w)).join(' | ')} | ${ratioCell(r.vsFloat, r.vsFloatLow, r.vsFloatHigh, several('float'))} | ` +
      `${ratioCell(r.ratio, r.ratioLow, r.ratioHigh, several(peer), peer ? INT8_LABELS[peer] : '')} |`);
    for (const n of r.notes ?? []) notes.push(`${r.arch} ${r.preset} batch ${r.batch}: ${n}`);
  }
  if (rows.some((r) => r.spread)) notes.push(`* spread over ${Math.round(SPREAD_LIMIT * 100)}% between rounds ((max − min) / median): this figure says little`);
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
