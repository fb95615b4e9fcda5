/**
 * The epoch loop: shuffled (seeded) batches, one optimizer step each, validation, history,
 * best/ and early stopping, a checkpoint every epoch and on abort. Pure function of the state it
 * starts from, so a resumed run continues exactly where the checkpoint left it.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { iterateBatches, iterateLabels } from '../data/batches.js';
import { DataError } from '../errors.js';
import { checkWeights } from '../run/run-check.js';
import { Rng } from '../data/rng.js';
import type { SwapFault } from '../run/atomic-dir.js';
import { TrainState, publish, saveBest, saveCheckpoint } from './checkpoint.js';
import type { WeightEma } from './ema.js';
import { EvalView, enterEvalView } from './eval-view.js';
import type { EpochTiming, TrainListener } from './events.js';
import type { HistoryRow } from '../run/run-dir.js';
import { ScheduleSpan, phaseLearningRate as learningRate } from './schedule.js';
import type { TrainData } from './setup.js';
import { evaluateSplit } from '../evaluate/split-pass.js';
import type { Trainer } from './trainer.js';

export interface LoopContext {
  dir: string;
  model: tfl.LayersModel;
  opt: tf.Optimizer;
  data: TrainData;
  state: TrainState;
  /** Runs the steps: the native engine or TF.js (trainer.ts). */
  trainer: Trainer;
  /** The EMA of the weights, when options.ema > 0. */
  ema: WeightEma | null;
  /** Weights read after the last step (trainer.trainableValues(): stable until the next read), not yet folded in. */
  emaPending?: { values: Float32Array[]; t: number };
  /** The precise-BN notice was shown. */
  told?: boolean;
  /** performance.now() when this process started the run (elapsed = state.elapsed + time since). */
  t0: number;
  signal?: AbortSignal;
  emit: TrainListener;
  /** Test hook for the checkpoint swap. */
  fault?: SwapFault;
  /** Stop (returning 'phase-end') when this many epochs are done: a transfer run's phase 1. */
  until?: number;
  /** A finished run's final checkpoint that was never published: publish it (evaluation weights) instead of training. */
  republish?: boolean;
  /** This session's part of the epoch running now: images stepped, seconds, plan set-up seconds (EpochTiming). */
  session?: { seen: number; seconds: number; setup: number };
}

export function scheduleSpan(trainCount: number, batchSize: number, epochs: number): ScheduleSpan {
  const stepsPerEpoch = Math.ceil(trainCount / batchSize);
  return { stepsPerEpoch, totalSteps: stepsPerEpoch * epochs };
}

/** Swaps the evaluation weights (EMA, precise BN) into the model; the engine runs them too. */
function evalView(c: LoopContext): EvalView {
  c.trainer.sync();
  const view = enterEvalView({
    model: c.model, train: c.data.train, norm: c.data.dataset, options: c.state.options, ema: c.ema, engine: c.trainer.engine,
  });
  c.trainer.runner().refresh();
  if (view.preciseBn && view.preciseBn.layers > 0 && !c.told) {
    c.told = true;
    c.emit({ type: 'log', message: `precise BN: statistics of ${view.preciseBn.layers} BatchNormalization layers recomputed over ${view.preciseBn.images} training images` });
  }
  return view;
}

/** Back to the training weights (also in the engine). */
function leaveView(c: LoopContext, view: EvalView): void {
  view.exit();
  c.trainer.runner().refresh();
}

/** Saves checkpoint/ (training weights, optimizer, EMA, state). */
async function checkpoint(c: LoopContext): Promise<void> {
  c.trainer.sync();
  await saveCheckpoint(c.dir, c.model, c.opt, c.state, c.fault, c.ema?.pack());
}

/**
 * Refuses to save a model that diverged: with a NaN or infinite training weight, nothing of this epoch is written,
 * so checkpoint/, best/ and the published model stay those of the last good epoch.
 */
function checkDiverged(c: LoopContext, weights: 'training' | 'evaluation'): void {
  if (weights === 'training') c.trainer.sync();
  try {
    checkWeights(c.model, 'model');
  } catch (e) {
    const st = c.state;
    const kept = st.epoch > 0 ? `${c.dir} keeps the checkpoint and model of epoch ${st.epoch}` : 'no checkpoint was saved';
    const which = weights === 'evaluation' ? ' of the evaluation weights (EMA, precise BN)' : '';
    throw new DataError(`training diverged in epoch ${st.epoch + 1}: ${(e as Error).message.replace(/^model: /, '')}${which}; `
      + `nothing of this epoch was saved (${kept}); try a lower learning rate`);
  }
}

