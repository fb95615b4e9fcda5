/** train() and resumeTraining(): set-up around the epoch loop, then the test evaluation and report. */
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BackendChoice, initBackend } from '../backend/index.js';
import { Rng } from '../data/rng.js';
import type { Dataset } from '../data/types.js';
import { DataError, OptionError } from '../errors.js';
import { EvalResult, evaluateModel } from '../evaluate/metrics.js';
import { loadLayersModel } from '../format/layers-format.js';
import { publishQuantized } from '../run/publish-quantized.js';
import { logitsModel } from '../run/model-files.js';
import type { QuantizeDtype } from '../format/quantize.js';
import type { SwapFault } from '../run/atomic-dir.js';
import { STATE_FORMAT, TrainState, loadCheckpoint } from './checkpoint.js';
import type { TrainListener } from './events.js';
import { runLoop } from './loop.js';
import { makeOptimizer, restoreOptimizer } from './optimizer.js';
import { EVAL_TEST_MAX_RATIO, ResolvedTrainOptions, TrainOptions, evalTestIsCheap, resolveTrainOptions } from './options.js';
import { checkOutDir, prepareOutDir, removeIfUnused } from '../run/out-dir.js';
import { writeReport } from './report.js';
import type { HistoryRow, RunMeta } from '../run/run-dir.js';
import { TrainData, buildForData, prepareData } from './setup.js';
import { makeTrainer } from './trainer.js';
import { WeightEma } from './ema.js';
import { trainableVariables } from './step.js';

export interface RunControl {
  /** 'auto' (default): the best available backend. */
  backend?: BackendChoice;
  /** Abort to stop after the current step: a checkpoint is saved and train() resolves 'interrupted'. */
  signal?: AbortSignal;
  onEvent?: TrainListener;
  /** Test hook: fault injection in the checkpoint swap. */
  checkpointFault?: SwapFault;
}

export interface TrainConfig extends TrainOptions, RunControl {
  /** 'mnist' | 'fashion-mnist' | 'folder:PATH', or a loaded Dataset. */
  dataset: string | Dataset;
  /** Run directory (created). */
  out: string;
  /** Command line recorded in meta.json and the report. */
  command?: string;
  /** Replace a run already in `out` (it is cleared completely first). Without it, an existing run is refused. */
  overwrite?: boolean;
}

export interface TrainResult {
  dir: string;
  status: 'done' | 'early-stop' | 'interrupted';
  history: HistoryRow[];
  best: { valAcc: number; epoch: number } | null;
  /** Test-split evaluation of the final model (null when interrupted). */
  test: EvalResult | null;
  /** With the quantize option: the published model's weight dtype and its test-split evaluation (softmax head). */
  quantized: { dtype: QuantizeDtype; test: EvalResult } | null;
  backend: string;
  meta: RunMeta;
  /** Images in the training, validation and test splits used. */
  counts: { train: number; val: number; test: number };
  /** When test accuracy first reached the run's target (with evalTest), else null. */
  reached: { target: number; epoch: number; elapsed: number; testAcc: number } | null;
  /** Wall seconds of the whole run (all sessions, resumes included). */
  elapsed: number;
}

/** Trains a MobileNet on a dataset into run directory `out` (see run-dir.ts / checkpoint.ts for the layout). */
export async function train(cfg: TrainConfig): Promise<TrainResult> {
  const o = resolveTrainOptions(cfg, typeof cfg.dataset === 'string' ? cfg.dataset : cfg.dataset?.name);
  if (!cfg.out) throw new OptionError('out (the run directory) is required');
  const outState = await checkOutDir(cfg.out, cfg.overwrite === true);
  const emit: TrainListener = cfg.onEvent ?? (() => {});
  const be = await initBackend(cfg.backend ?? 'auto');
  if (be.notice) emit({ type: 'log', message: be.notice });
  const data = await prepareData(cfg.dataset, o, (message) => emit({ type: 'log', message }));
  o.evalTest = settleEvalTest(o.evalTest, data, emit);
  const { model, meta } = buildForData(data, o, be.name, cfg.command ?? '');
  const state: TrainState = {
    format: STATE_FORMAT, options: o, meta, epoch: 0, stepInEpoch: 0, globalStep: 0,
    epochRng: new Rng(o.seed).state().map((v) => v >>> 0), partial: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
    history: [], trainCurve: [], curveSums: [0, 0, 0], best: null, badEpochs: 0, finished: null, elapsed: 0, reached: null,
  };
  await prepareOutDir(cfg.out, outState);
  try {
    return await finish(cfg, model, state, data, be.name, makeOptimizer(o.optimizer, o.lr), null);
  } catch (e) {
    await removeIfUnused(cfg.out, outState); // no empty run directory left behind by a run that never saved
    throw e;
  }
}

/**
 * Test evaluation after every epoch: as asked, else on where it is cheap (evalTestIsCheap), saying which and why.
 * It is reported only: best/ is chosen on the validation split, never on the test split.
 */
function settleEvalTest(asked: boolean | null, data: TrainData, emit: TrainListener): boolean {
  if (asked !== null) return asked;
  const on = evalTestIsCheap(data.train.count, data.test.count);
  const sizes = `${data.test.count} test images against ${data.train.count} training images`;
  emit({ type: 'log', message: on
    ? `test accuracy measured after every epoch (${sizes}; reported only, never used to choose a model; --no-eval-test turns it off)`
    : `test accuracy not measured after every epoch (${sizes}: more than ${EVAL_TEST_MAX_RATIO * 100}%; --eval-test turns it on)` });
  return on;
}

