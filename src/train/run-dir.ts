/**
 * The run directory: what `mobilenet train` writes and `eval`, `predict` and `serve` read.
 *
 *   DIR/model.json, DIR/weights.bin   the model, TF.js layers format (loads in a browser)
 *   DIR/meta.json                     RunMeta below: how to feed the model and read its output
 *   DIR/history.json                  HistoryRow[] (also history.csv)
 *   DIR/best/                         the best validation checkpoint, same layout
 *   DIR/report.html                   curves, confusion matrix, summary and cost
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { loadLayersModel, writeFileAtomic } from '../export/layers-format.js';
import type { Arch, BuildOptions } from '../models/presets.js';

export const RUN_FORMAT = 'mobilenet-run/1';

export interface RunMeta {
  format: typeof RUN_FORMAT;
  arch: Arch;
  /** Preset the model was built from, if any. */
  preset: string | null;
  /** The options the builder got (after the preset was applied). */
  buildOptions: BuildOptions;
  /** [H, W, C] the model takes. */
  inputShape: [number, number, number];
  /** Class names, index = class id. */
  labels: string[];
  /** Per-channel mean and std on the 0..1 pixel scale: x = (pixel/255 - mean) / std. */
  normalization: { mean: number[]; std: number[] };
  /** What the model's output is: softmax probabilities or logits (apply softmax). */
  output: 'logits' | 'probabilities';
  /** Dataset spec it was trained on ('mnist', 'fashion-mnist', 'folder:PATH'). */
  dataset: string;
  /** Backend that trained it, and the command line. */
  backend: string;
  command: string;
}

export interface HistoryRow {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number | null;
  valAcc: number | null;
  /** Test-split loss and accuracy after this epoch (with evalTest), else null. */
  testLoss?: number | null;
  testAcc?: number | null;
  lr: number;
  /** Training seconds of this epoch. */
  seconds: number;
  /** Wall seconds since the run started, at the end of this epoch (evaluation and checkpoint included). */
  elapsed?: number;
}

export interface Run {
  dir: string;
  model: tfl.LayersModel;
  meta: RunMeta;
  history: HistoryRow[];
}

/** Reads and parses a JSON file; a missing or malformed file is one DataError naming it. */
export async function readJson<T = unknown>(file: string): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DataError(`${file} is not valid JSON`);
  }
}

export async function writeMeta(dir: string, meta: RunMeta): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
}

export async function readMeta(dir: string): Promise<RunMeta> {
  const file = path.join(dir, 'meta.json');
  const meta = (await readJson(file)) as Partial<RunMeta>;
  if (meta?.format !== RUN_FORMAT) throw new DataError(`${file}: not a mobilenet run (format is not ${RUN_FORMAT})`);
  for (const k of ['arch', 'inputShape', 'labels', 'normalization', 'output'] as const) {
    if (meta[k] === undefined) throw new DataError(`${file}: missing "${k}"`);
  }
  return meta as RunMeta;
}

/** Loads a run directory (or its best/ subfolder when best is true). */
export async function loadRun(dir: string, o: { best?: boolean } = {}): Promise<Run> {
  const src = o.best ? path.join(dir, 'best') : dir;
  try {
    await fs.access(src);
  } catch {
    throw new DataError(`run directory ${src} does not exist`);
  }
  const meta = await readMeta(src);
  const model = await loadLayersModel(src);
  const historyFile = path.join(dir, 'history.json');
  const history = (await fs.access(historyFile).then(() => true, () => false))
    ? ((await readJson(historyFile)) as HistoryRow[]) : [];
  return { dir, model, meta, history };
}