/** After an interruption: checkpoint/, and the published files with the evaluation weights. */
async function persistInterrupted(c: LoopContext): Promise<void> {
  checkDiverged(c, 'training');
  const view = evalView(c);
  checkDiverged(c, 'evaluation');
  leaveView(c, view);
  await checkpoint(c);
  view.reenter();
  await publish(c.dir, c.model, c.state.meta, c.state.history, c.state.trainCurve);
  leaveView(c, view);
}

/** Accumulates a step into the training curve; emits a point every ~1/20 epoch and at the epoch's end. */
function addCurvePoint(st: TrainState, loss: number, correct: number, n: number, step: number, steps: number): void {
  const c = st.curveSums;
  c[0] += loss; c[1] += correct; c[2] += n;
  if (step % Math.max(1, Math.floor(steps / 20)) === 0 || step === steps) {
    st.trainCurve.push([st.epoch + step / steps, c[0] / c[2], c[1] / c[2]]);
    st.curveSums = [0, 0, 0];
  }
}

/** Runs the rest of epoch `state.epoch`; returns false if aborted mid-way (state holds the partial epoch). */
async function runEpoch(c: LoopContext, span: ScheduleSpan): Promise<boolean> {
  const { state: st, data } = c;
  const o = st.options;
  // >>> 0: states saved by an earlier Rng could hold signed words, which fromState() rejects
  const rng = Rng.fromState(st.epochRng.map((v) => v >>> 0));
  const order = rng.permutation(data.train.count);
  const augment = o.augment || o.flip || o.erase > 0
    ? { rng, maxShift: o.augment ? o.maxShift : 0, flip: o.flip, erase: o.erase, rotate: o.augment ? o.rotate : 0, scale: o.augment ? o.scale : 0 }
    : undefined;
  const norm = data.dataset;
  const t0 = performance.now() - st.partial.seconds * 1000;
  const s0 = performance.now(), seen0 = st.partial.seen, setup0 = c.trainer.engine?.setupSeconds() ?? 0;
  const session = () => {
    c.session = { seen: st.partial.seen - seen0, seconds: (performance.now() - s0) / 1000, setup: (c.trainer.engine?.setupSeconds() ?? 0) - setup0 };
  };
  let step = 0;
  if (c.trainer.indexOnly && augment) throw new Error('a trainer on cached features cannot take augmented batches');
  const batches = c.trainer.indexOnly // cached features: the steps read only the labels and indices
    ? iterateLabels(data.train, o.batchSize, order)
    : iterateBatches(data.train, { batchSize: o.batchSize, order, mean: norm.mean, std: norm.std, augment });
  let next = batches.next();
  while (!next.done) {
    const b = next.value;
    if (step < st.stepInEpoch) { step++; next = batches.next(); continue; } // replay to the interrupted step (same rng use)
    if (b.size >= 2) { // a 1-image batch gives batchnorm no variance to learn from
      const lr = learningRate(o, span, st.globalStep);
      const running = c.trainer.step(b.x, b.y, lr, order.subarray(step * o.batchSize, step * o.batchSize + b.size));
      foldEma(c); // the previous step's weights, while the engine runs this step
      next = batches.next(); // the next batch is made while the engine runs this step
      const r = await running;
      if (c.ema && !c.trainer.emaInStep) c.emaPending = { values: c.trainer.trainableValues(), t: st.globalStep + 1 };
      st.partial.lossSum += r.loss * b.size;
      st.partial.correct += r.correct;
      st.partial.seen += b.size;
      addCurvePoint(st, r.loss * b.size, r.correct, b.size, step + 1, span.stepsPerEpoch);
      const secs = (performance.now() - t0) / 1000;
      step++;
      c.emit({ type: 'step', epoch: st.epoch + 1, step, steps: span.stepsPerEpoch, loss: r.loss, acc: r.correct / b.size,
        lr, imgPerSec: st.partial.seen / Math.max(secs, 1e-9), etaSeconds: (secs / step) * (span.stepsPerEpoch - step) });
    } else {
      step++;
      next = batches.next();
    }
    st.stepInEpoch = step;
    st.globalStep++;
    st.partial.seconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setImmediate(r)); // let signals (Ctrl-C) and I/O in between steps
    if (c.signal?.aborted && step < span.stepsPerEpoch) {
      foldEma(c);
      return false;
    }
  }
  session();
  foldEma(c);
  st.epochRng = rng.state().map((v) => v >>> 0);
  return true;
}

/** Folds the last step's weights (read right after it) into the EMA; deferred so it overlaps the next step. */
function foldEma(c: LoopContext): void {
  if (!c.ema || !c.emaPending) return;
  c.ema.update(c.emaPending.values, c.emaPending.t);
  c.emaPending = undefined;
}