/**
 * Options of a checkpoint written before they existed, filled with what that run did (no precise BN, EMA,
 * weight decay, flips or erasing; no test evaluation per epoch), so it resumes as it was trained.
 */
function legacyOptions(o: ResolvedTrainOptions): ResolvedTrainOptions {
  const before: Partial<ResolvedTrainOptions> = { preciseBn: 0, evalTest: false, target: null, weightDecay: 0, ema: 0, flip: false, erase: 0, rotate: 0, scale: 0 };
  return { ...before, ...o } as ResolvedTrainOptions;
}

export interface ResumeConfig extends RunControl {
  /** Raise the epoch count (the schedule then spans the new total, so the run differs from an uninterrupted one). */
  epochs?: number;
  /** The Dataset object, when the run was trained on one given in memory. */
  dataset?: Dataset;
}

/** Continues the run in `dir` from its last complete checkpoint. */
export async function resumeTraining(dir: string, cfg: ResumeConfig = {}): Promise<TrainResult> {
  const emit: TrainListener = cfg.onEvent ?? (() => {});
  const be = await initBackend(cfg.backend ?? 'auto');
  if (be.notice) emit({ type: 'log', message: be.notice });
  const ck = await loadCheckpoint(dir);
  const st = ck.state;
  st.options = legacyOptions(st.options);
  st.trainCurve ??= [];
  st.curveSums ??= [0, 0, 0];
  if (cfg.epochs !== undefined) {
    const o: ResolvedTrainOptions = resolveTrainOptions({ ...st.options, epochs: cfg.epochs } as TrainOptions, st.meta.dataset);
    if (o.epochs < st.epoch) throw new OptionError(`--epochs ${o.epochs} is below the ${st.epoch} epochs already done`);
    st.options = { ...st.options, epochs: o.epochs };
    if (st.finished === 'done' && st.epoch < o.epochs) st.finished = null;
  }
  const isMemory = !/^(mnist|fashion-mnist|folder:)/.test(st.meta.dataset);
  if (isMemory && !cfg.dataset) throw new DataError(`${dir} was trained on an in-memory dataset: pass it to resumeTraining`);
  const data = await prepareData(cfg.dataset ?? st.meta.dataset, st.options, (message) => emit({ type: 'log', message }));
  const opt = makeOptimizer(st.options.optimizer, st.options.lr);
  await restoreOptimizer(opt, ck.optimizer, path.join(ck.from, 'optimizer.bin'));
  return finish({ ...cfg, out: dir }, ck.model, st, data, be.name, opt, ck.ema);
}

/** The EMA of the weights for a run with options.ema > 0: from the checkpoint's, else started at the model's weights. */
function makeEma(model: tfl.LayersModel, decay: number, saved: Float32Array | null, from: string): WeightEma | null {
  if (!(decay > 0)) return null;
  const ema = new WeightEma(trainableVariables(model).map((v) => v.dataSync() as Float32Array), decay);
  if (saved && !ema.unpack(saved)) throw new DataError(`${from}: ema.bin does not match the model's trainable weights`);
  return ema;
}

async function finish(
  cfg: RunControl & { out?: string }, model: tfl.LayersModel, state: TrainState, data: TrainData, backend: string,
  opt: ReturnType<typeof makeOptimizer>, savedEma: Float32Array | null,
): Promise<TrainResult> {
  const out = cfg.out!;
  const emit: TrainListener = cfg.onEvent ?? (() => {});
  const ema = makeEma(model, state.options.ema, savedEma, path.join(out, 'checkpoint'));
  const { trainer, notice } = makeTrainer(model, opt, state.options, ema);
  if (notice) emit({ type: 'log', message: notice });
  emit({
    type: 'start', backend, engine: trainer.kind === 'engine', train: data.train.count, val: data.val?.count ?? 0, test: data.test.count,
    stepsPerEpoch: Math.ceil(data.train.count / state.options.batchSize), epochs: state.options.epochs,
    resumedAt: state.epoch || state.stepInEpoch ? { epoch: state.epoch, step: state.stepInEpoch } : null,
  });
  const status = await runLoop({
    dir: out, model, opt, data, state, trainer, ema, t0: performance.now(), signal: cfg.signal, emit, fault: cfg.checkpointFault,
  });
  let test: EvalResult | null = null;
  let quantized: TrainResult['quantized'] = null;
  if (status !== 'interrupted') { // the model holds the evaluation weights (EMA, precise BN): see loop.ts
    test = evaluateModel(model, data.test, data.dataset.labels, data.dataset);
    await writeReport(out, {
      model, meta: state.meta, history: state.history, curve: state.trainCurve, test, backend, status,
      target: state.options.target, reached: state.reached ?? null, options: state.options,
    });
    const dtype = state.options.quantize ?? null;
    if (dtype) {
      await publishQuantized(out, model, dtype);
      const published = await loadLayersModel(out); // softmax head: evaluate its logits twin (same weights)
      const logits = logitsModel(published, { ...state.meta, output: 'probabilities' });
      quantized = { dtype, test: evaluateModel(logits, data.test, data.dataset.labels, data.dataset) };
      published.dispose();
      logits.dispose();
    }
  }
  return {
    dir: out, status, history: state.history, best: state.best, test, quantized, backend, meta: state.meta,
    counts: { train: data.train.count, val: data.val?.count ?? 0, test: data.test.count },
    reached: state.reached && state.options.target !== null ? { target: state.options.target, ...state.reached } : null,
    elapsed: state.elapsed ?? 0,
  };
}
