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
import { loadLayersModel } from '../format/layers-format.js';
import { RunMeta, readJson, readMeta } from './meta.js';
import { checkRunModel } from './run-check.js';
import { checkInt8AgainstMeta } from './int8-check.js';
import { readInt8Model } from './int8-files.js';
import type { Int8Model } from '../engine/int8-ir.js';

export { RUN_FORMAT, readJson, readMeta, writeMeta } from './meta.js';
export type { RunMeta } from './meta.js';
export type { CurvePoint, HistoryRow };

export interface Run {
  dir: string;
  model: tfl.LayersModel;
  meta: RunMeta;
  history: HistoryRow[];
  /** Training curve within epochs (empty when the run has none). */
  curve?: CurvePoint[];
  /** The int8 model (int8.json + int8.bin) of a quantized run (meta.json "quantization"); eval, predict, serve run it. */
  int8?: Int8Model;
  /** Problems with optional files (history.json, curve.json) that did not stop loading. */
  warnings?: string[];
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
  const int8 = meta.quantization ? await readInt8Model(src) : undefined;
  if (int8) checkInt8AgainstMeta(int8, meta, src);
  return { dir, model, meta, ...(int8 ? { int8 } : {}), ...(await readHistory(dir)) };
}
