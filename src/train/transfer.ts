/**
 * A transfer run's model: the source's backbone (same architecture options, any input size: the backbone is fully
 * convolutional) with a new head for the dataset's classes (models/transfer-head.ts), the source's weights loaded by
 * layer name, the source's preprocessing as the run's normalisation, and the layers of phase 1 frozen.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/types.js';
import { OptionError } from '../errors.js';
import { BuildOptions, buildModel } from '../models/presets.js';
import { RUN_FORMAT, RunMeta } from '../run/run-dir.js';
import { applyFreeze, backboneLayerIndex, defaultFineTuneFrom, headStart } from './freeze.js';
import type { ResolvedTrainOptions, ResolvedTransfer } from './options.js';
import type { TrainData } from './setup.js';
import { TransferSource, loadSourceWeights } from './transfer-source.js';

/** Checks --arch/--alpha/--input against the source; the input shape the data is loaded at. */
export function transferInput(o: ResolvedTrainOptions, src: TransferSource): [number, number, number] {
  if (o.arch === undefined) {
    if (!src.arch) throw new OptionError(`--arch is required: ${src.description} does not say which MobileNet it is`);
    o.arch = src.arch;
  }
  if (src.arch && o.arch !== src.arch) throw new OptionError(`--arch ${o.arch} differs from the source's ${src.arch} (${src.description})`);
  const alpha = o.model.alpha ?? src.alpha ?? 1;
  if (src.alpha !== undefined && alpha !== src.alpha) throw new OptionError(`--alpha ${alpha} differs from the source's ${src.alpha} (${src.description})`);
  const input = o.model.inputShape ?? src.inputShape ?? [224, 224, 3];
  if (src.inputShape && input[2] !== src.inputShape[2]) {
    throw new OptionError(`--input ${input.join('x')} has ${input[2]} channel(s), the source takes ${src.inputShape[2]} (${src.inputShape.join('x')})`);
  }
  return [...input] as [number, number, number];
}

/** Whether this run keeps the source's own head (--freeze none on a source with one, same classes). */
function keepsHead(t: ResolvedTransfer, src: TransferSource, classes: number): boolean {
  if (t.freeze !== 'none' || !src.layers.has('predictions') || !src.labels) return false;
  if (src.labels.length !== classes) {
    throw new OptionError(`--freeze none keeps the source's head of ${src.labels.length} classes, but the dataset has ${classes}; use --freeze backbone (or a layer) for a new head`);
  }
  return true;
}

/** The index of phase 1's first trainable layer (null: every layer) and phase 2's, when there is a phase 2. */
export function freezePoints(model: tfl.LayersModel, t: ResolvedTransfer): { phase1: number | null; fineTuneFrom: string | null } {
  if (t.freeze === 'none') return { phase1: null, fineTuneFrom: null };
  const named = t.freeze === 'backbone' ? null : t.freeze;
  if (named) backboneLayerIndex(model, named); // an unknown name is an error even without phase 2
  if (t.fineTuneEpochs > 0) return { phase1: headStart(model), fineTuneFrom: named ?? defaultFineTuneFrom(model) };
  return { phase1: named ? backboneLayerIndex(model, named) : headStart(model), fineTuneFrom: null };
}

/** Builds the transfer model (logits) with the source's weights and phase 1's freezing, and its RunMeta. */
export function buildTransfer(
  data: TrainData, o: ResolvedTrainOptions, src: TransferSource, backend: string, command: string,
): { model: tfl.LayersModel; meta: RunMeta; skipped: string[]; fineTuneFrom: string | null; trainable: number } {
  const t = o.transfer!;
  const classes = data.dataset.labels.length;
  const keep = keepsHead(t, src, classes);
  const options: BuildOptions = {
    ...src.build, ...Object.fromEntries(Object.entries(o.model).filter(([, v]) => v !== undefined)),
    alpha: src.alpha ?? o.model.alpha, inputShape: [...data.train.shape], classes, seed: o.seed, classifierActivation: null,
    ...(keep ? {} : { transferHead: { dropout: t.headDropout } }),
  };
  const model = buildModel(o.arch, options);
  const skipped = loadSourceWeights(model, src, { skip: keep ? undefined : (l) => l === 'predictions' });
  const { phase1, fineTuneFrom } = freezePoints(model, t);
  const trainable = applyFreeze(model, phase1);
  const meta: RunMeta = {
    format: RUN_FORMAT, arch: o.arch, preset: null, buildOptions: { ...options, classifierActivation: 'softmax' },
    inputShape: [...data.train.shape], labels: [...data.dataset.labels],
    normalization: { mean: [...data.dataset.mean], std: [...data.dataset.std] }, ...(src.preprocess ? { preprocess: src.preprocess } : {}),
    output: 'probabilities', dataset: data.spec, backend, command,
    transfer: {
      source: src.spec, description: src.description, freeze: t.freeze, fineTuneFrom, headEpochs: t.headEpochs,
      fineTuneEpochs: t.fineTuneEpochs, fineTuneLr: t.fineTuneLr,
      preprocessing: src.preprocess ? `${src.preprocess} (Keras preprocess_input mode, the source's)` : 'the source run\'s mean/std',
    },
  };
  return { model, meta, skipped, fineTuneFrom, trainable };
}

/** The dataset with the source's preprocessing in place of its own statistics (Keras 'tf' mode when unknown). */
export function withSourceNormalization(ds: Dataset, src: TransferSource): Dataset {
  if ((src.normalization as { channelOrder?: string } | undefined)?.channelOrder === 'bgr') {
    throw new OptionError(`${src.description}: caffe (BGR) preprocessing is not supported for transfer runs`);
  }
  const c = ds.train.shape[2];
  const n = src.normalization ?? { mean: [0.5], std: [0.5] };
  const per = (v: number[]) => (v.length === c ? [...v] : new Array(c).fill(v[0]));
  return { ...ds, mean: per(n.mean), std: per(n.std) };
}
