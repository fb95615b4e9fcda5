/**
 * The epoch loop: shuffled (seeded) batches, one optimizer step each, validation, history,
 * best/ and early stopping, a checkpoint every epoch and on abort. Pure function of the state it
 * starts from, so a resumed run continues exactly where the checkpoint left it.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { iterateBatches } from '../data/batches.js';
import { Rng } from '../data/rng.js';
import type { SwapFault } from './atomic-dir.js';
import { TrainState, publish, saveBest, saveCheckpoint } from './checkpoint.js';
import type { TrainListener } from './events.js';
import type { HistoryRow } from './run-dir.js';
import { ScheduleSpan, learningRate } from './schedule.js';
import type { TrainData } from './setup.js';
import { evaluateSplit } from './step.js';
import type { Trainer } from './trainer.js';

export interface LoopContext {
  dir: string;
  model: tfl.LayersModel;
  opt: tf.Optimizer;
  data: TrainData;
  state: TrainState;
  /** Runs the steps: the native engine or TF.js (trainer.ts). */
  trainer: Trainer;
  signal?: AbortSignal;
  emit: TrainListener;
  /** Test hook for the checkpoint swap. */
  fault?: SwapFault;
}

export function scheduleSpan(trainCount: number, batchSize: number, epochs: number): ScheduleSpan {
  const stepsPerEpoch = Math.ceil(trainCount / batchSize);
  return { stepsPerEpoch, totalSteps: stepsPerEpoch * epochs };
}

/** Saves checkpoint/ and the published files. */
async function persist(c: LoopContext): Promise<void> {
  c.trainer.sync();
  await saveCheckpoint(c.dir, c.model, c.opt, c.state, c.fault);
  await publish(c.dir, c.model, c.state.meta, c.state.history, c.state.trainCurve);
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
  const augment = o.augment ? { rng, maxShift: o.maxShift } : undefined;
  const norm = data.dataset;
  const t0 = performance.now() - st.partial.seconds * 1000;
  let step = 0;
  const batches = iterateBatches(data.train, { batchSize: o.batchSize, order, mean: norm.mean, std: norm.std, augment });
  let next = batches.next();
  while (!next.done) {
    const b = next.value;
    if (step < st.stepInEpoch) { step++; next = batches.next(); continue; } // replay to the interrupted step (same rng use)
    if (b.size >= 2) { // a 1-image batch gives batchnorm no variance to learn from
      const lr = learningRate(o, span, st.globalStep);
      const running = c.trainer.step(b.x, b.y, lr);
      next = batches.next(); // the next batch is made while the engine runs this step
      const r = await running;
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
    if (c.signal?.aborted && step < span.stepsPerEpoch) return false;
  }
  st.epochRng = rng.state().map((v) => v >>> 0);
  return true;
}

/** Closes the epoch: validation, history row, best/ and the patience counter. */
async function endEpoch(c: LoopContext, span: ScheduleSpan): Promise<void> {
  const st = c.state;
  const o = st.options;
  const val = c.data.val ? evaluateSplit(c.model, c.data.val, c.data.dataset, 100, undefined, c.trainer.runner()) : null;
  const p = st.partial;
  const row: HistoryRow = {
    epoch: st.epoch + 1, trainLoss: p.lossSum / Math.max(1, p.seen), trainAcc: p.correct / Math.max(1, p.seen),
    valLoss: val?.loss ?? null, valAcc: val?.accuracy ?? null,
    lr: learningRate(o, span, Math.max(0, st.globalStep - 1)), seconds: p.seconds,
  };
  st.history.push(row);
  st.epoch++;
  st.stepInEpoch = 0;
  st.partial = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
  let isBest = false;
  if (val) {
    isBest = st.best === null || val.accuracy > st.best.valAcc;
    if (isBest) {
      st.best = { valAcc: val.accuracy, epoch: row.epoch };
      st.badEpochs = 0;
      c.trainer.sync();
      await saveBest(c.dir, c.model, st.meta);
    } else {
      st.badEpochs++;
    }
  }
  if (st.epoch >= o.epochs) st.finished = 'done';
  else if (o.patience !== null && st.badEpochs >= o.patience) st.finished = 'early-stop';
  c.emit({ type: 'epoch', row, best: isBest });
}

/** Trains until the epochs are done, patience runs out, or the signal aborts. */
export async function runLoop(c: LoopContext): Promise<'done' | 'early-stop' | 'interrupted'> {
  const st = c.state;
  const span = scheduleSpan(c.data.train.count, st.options.batchSize, st.options.epochs);
  while (st.finished === null) {
    if (c.signal?.aborted) {
      await persist(c);
      return 'interrupted';
    }
    if (!(await runEpoch(c, span))) {
      await persist(c);
      return 'interrupted';
    }
    await endEpoch(c, span);
    await persist(c);
  }
  return st.finished;
}
