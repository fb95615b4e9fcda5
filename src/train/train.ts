/** train() and resumeTraining(): set-up around the epoch loop, then the test evaluation and report. */
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BackendChoice, checkTrainingBackend, initBackend } from '../backend/index.js';
import { Rng } from '../data/rng.js';
import type { Dataset } from '../data/types.js';
import { DataError, OptionError } from '../errors.js';
import { EvalResult, evaluateModel } from '../evaluate/metrics.js';
import { checkBatchMemory } from '../cost/memory.js';
import { loadLayersModel } from '../format/layers-format.js';
import { publishQuantized } from '../run/publish-quantized.js';
import { logitsModel } from '../run/model-files.js';
import { labelMismatch } from '../run/run-check.js';
import type { QuantizeDtype } from '../format/quantize.js';
import type { SwapFault } from '../run/atomic-dir.js';
import { STATE_FORMAT, TrainState, loadCheckpoint } from './checkpoint.js';
import { checkStepsPerEpoch } from './checkpoint-check.js';
import { checkWritable } from '../fs-errors.js';
import type { TrainListener } from './events.js';
import { runLoop } from './loop.js';
import { makeOptimizer, restoreOptimizer } from './optimizer.js';
import { EVAL_TEST_MAX_RATIO, ResolvedTrainOptions, TrainOptions, evalTestIsCheap, resolveTrainOptions } from './options.js';
import { checkTrainOut, prepareOutDir, removeIfUnused } from '../run/out-dir.js';
import { reportEpochs, writeReport } from './report.js';
import type { HistoryRow, RunMeta } from '../run/run-dir.js';
import { TrainData, buildForData, prepareData } from './setup.js';
import { makeTrainer } from './trainer.js';
import { WeightEma, makeEma } from './ema.js';
import { applyFreeze, backboneLayerIndex, headStart } from './freeze.js';
import { EmbeddingTrainer } from './embed-trainer.js';
import { buildTransfer, transferInput, withSourceNormalization } from './transfer.js';
import { TransferSource, readTransferSource } from './transfer-source.js';
import { engineWanted } from '../engine/runner.js';
import type { Trainer } from './trainer.js';

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
  /** 'unchanged': a resume of a run that had already finished (nothing was read, trained or written). */
  status: 'done' | 'early-stop' | 'interrupted' | 'unchanged';
  history: HistoryRow[];
  best: { valAcc: number; epoch: number } | null;
  /** Test-split evaluation of the final model (null when interrupted). */
  test: EvalResult | null;
  /** With the quantize option: the published model's weight dtype and its test-split evaluation (softmax head). */
  quantized: { dtype: QuantizeDtype; test: EvalResult } | null;
  backend: string;
  meta: RunMeta;
  /** Images in the training, validation and test splits used (zeros when unchanged: no data was read). */
  counts: { train: number; val: number; test: number };
  /** When test accuracy first reached the run's target (with evalTest), else null. */
  reached: { target: number; epoch: number; elapsed: number; testAcc: number } | null;
  /** Wall seconds of the whole run (all sessions, resumes included). */
  elapsed: number;
  /** With status 'unchanged': how the run had ended. */
  finished?: 'done' | 'early-stop';
}

