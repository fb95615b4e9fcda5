/**
 * The run directory: what `mobilenet train` writes and `eval`, `predict` and `serve` read.
 *
 *   DIR/model.json, DIR/weights.bin   the model, TF.js layers format (loads in a browser)
 *   DIR/meta.json                     RunMeta below: how to feed the model and read its output
 *   DIR/history.json                  HistoryRow[] (also history.csv)
 *   DIR/curve.json                    [fractional epoch, loss, accuracy] training points within epochs
 *   DIR/best/                         the best validation checkpoint, same layout
 *   DIR/report.html                   curves, confusion matrix, summary and cost
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CurvePoint, HistoryRow } from '../api-types.js';
import { DataError } from '../errors.js';
import { loadLayersModel, writeFileAtomic } from '../export/layers-format.js';
import type { Arch, BuildOptions } from '../models/presets.js';
import { checkRunModel } from './run-check.js';

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

export type { CurvePoint, HistoryRow };

export interface Run {
  dir: string;
  model: tfl.LayersModel;
  meta: RunMeta;
  history: HistoryRow[];
  /** Training curve within epochs (empty when the run has none). */
  curve?: CurvePoint[];
  /** Problems with optional files (history.json, curve.json) that did not stop loading. */
  warnings?: string[];
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
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new DataError(`${file}: not a JSON object`);
  if (meta.format !== RUN_FORMAT) throw new DataError(`${file}: not a mobilenet run (format is not ${RUN_FORMAT})`);
  for (const k of ['arch', 'inputShape', 'labels', 'normalization', 'output'] as const) {
    if (meta[k] === undefined) throw new DataError(`${file}: missing "${k}"`);
  }
  return meta as RunMeta;
}

/** Reads an optional JSON file that eval/predict/serve can do without: a problem becomes a warning. */
async function readOptional<T>(file: string, valid: (v: unknown) => v is T, what: string, warnings: string[]): Promise<T | undefined> {
  if (!(await fs.access(file).then(() => true, () => false))) return undefined;
  try {
    const v = await readJson(file);
    if (valid(v)) return v;
    warnings.push(`${file} is not ${what}; ignored`);
  } catch (e) {
    warnings.push(`${(e as Error).message}; ignored`);
  }
  return undefined;
}

const isHistory = (v: unknown): v is HistoryRow[] =>
  Array.isArray(v) && v.every((r) => typeof r === 'object' && r !== null && typeof (r as HistoryRow).epoch === 'number');
const isCurve = (v: unknown): v is CurvePoint[] =>
  Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 3 && p.every((x) => typeof x === 'number' || x === null));
const isState = (v: unknown): v is { trainCurve: CurvePoint[] } => isCurve((v as { trainCurve?: unknown } | null)?.trainCurve);

/** history.json and the training curve (curve.json, else the checkpoint's), tolerating broken files. */
async function readHistory(dir: string): Promise<{ history: HistoryRow[]; curve: CurvePoint[]; warnings: string[] }> {
  const warnings: string[] = [];
  const history = await readOptional(path.join(dir, 'history.json'), isHistory, 'a list of epochs', warnings) ?? [];
  const curve = await readOptional(path.join(dir, 'curve.json'), isCurve, 'a list of [epoch, loss, accuracy]', warnings)
    ?? (await readOptional(path.join(dir, 'checkpoint', 'state.json'), isState, 'a training state', []))?.trainCurve ?? [];
  return { history, curve, warnings };
}

/**
 * Loads a run directory (or its best/ subfolder when best is true) and checks meta.json against the model
 * (see run-check.ts). A missing or broken history.json / curve.json only adds a warning.
 */
export async function loadRun(dir: string, o: { best?: boolean } = {}): Promise<Run> {
  const src = o.best ? path.join(dir, 'best') : dir;
  const st = await fs.stat(src).catch(() => null);
  if (!st) throw new DataError(`run directory ${src} does not exist`);
  if (!st.isDirectory()) throw new DataError(`${src} is a file, not a run directory`);
  const meta = await readMeta(src);
  const model = await loadLayersModel(src);
  checkRunModel(model, meta, src);
  return { dir, model, meta, ...(await readHistory(dir)) };
}
