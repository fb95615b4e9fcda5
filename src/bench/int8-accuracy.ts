/**
 * The int8 rows of bench:accuracy (issue 16): a run directory (one the bench just trained, or any finished run:
 * `--run DIR`) scored on its test split with its float model, then quantized in memory per calibration method
 * exactly as `mobilenet quantize` does (quantizeInMemory: N images of its training data spread evenly) and scored
 * again with the int8 model (the native int8 plan, or the JS reference without the addon): both accuracies and
 * the top-1 agreement of the two models, image by image. Nothing is written to the run.
 */
import * as path from 'node:path';
import { subsetSplit } from '../data/batches.js';
import type { Split } from '../data/types.js';
import { DataError } from '../errors.js';
import { int8Runner } from '../engine/int8-engine.js';
import { ModelRunner, modelRunner } from '../engine/runner.js';
import { datasetForRun } from '../evaluate/evaluate.js';
import { evaluateSplit } from '../evaluate/split-pass.js';
import type { CalibrationMethod } from '../quantize/calibrate.js';
import { quantizeInMemory } from '../quantize/quantize-run.js';
import { logitsModel } from '../run/model-files.js';
import { requireClassifier } from '../run/run-check.js';
import { Run, loadRun } from '../run/run-dir.js';
import { Int8AccuracyRow, agreement, int8Command, top1 } from './int8-accuracy-table.js';

export interface Int8AccuracyOptions {
  methods: readonly CalibrationMethod[];
  calibrate: number;
  /** Only the first N test images. */
  limitTest?: number;
  onProgress?: (msg: string) => void;
}

/** Accuracy and top-1 predictions of a runner over the split. */
function score(run: Run, split: Split, runner: ModelRunner): { accuracy: number; count: number; top: Int32Array } {
  const k = run.meta.labels.length;
  const top = new Int32Array(split.count);
  const model = logitsModel(run.model, run.meta, path.join(run.dir, 'meta.json'));
  const r = evaluateSplit(model, split, run.meta.normalization, 100, (logits, _y, start) => top.set(top1(logits, k), start), runner);
  return { accuracy: r.accuracy, count: r.count, top };
}

/** One row per method for the run in `dir` (`name`: what the table calls it). */
export async function int8AccuracyRows(dir: string, name: string, o: Int8AccuracyOptions): Promise<Int8AccuracyRow[]> {
  const log = o.onProgress ?? (() => {});
  const run = await loadRun(dir);
  requireClassifier(run.meta, run.dir);
  const ds = await datasetForRun(run, run.meta.dataset, o.onProgress);
  if (ds.test.shape.join('x') !== run.meta.inputShape.join('x')) {
    throw new DataError(`dataset ${ds.name} has ${ds.test.shape.join('x')} images, the model takes ${run.meta.inputShape.join('x')}`);
  }
  if (ds.test.count === 0) throw new DataError(`dataset ${ds.name} has no test images: nothing to score`);
  const split = o.limitTest && o.limitTest < ds.test.count ? subsetSplit(ds.test, Int32Array.from({ length: o.limitTest }, (_, i) => i)) : ds.test;
  const floatRunner = modelRunner(logitsModel(run.model, run.meta, path.join(run.dir, 'meta.json')));
  log(`${name}: float model on ${split.count} test images (${floatRunner.kind})`);
  const f = score(run, split, floatRunner);
  const rows: Int8AccuracyRow[] = [];
  for (const method of o.methods) {
    log(`${name}: quantizing (${method}, ${o.calibrate} calibration images)`);
    const q = await quantizeInMemory(dir, { calibrate: o.calibrate, method, onProgress: o.onProgress });
    const runner = int8Runner(q.model, { probabilities: false });
    log(`${name}: int8 model (${method}) on ${split.count} test images (${runner.kind})`);
    const s = score(run, split, runner);
    rows.push({
      run: name, dir, arch: run.meta.arch, dataset: run.meta.dataset, method, calibration: q.model.calibration.images, testImages: s.count,
      floatAccuracy: f.accuracy, int8Accuracy: s.accuracy, agreement: agreement(f.top, s.top), int8Kind: runner.kind, floatKind: floatRunner.kind,
      command: int8Command(dir, method, o.calibrate, o.limitTest),
    });
  }
  return rows;
}