/** Trains a MobileNet on a dataset into run directory `out` (see run-dir.ts / checkpoint.ts for the layout). */
export async function train(cfg: TrainConfig): Promise<TrainResult> {
  const o = resolveTrainOptions(cfg, typeof cfg.dataset === 'string' ? cfg.dataset : cfg.dataset?.name);
  checkTrainingBackend(cfg.backend);
  if (!cfg.out) throw new OptionError('out (the run directory) is required');
  const outState = await checkTrainOut(cfg.out, cfg.overwrite === true);
  const emit: TrainListener = cfg.onEvent ?? (() => {});
  const be = await initBackend(cfg.backend ?? 'auto');
  if (be.notice) emit({ type: 'log', message: be.notice });
  const src = o.transfer ? await readTransferSource(o.transfer.from, {
    arch: o.arch, alpha: o.model.alpha, inputShape: o.model.inputShape, minimalistic: o.model.minimalistic,
    preprocess: o.transfer.preprocess, onProgress: (message) => emit({ type: 'log', message }),
  }) : null;
  if (src) o.model = { ...o.model, inputShape: transferInput(o, src) };
  const data = await prepareData(cfg.dataset, o, (message) => emit({ type: 'log', message }));
  if (src) data.dataset = withSourceNormalization(data.dataset, src);
  o.evalTest = settleEvalTest(o.evalTest, data, emit);
  const { model, meta } = src ? transferModel(data, o, src, be.name, cfg.command ?? '', emit) : buildForData(data, o, be.name, cfg.command ?? '');
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

/**
 * Continues the run in `dir` from its last complete checkpoint (checked whole before any data is read). A run
 * that already finished its epochs (or stopped early) and is not given more is left as it is: 'unchanged'.
 */
export async function resumeTraining(dir: string, cfg: ResumeConfig = {}): Promise<TrainResult> {
  const emit: TrainListener = cfg.onEvent ?? (() => {});
  checkTrainingBackend(cfg.backend);
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
  // finished, and published (the report, written last, reports its epochs): nothing to train, nothing changed
  if (st.finished !== null && (await reportEpochs(dir)) === st.epoch) {
    ck.model.dispose();
    return unchanged(dir, st, be.name);
  }
  const republish = st.finished !== null; // finished, but stopped (killed) after its final checkpoint, before the model and report
  if (republish) {
    emit({ type: 'log', message: `${dir}: its final checkpoint (epoch ${st.epoch}) was saved but never published (the run was stopped `
      + 'before its model and report were written); publishing them now' });
  }
  await checkWritable(dir, 'a resumed run writes its checkpoint and model there');
  await checkWritable(path.join(dir, 'checkpoint'), 'a resumed run replaces it');
  const isMemory = !/^(mnist|fashion-mnist|folder:)/.test(st.meta.dataset);
  if (isMemory && !cfg.dataset) throw new DataError(`${dir} was trained on an in-memory dataset: pass it to resumeTraining`);
  const data = await prepareData(cfg.dataset ?? st.meta.dataset, st.options, (message) => emit({ type: 'log', message }));
  const mismatch = labelMismatch(data.dataset.name, data.dataset.labels, st.meta.labels);
  if (mismatch) {
    ck.model.dispose();
    throw new DataError(`${mismatch}: ${dir} cannot continue on other classes (has the dataset changed since the run started?); `
      + 'train a new run, or a transfer run with train --from');
  }
  checkStepsPerEpoch(st, Math.ceil(data.train.count / st.options.batchSize), path.join(ck.from, 'state.json'));
  if (st.meta.transfer) data.dataset = { ...data.dataset, mean: [...st.meta.normalization.mean], std: [...st.meta.normalization.std] };
  const opt = makeOptimizer(st.options.optimizer, st.options.lr);
  await restoreOptimizer(opt, ck.optimizer, path.join(ck.from, 'optimizer.bin'));
  return finish({ ...cfg, out: dir, republish }, ck.model, st, data, be.name, opt, ck.ema);
}

/** The result of resuming a run that had already finished: what it holds, nothing done. */
function unchanged(dir: string, st: TrainState, backend: string): TrainResult {
  return {
    dir, status: 'unchanged', history: st.history, best: st.best, test: null, quantized: null, backend, meta: st.meta,
    counts: { train: 0, val: 0, test: 0 },
    reached: st.reached && st.options.target !== null ? { target: st.options.target, ...st.reached } : null, elapsed: st.elapsed ?? 0,
    finished: st.finished ?? undefined,
  };
}

async function finish(
  cfg: RunControl & { out?: string; republish?: boolean }, model: tfl.LayersModel, state: TrainState, data: TrainData, backend: string,
  optimizer: ReturnType<typeof makeOptimizer>, savedEma: Float32Array | null,
): Promise<TrainResult> {
  let opt = optimizer;
  const out = cfg.out!;
  const emit: TrainListener = cfg.onEvent ?? (() => {});
  checkBatchMemory(model, Math.min(state.options.batchSize, data.train.count), 'train', 'batch size');
  let ema = makeEma(model, state.options.ema, savedEma, path.join(out, 'checkpoint'));
  const t = state.options.transfer;
  const twoPhases = t !== null && t.fineTuneEpochs > 0;
  if (twoPhases) state.transferPhase ??= 1;
  let status: Awaited<ReturnType<typeof runLoop>> = 'phase-end';
  const t0 = performance.now();
  let started = false;
  for (;;) {
    const phase1 = twoPhases && state.transferPhase === 1;
    if (phase1 && state.epoch >= t!.headEpochs) { // phase 2: unfreeze from the fine-tune layer, a new optimizer
      const trainable = applyFreeze(model, backboneLayerIndex(model, state.meta.transfer!.fineTuneFrom!));
      opt = makeOptimizer(state.options.optimizer, t!.fineTuneLr);
      ema = makeEma(model, state.options.ema, null, '');
      state.transferPhase = 2;
      emit({ type: 'log', message: `transfer: phase 2 fine-tunes from ${state.meta.transfer!.fineTuneFrom} (${trainable} trainable parameters, BN layers kept in inference mode) at lr ${t!.fineTuneLr}` });
      continue;
    }
    const { trainer, notice } = transferTrainer(model, opt, state, data, ema, emit) ?? makeTrainer(model, opt, state.options, ema);
    if (notice) emit({ type: 'log', message: notice });
    if (!started) {
      started = true;
      emit({
        type: 'start', backend, engine: trainer.kind === 'engine', train: data.train.count, val: data.val?.count ?? 0, test: data.test.count,
        stepsPerEpoch: Math.ceil(data.train.count / state.options.batchSize), epochs: state.options.epochs,
        resumedAt: state.epoch || state.stepInEpoch ? { epoch: state.epoch, step: state.stepInEpoch } : null,
      });
    }
    status = await runLoop({
      dir: out, model, opt, data, state, trainer, ema, t0, signal: cfg.signal, emit, fault: cfg.checkpointFault,
      until: phase1 ? t!.headEpochs : undefined, republish: cfg.republish,
    });
    trainer.dispose?.();
    if (status !== 'phase-end') break;
  }
  let test: EvalResult | null = null;
  let quantized: TrainResult['quantized'] = null;
  if (status !== 'interrupted') { // the model holds the evaluation weights (EMA, precise BN): see loop.ts
    test = data.test.count > 0 ? evaluateModel(model, data.test, data.dataset.labels, data.dataset) : null;
    const dtype = state.options.quantize ?? null;
    if (dtype) await publishQuantized(out, model, dtype);
    if (dtype && test) {
      const published = await loadLayersModel(out); // softmax head: evaluate its logits twin (same weights)
      const logits = logitsModel(published, { ...state.meta, output: 'probabilities' });
      quantized = { dtype, test: evaluateModel(logits, data.test, data.dataset.labels, data.dataset) };
      published.dispose();
      logits.dispose();
    }
    await writeReport(out, { // last: a report of the final epoch says everything before it was published (reportEpochs)
      model, meta: state.meta, history: state.history, curve: state.trainCurve, test, backend, status,
      target: state.options.target, reached: state.reached ?? null, options: state.options,
    });
  }
  return {
    dir: out, status: status as TrainResult['status'], history: state.history, best: state.best, test, quantized, backend, meta: state.meta,
    counts: { train: data.train.count, val: data.val?.count ?? 0, test: data.test.count },
    reached: state.reached && state.options.target !== null ? { target: state.options.target, ...state.reached } : null,
    elapsed: state.elapsed ?? 0,
  };
}

/** The transfer model and meta, with one line each for the source, skipped layers and what phase 1 trains. */
function transferModel(
  data: TrainData, o: ResolvedTrainOptions, src: TransferSource, backend: string, command: string, emit: TrainListener,
): { model: tfl.LayersModel; meta: RunMeta } {
  const b = buildTransfer(data, o, src, backend, command);
  emit({ type: 'log', message: `transfer: from ${src.description}; phase 1 trains ${b.trainable} of ${b.model.countParams()} parameters` });
  if (b.skipped.length) emit({ type: 'log', message: `transfer: ${b.skipped.length} layer(s) of the source not in the model, skipped: ${b.skipped.join(', ')}` });
  return { model: b.model, meta: b.meta };
}

/**
 * Phase 1 of a transfer run with the whole backbone frozen and no augmentation, on the engine: the head trains on
 * features computed once (embed-trainer.ts). null when that does not apply (or the engine cannot), with the reason
 * logged in the second case.
 */
function transferTrainer(
  model: tfl.LayersModel, opt: ReturnType<typeof makeOptimizer>, state: TrainState, data: TrainData,
  ema: WeightEma | null, emit: TrainListener,
): { trainer: Trainer; notice?: string } | null {
  const o = state.options;
  if (!o.transfer || !engineWanted() || o.augment || o.flip || o.erase > 0) return null;
  const end = headStart(model);
  if (!model.layers.slice(0, end).every((l) => !l.trainable || l.weights.length === 0)) return null; // backbone partly trainable
  const t = EmbeddingTrainer.create(model, opt, o, data.train, data.dataset, ema, (message) => emit({ type: 'log', message }));
  if ('unsupported' in t) return { trainer: makeTrainer(model, opt, o, ema).trainer, notice: `transfer: features not cached (${t.unsupported})` };
  return { trainer: t };
}
