/**
 * Checkpoints and the published run directory.
 *
 *   DIR/checkpoint/   model.json + weights.bin (logits), optimizer.json + optimizer.bin, state.json;
 *                     replaced as a whole, atomically (atomic-dir.ts) — what --resume reads
 *   DIR/model.json, weights.bin, meta.json, history.json, history.csv
 *                     the latest model with a softmax head, for eval/predict/serve (each file atomic;
 *                     model.json does not change between epochs, so any weights.bin matches it)
 *   DIR/best/         meta.json + model of the best validation epoch (atomic, like checkpoint/)
 *
 * Order at an epoch's end: best/, checkpoint/, then the published files; once training ends report.html last. A run
 * stopped between the final checkpoint and its report is republished by --resume (train.ts, report.ts reportEpochs).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { RngState } from '../data/rng.js';
import { DataError } from '../errors.js';
import { loadLayersModel, writeFileAtomic } from '../format/layers-format.js';
import { SwapFault, completeDir, replaceDir } from '../run/atomic-dir.js';
import { isUnfinishedStart } from '../run/out-dir.js';
import { writeModel } from '../run/model-files.js';
import { checkCheckpointWeights, checkSlots, checkState } from './checkpoint-check.js';
import { OptimizerState, optimizerState } from './optimizer.js';
import type { ResolvedTrainOptions } from './options.js';
import { CurvePoint, HistoryRow, RunMeta, readJson, writeMeta } from '../run/run-dir.js';

export const STATE_FORMAT = 'mobilenet-train-state/1';

/** Everything besides weights that a resumed run needs to continue exactly. */
export interface TrainState {
  format: typeof STATE_FORMAT;
  options: ResolvedTrainOptions;
  meta: RunMeta;
  /** Epochs completed. */
  epoch: number;
  /** Steps already done in epoch `epoch` (non-zero after an interruption mid-epoch). */
  stepInEpoch: number;
  globalStep: number;
  /** Shuffle/augment generator state at the start of epoch `epoch`. */
  epochRng: RngState;
  /** Running sums of the unfinished epoch. */
  partial: { lossSum: number; correct: number; seen: number; seconds: number };
  history: HistoryRow[];
  /** Training curve within epochs: [fractional epoch, mean loss, mean accuracy] about 20 times an epoch. */
  trainCurve: CurvePoint[];
  /** Sums since the last trainCurve point: [loss·images, correct, images]. */
  curveSums: [number, number, number];
  best: { valAcc: number; epoch: number } | null;
  badEpochs: number;
  /** Wall seconds of the run so far (epochs, evaluation, checkpoints), at the last epoch end. */
  elapsed?: number;
  /** When test accuracy first reached options.target (with evalTest). */
  reached?: { epoch: number; elapsed: number; testAcc: number } | null;
  /** Why training ended, once it has. */
  finished: 'done' | 'early-stop' | null;
  /** A transfer run with fine-tuning: the phase the checkpoint's model and optimizer belong to. */
  transferPhase?: 1 | 2;
}

/** Writes DIR/checkpoint atomically. `fault` is a test hook (see atomic-dir.ts). */
export async function saveCheckpoint(
  dir: string, model: tfl.LayersModel, opt: tf.Optimizer, state: TrainState, fault?: SwapFault, ema?: Float32Array,
): Promise<void> {
  const os = await optimizerState(opt);
  await replaceDir(path.join(dir, 'checkpoint'), async (tmp) => {
    await writeModel(model, tmp, { softmax: false });
    if (ema) await writeFileAtomic(path.join(tmp, 'ema.bin'), new Uint8Array(ema.buffer, ema.byteOffset, ema.byteLength));
    await writeFileAtomic(path.join(tmp, 'optimizer.bin'), new Uint8Array(os.data));
    await writeFileAtomic(path.join(tmp, 'optimizer.json'), JSON.stringify({ optimizer: state.options.optimizer, specs: os.specs, scalars: os.scalars }));
    await writeFileAtomic(path.join(tmp, 'state.json'), JSON.stringify(state));
  }, fault);
}

