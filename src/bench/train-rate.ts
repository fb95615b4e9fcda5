/**
 * bench:train-rate — `mobilenet train`'s epoch rate against the bench's step rate for the same model, at several
 * input sizes (issue 17, item 4): what a user's run loses to its data pipeline (resizing, augmentation, batching),
 * the per-step bookkeeping and the epoch's end, and what the first epoch costs beyond the plan's set-up.
 *
 * Each round trains a short run (fashion-mnist resized to the size, a few epochs) and then times the bench's
 * engine step on the run's own builder options (meta.buildOptions: input, classes, stem stride); rounds interleave
 * (train 28, bench 28, train 96, …), and each figure is the median of its rounds with the min–max (rounds.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Arch, BuildOptions } from '../models/presets.js';
import type { EpochTiming } from '../train/events.js';
import { train } from '../train/train.js';
import { measureTraining } from './measure.js';
import { RatioRange, Series, median, ratioRange, summarize } from './rounds.js';

/** One input size's plan: the side (28 keeps the data's 28×28×1; else S×S×3), batch, training images per epoch. */
export interface RateSize { side: number; batch: number; images: number }

/** The defaults: 28 at train's batch (128), 96 at train's batch, 224 at the bench's train-224 batch (32). */
export const DEFAULT_SIZES: readonly RateSize[] = [
  { side: 28, batch: 128, images: 6400 },
  { side: 96, batch: 128, images: 2560 },
  { side: 224, batch: 32, images: 640 },
];

/** One epoch of a short run, as `train` reports it. */
export interface EpochSample { seconds: number; images: number; timing: EpochTiming }

/** The figures of one short run: the later epochs' rate and what the first epoch costs beyond them. */
export interface RunRates {
  /** Images / epoch seconds (steps and data, epoch end excluded), median over epochs 2.. . */
  epochRate: number;
  /** EpochTiming.imgPerSec of epochs 2.. (steps only, set-up excluded), median. */
  stepRate: number;
  /** First epoch's seconds minus the later epochs' median, and the plan set-up inside it. */
  firstExtra: number;
  setup: number;
  /** Median seconds after the last step (precise BN, evaluation, checkpoint, published files). */
  end: number;
}

/** Reads a short run's epochs (at least two: the first is the set-up epoch). */
export function runRates(epochs: readonly EpochSample[]): RunRates {
  if (epochs.length < 2) throw new Error('train-rate needs at least 2 epochs per run (the first carries the set-up)');
  const later = epochs.slice(1);
  const laterSeconds = median(later.map((e) => e.seconds));
  return {
    epochRate: median(later.map((e) => e.images / e.seconds)),
    stepRate: median(later.map((e) => e.timing.imgPerSec)),
    firstExtra: epochs[0].seconds - laterSeconds,
    setup: epochs[0].timing.setupSeconds,
    end: median(epochs.map((e) => e.timing.endSeconds)),
  };
}

export interface RateRow {
  size: RateSize;
  inputShape: number[];
  stemStride: number;
  /** train's epoch rate (RunRates.epochRate) per round, and the bench's step rate per round. */
  train: Series | null;
  bench: Series | null;
  /** train / bench, ratio of medians with its range. */
  ratio: RatioRange | null;
  runs: RunRates[];
  notes: string[];
}

export interface RateOptions {
  arch: Arch;
  sizes: readonly RateSize[];
  rounds: number;
  epochs: number;
  /** Bench steps per measurement (3 warm-up first). */
  steps: number;
  log: (m: string) => void;
}

/** Trains one short run at `size`; returns its epochs and builder options. */
async function shortRun(o: RateOptions, size: RateSize, dir: string): Promise<{ epochs: EpochSample[]; build: BuildOptions }> {
  const epochs: Array<Omit<EpochSample, 'images'>> = [];
  const inputShape: [number, number, number] = size.side === 28 ? [28, 28, 1] : [size.side, size.side, 3];
  const r = await train({
    arch: o.arch, dataset: 'fashion-mnist', model: { inputShape }, epochs: o.epochs, batchSize: size.batch,
    limitTrain: size.images, limitTest: 100, evalTest: false, out: dir, overwrite: true,
    onEvent: (e) => {
      if (e.type === 'log') o.log(`  ${e.message}`);
      if (e.type === 'epoch' && e.timing) epochs.push({ seconds: e.row.seconds, timing: e.timing });
    },
  });
  return { epochs: epochs.map((e) => ({ ...e, images: r.counts.train })), build: r.meta.buildOptions };
}

/** Runs the rounds; a failed measurement is noted and left out. */
export async function trainRates(o: RateOptions): Promise<RateRow[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mobilenet-train-rate-'));
  const rows: RateRow[] = o.sizes.map((size) => ({
    size, inputShape: [], stemStride: 2, train: null, bench: null, ratio: null, runs: [], notes: [],
  }));
  const trainSamples = rows.map(() => [] as number[]), benchSamples = rows.map(() => [] as number[]);
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const [i, row] of rows.entries()) {
        const label = `${row.size.side}px batch ${row.size.batch}`;
        try {
          o.log(`train-rate: round ${round + 1}/${o.rounds}: train ${label}`);
          const run = await shortRun(o, row.size, path.join(tmp, `run-${row.size.side}`));
          const rates = runRates(run.epochs);
          row.runs.push(rates);
          trainSamples[i].push(rates.epochRate);
          row.inputShape = run.build.inputShape ?? [];
          row.stemStride = run.build.stemStride ?? 2;
          o.log(`train-rate: train ${label}: ${rates.epochRate.toFixed(1)} img/s per epoch (steps ${rates.stepRate.toFixed(1)})`);
          o.log(`train-rate: round ${round + 1}/${o.rounds}: bench ${label}`);
          const m = await measureTraining({
            arch: o.arch, build: run.build, batch: row.size.batch, // benchModel builds it with logits out
            steps: o.steps, warmup: 3, backend: 'auto',
          });
          benchSamples[i].push(m.imagesPerSecond);
          o.log(`train-rate: bench ${label}: ${m.imagesPerSecond.toFixed(1)} img/s`);
        } catch (e) {
          row.notes.push(`round ${round + 1}: ${(e as Error).message}`);
          o.log(`train-rate: ${label} failed: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const [i, row] of rows.entries()) {
    row.train = summarize(trainSamples[i]);
    row.bench = summarize(benchSamples[i]);
    row.ratio = row.train && row.bench ? ratioRange(row.train, row.bench) : null;
  }
  return rows;
}

const fig = (s: Series | null, d = 1) => (s ? `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})` : '–');

/** The markdown table: one row per size. */
export function rateTable(rows: readonly RateRow[]): string {
  const lines = [
    '| input | stem stride | batch | train epoch img/s | bench step img/s | train / bench | first epoch extra s (plan set-up s) | epoch end s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const extra = r.runs.length ? `${median(r.runs.map((x) => x.firstExtra)).toFixed(1)} (${median(r.runs.map((x) => x.setup)).toFixed(1)})` : '–';
    const end = r.runs.length ? median(r.runs.map((x) => x.end)).toFixed(1) : '–';
    const ratio = r.ratio ? `${r.ratio.ratio.toFixed(2)}× (${r.ratio.low.toFixed(2)}–${r.ratio.high.toFixed(2)})` : '–';
    lines.push(`| ${r.inputShape.join('×') || r.size.side} | ${r.stemStride} | ${r.size.batch} | ${fig(r.train)} | ${fig(r.bench)} | ${ratio} | ${extra} | ${end} |`
      + (r.notes.length ? ` ${r.notes.join('; ')}` : ''));
  }
  return lines.join('\n');
}