/**
 * Closes the epoch with the evaluation weights in the model (eval-view.ts): validation, test (evalTest),
 * history row, first crossing of the target, best/; then checkpoint/ with the training weights, then the
 * published files with the evaluation weights. When training is over the evaluation weights stay in the model
 * (the final test and report use them).
 */
async function endEpoch(c: LoopContext, span: ScheduleSpan): Promise<void> {
  const tEnd = performance.now();
  const st = c.state;
  const o = st.options;
  checkDiverged(c, 'training');
  const view = evalView(c);
  checkDiverged(c, 'evaluation'); // before best/, checkpoint/ and the published files: all or nothing of this epoch
  const runner = c.trainer.runner();
  const val = c.data.val ? evaluateSplit(c.model, c.data.val, c.data.dataset, 100, undefined, runner) : null;
  const t0 = performance.now();
  const test = o.evalTest && c.data.test.count > 0 ? evaluateSplit(c.model, c.data.test, c.data.dataset, 100, undefined, runner) : null;
  const testSeconds = test ? (performance.now() - t0) / 1000 : null;
  const p = st.partial;
  const row: HistoryRow = {
    epoch: st.epoch + 1, trainLoss: p.lossSum / Math.max(1, p.seen), trainAcc: p.correct / Math.max(1, p.seen),
    valLoss: val?.loss ?? null, valAcc: val?.accuracy ?? null, testLoss: test?.loss ?? null, testAcc: test?.accuracy ?? null, testSeconds,
    lr: learningRate(o, span, Math.max(0, st.globalStep - 1)), seconds: p.seconds,
    elapsed: (st.elapsed ?? 0) + (performance.now() - c.t0) / 1000,
  };
  st.history.push(row);
  if (test && o.target !== null && !st.reached && test.accuracy >= o.target) {
    st.reached = { epoch: row.epoch, elapsed: row.elapsed!, testAcc: test.accuracy };
  }
  st.epoch++;
  st.stepInEpoch = 0;
  st.partial = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
  let isBest = false;
  if (val) {
    isBest = st.best === null || val.accuracy > st.best.valAcc;
    if (isBest) {
      st.best = { valAcc: val.accuracy, epoch: row.epoch };
      st.badEpochs = 0;
      await saveBest(c.dir, c.model, st.meta);
    } else {
      st.badEpochs++;
    }
  }
  if (st.epoch >= o.epochs) st.finished = 'done';
  else if (o.patience !== null && st.badEpochs >= o.patience) st.finished = 'early-stop';
  leaveView(c, view);
  st.elapsed = (st.elapsed ?? 0) + (performance.now() - c.t0) / 1000;
  c.t0 = performance.now();
  await checkpoint(c); // before publishing: the published files are never ahead of the checkpoint
  view.reenter();
  await publish(c.dir, c.model, st.meta, st.history, st.trainCurve);
  if (st.finished === null) leaveView(c, view);
  c.emit({ type: 'epoch', row, best: isBest, target: o.target, reached: st.reached?.epoch === row.epoch, timing: epochTiming(c, tEnd) });
}

/** The epoch's EpochTiming: this session's steps without the plan's set-up, and the epoch end since `tEnd`. */
function epochTiming(c: LoopContext, tEnd: number): EpochTiming {
  const s = c.session ?? { seen: 0, seconds: 0, setup: 0 };
  const stepping = s.seconds - s.setup;
  return { imgPerSec: stepping > 0 ? s.seen / stepping : 0, setupSeconds: s.setup, endSeconds: (performance.now() - tEnd) / 1000 };
}

/**
 * Publishes a finished run's final checkpoint as endEpoch would have (evaluation weights: EMA, precise BN), for a
 * run stopped between the two; the evaluation weights stay in the model for the final test and report.
 */
async function republish(c: LoopContext): Promise<void> {
  checkDiverged(c, 'training');
  evalView(c);
  checkDiverged(c, 'evaluation');
  await publish(c.dir, c.model, c.state.meta, c.state.history, c.state.trainCurve);
}

/** Trains until the epochs are done, patience runs out, or the signal aborts (or republishes a finished run: c.republish). */
export async function runLoop(c: LoopContext): Promise<'done' | 'early-stop' | 'interrupted' | 'phase-end'> {
  const st = c.state;
  if (c.republish && st.finished !== null) {
    await republish(c);
    return st.finished;
  }
  const span = scheduleSpan(c.data.train.count, st.options.batchSize, st.options.epochs);
  while (st.finished === null && (c.until === undefined || st.epoch < c.until)) {
    if (c.signal?.aborted || !(await runEpoch(c, span))) {
      st.elapsed = (st.elapsed ?? 0) + (performance.now() - c.t0) / 1000;
      c.t0 = performance.now();
      await persistInterrupted(c);
      return 'interrupted';
    }
    await endEpoch(c, span);
  }
  return st.finished ?? 'phase-end';
}