export interface Checkpoint {
  model: tfl.LayersModel;
  /** The EMA of the weights (ema.bin), when the run keeps one. */
  ema: Float32Array | null;
  optimizer: OptimizerState;
  state: TrainState;
  /** The directory it was read from (checkpoint/ or checkpoint.old/). */
  from: string;
}

/**
 * Reads the last complete checkpoint of run directory `dir`, checked whole (checkpoint-check.ts): state.json
 * first, then finite weights, optimizer slots and EMA.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const from = await completeDir(path.join(dir, 'checkpoint'));
  if (!from) {
    const entries = await fs.readdir(dir).catch(() => null);
    if (entries && isUnfinishedStart(entries)) {
      throw new DataError(`${dir} holds an unfinished start (only checkpoint.tmp/: no checkpoint was completed, nothing to resume); `
        + `start again with train --out ${dir} --overwrite`);
    }
    throw new DataError(`${dir} has no checkpoint to resume from (no ${path.join(dir, 'checkpoint')})`);
  }
  const state = await readJson<TrainState>(path.join(from, 'state.json'));
  if (state?.format !== STATE_FORMAT) throw new DataError(`${path.join(from, 'state.json')}: not a ${STATE_FORMAT} file`);
  checkState(state, path.join(from, 'state.json'));
  const oj = await readJson<{ specs: tf.io.WeightsManifestEntry[]; scalars?: Record<string, number> }>(path.join(from, 'optimizer.json'));
  if (!Array.isArray(oj?.specs)) throw new DataError(`${path.join(from, 'optimizer.json')}: missing "specs"`);
  let bin: Buffer;
  try {
    bin = await fs.readFile(path.join(from, 'optimizer.bin'));
  } catch (e) {
    throw new DataError(`cannot read ${path.join(from, 'optimizer.bin')}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const data = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  const model = await loadLayersModel(from);
  const emaBin = await fs.readFile(path.join(from, 'ema.bin')).catch(() => null);
  if (emaBin && emaBin.byteLength % 4) throw new DataError(`${path.join(from, 'ema.bin')}: ${emaBin.byteLength} bytes is not a float32 array`);
  const ema = emaBin ? new Float32Array(emaBin.buffer.slice(emaBin.byteOffset, emaBin.byteOffset + emaBin.byteLength)) : null;
  try {
    checkCheckpointWeights(model, from);
    checkSlots(oj.specs, data, ema, from);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, ema, optimizer: { specs: oj.specs, data, scalars: oj.scalars }, state, from };
}

/** history.csv text: a header and one row per epoch. */
export function historyCsv(rows: HistoryRow[]): string {
  const cols: Array<keyof HistoryRow> = ['epoch', 'trainLoss', 'trainAcc', 'valLoss', 'valAcc', 'testLoss', 'testAcc', 'lr', 'seconds', 'elapsed', 'testSeconds'];
  return [cols.join(','), ...rows.map((r) => cols.map((c) => (r[c] == null ? '' : String(r[c]))).join(','))].join('\n') + '\n';
}

/** Writes the loadable top level of the run directory: softmax model, meta, history, the curve within epochs. */
export async function publish(
  dir: string, model: tfl.LayersModel, meta: RunMeta, history: HistoryRow[], curve: CurvePoint[] = [],
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeModel(model, dir, { softmax: true });
  await writeMeta(dir, meta);
  await writeFileAtomic(path.join(dir, 'history.json'), JSON.stringify(history, null, 1));
  await writeFileAtomic(path.join(dir, 'history.csv'), historyCsv(history));
  await writeFileAtomic(path.join(dir, 'curve.json'), JSON.stringify(curve));
}

/** Replaces DIR/best with this model (softmax head) and meta. */
export async function saveBest(dir: string, model: tfl.LayersModel, meta: RunMeta): Promise<void> {
  await replaceDir(path.join(dir, 'best'), async (tmp) => {
    await writeModel(model, tmp, { softmax: true });
    await writeMeta(tmp, meta);
  });
}
