/**
 * A checkpoint is checked on resume as a run is on load (run/run-check.ts): state.json whole, before any data
 * is read (counters integer and consistent, RNG state four uint32 words, options and meta valid), then every
 * weight, optimizer slot and EMA value finite. A broken checkpoint is one DataError naming the file, never a
 * run that trains NaN and publishes it.
 */
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { checkMeta, checkWeights } from '../run/run-check.js';
import { resolveTrainOptions } from './options.js';

const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 80);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function need(ok: boolean, file: string, msg: string): void {
  if (!ok) throw new DataError(`${file}: ${msg}`);
}

/** The counters: epochs done within the run's epochs, the step within the epoch and the global step consistent. */
function checkCounters(s: Record<string, unknown>, epochs: number, file: string): void {
  need(isInt(s.epoch) && s.epoch <= epochs, file, `"epoch" must be an integer in 0..${epochs} (epochs done), got ${show(s.epoch)}`);
  need(isInt(s.stepInEpoch), file, `"stepInEpoch" must be an integer ≥ 0, got ${show(s.stepInEpoch)}`);
  need(isInt(s.globalStep), file, `"globalStep" must be an integer ≥ 0, got ${show(s.globalStep)}`);
  const [epoch, step, global] = [s.epoch, s.stepInEpoch, s.globalStep] as number[];
  const perEpoch = epoch > 0 ? (global - step) / epoch : null; // every epoch has the same number of steps
  need(epoch === 0 ? global === step : Number.isInteger(perEpoch) && step < perEpoch!, file,
    `"globalStep" ${global} does not fit ${epoch} epochs done and step ${step} of the next`);
  need(isInt(s.badEpochs), file, `"badEpochs" must be an integer ≥ 0, got ${show(s.badEpochs)}`);
}

/** Running sums, history, curve, best, finished: the shapes the loop relies on. */
function checkRecords(s: Record<string, unknown>, file: string): void {
  const rng = s.epochRng;
  need(Array.isArray(rng) && rng.length === 4 && rng.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 32), file,
    `"epochRng" must be four 32-bit integers (the generator's state), got ${show(rng)}`);
  const p = s.partial as Record<string, unknown> | undefined;
  need(isObject(p) && ['lossSum', 'correct', 'seen'].every((k) => isNum(p[k])) && (p.seconds === undefined || isNum(p.seconds)), file,
    `"partial" must hold finite lossSum, correct, seen (and seconds) ≥ 0, got ${show(p)}`);
  const h = s.history;
  need(Array.isArray(h) && h.length === s.epoch && h.every((r, i) => isObject(r) && r.epoch === i + 1), file,
    `"history" must list the ${String(s.epoch)} epochs done, got ${Array.isArray(h) ? `${h.length} rows` : show(h)}`);
  need(s.trainCurve === undefined || Array.isArray(s.trainCurve), file, `"trainCurve" must be a list, got ${show(s.trainCurve)}`);
  need(s.curveSums === undefined || (Array.isArray(s.curveSums) && s.curveSums.length === 3 && s.curveSums.every(isNum)), file,
    `"curveSums" must be three finite numbers, got ${show(s.curveSums)}`);
  const b = s.best as Record<string, unknown> | null;
  need(b === null || (isObject(b) && isNum(b.valAcc) && isInt(b.epoch, 1)), file, `"best" must be null or {valAcc, epoch}, got ${show(b)}`);
  need(s.finished === null || s.finished === 'done' || s.finished === 'early-stop', file,
    `"finished" must be null, "done" or "early-stop", got ${show(s.finished)}`);
  need(s.elapsed === undefined || isNum(s.elapsed), file, `"elapsed" must be a number of seconds ≥ 0, got ${show(s.elapsed)}`);
}

/** state.json of a checkpoint, whole (no data or model needed). */
export function checkState(s: unknown, file: string): void {
  need(isObject(s), file, 'not a JSON object');
  const st = s as Record<string, unknown>;
  need(isObject(st.options), file, `"options" must be an object, got ${show(st.options)}`);
  try {
    resolveTrainOptions(st.options as never, isObject(st.meta) ? String(st.meta.dataset) : undefined);
  } catch (e) {
    throw new DataError(`${file}: "options" are not valid: ${(e as Error).message}`);
  }
  need(isObject(st.meta), file, `"meta" must be an object, got ${show(st.meta)}`);
  checkMeta(st.meta as Record<string, unknown>, `${file} ("meta")`);
  checkCounters(st, (st.options as { epochs: number }).epochs, file);
  checkRecords(st, file);
}

/** After the data is loaded: the checkpoint's step within the epoch exists in this dataset's epochs. */
export function checkStepsPerEpoch(
  s: { epoch: number; stepInEpoch: number; globalStep: number }, stepsPerEpoch: number, file: string,
): void {
  const saved = s.epoch > 0 ? (s.globalStep - s.stepInEpoch) / s.epoch : null;
  if ((saved !== null && saved !== stepsPerEpoch) || s.stepInEpoch >= stepsPerEpoch) {
    throw new DataError(`${file}: the checkpoint is at step ${s.stepInEpoch}${saved !== null ? ` of ${saved}` : ''} of an epoch, but the `
      + `dataset gives ${stepsPerEpoch} steps an epoch (did the dataset or its limits change?)`);
  }
}

/** The index of the first non-finite value of `values`, or -1. */
function firstBad(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** Optimizer slots (optimizer.bin by optimizer.json's specs) and the EMA (ema.bin): every value finite. */
export function checkSlots(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer, ema: Float32Array | null, from: string): void {
  const json = path.join(from, 'optimizer.json');
  for (const w of specs) {
    need(isObject(w) && typeof w.name === 'string' && Array.isArray(w.shape) && w.shape.every((d) => isInt(d)), json,
      `"specs" entry ${show(w)} is not {name, shape}`);
    need(w.dtype === undefined || w.dtype === 'float32' || w.dtype === 'int32', json, `slot ${w.name} has dtype ${show(w.dtype)}, not float32 or int32`);
  }
  const expected = specs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  need(data.byteLength === expected, path.join(from, 'optimizer.bin'), `optimizer state is ${data.byteLength} bytes, expected ${expected}`);
  let offset = 0;
  for (const w of specs) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const i = w.dtype === 'int32' ? -1 : firstBad(new Float32Array(data, offset, n));
    need(i < 0, path.join(from, 'optimizer.bin'), `optimizer slot ${w.name} holds ${new Float32Array(data, offset, n)[i]} (at index ${i})`);
    offset += n * 4;
  }
  if (!ema) return;
  const i = firstBad(ema);
  need(i < 0, path.join(from, 'ema.bin'), `the weights' moving average holds ${ema[i]} (at index ${i})`);
}

/** The checkpoint's model: every weight finite. */
export function checkCheckpointWeights(model: tfl.LayersModel, from: string): void {
  checkWeights(model, path.join(from, 'weights.bin'));
}
