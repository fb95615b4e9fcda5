/** What a run starts from: the data (limits, validation split) and the model with its RunMeta. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { firstSamples, perClassSubset, splitValidation } from '../data/batches.js';
import { loadDataset } from '../data/datasets.js';
import { Rng } from '../data/rng.js';
import type { Dataset, Split } from '../data/types.js';
import { DataError, OptionError } from '../errors.js';
import { BuildOptions, buildModel, isV3, presetOptions } from '../models/presets.js';
import type { ResolvedTrainOptions } from './options.js';
import { RUN_FORMAT, RunMeta } from '../run/run-dir.js';

export interface TrainData {
  dataset: Dataset;
  /** The spec it came from ('mnist', 'folder:…'), or the dataset's name for an in-memory one. */
  spec: string;
  train: Split;
  val: Split | null;
  test: Split;
}

const isMnistLike = (spec: string) => spec === 'mnist' || spec === 'fashion-mnist';

/** Loads (or takes) the dataset, applies the limits, holds out the validation split (seeded). */
export async function prepareData(
  source: string | Dataset, o: ResolvedTrainOptions, onLog?: (msg: string) => void,
): Promise<TrainData> {
  const dataset = typeof source === 'string'
    ? await loadDataset(source as Parameters<typeof loadDataset>[0], {
      inputShape: o.model.inputShape, seed: o.seed, onProgress: onLog, perClass: o.perClass ?? undefined,
      limitTrain: o.limitTrain ?? undefined, limitTest: o.limitTest ?? undefined, // before any resize (issue 17)
    })
    : source;
  const spec = typeof source === 'string' ? source : dataset.name;
  if (dataset.labels.length < 2) {
    throw new DataError(`dataset ${spec} has ${dataset.labels.length} class${dataset.labels.length === 1 ? ` (${JSON.stringify(dataset.labels[0])})` : 'es'}; a classifier needs at least 2`);
  }
  // a loaded dataset is already limited (a no-op then); an in-memory one is limited here
  const all = firstSamples(o.perClass ? perClassSubset(dataset.train, o.perClass) : dataset.train, o.limitTrain);
  const test = firstSamples(dataset.test, o.limitTest);
  if (o.valSplit === 0) return checkBatches({ dataset, spec, train: all, val: null, test }, o, onLog);
  const { train, val } = splitValidation(all, o.valSplit, new Rng(o.seed + 1));
  if (val.count === 0) throw new OptionError(`valSplit ${o.valSplit} of ${all.count} images leaves no validation image`);
  if (train.count === 0) throw new OptionError(`valSplit ${o.valSplit} of ${all.count} images leaves no training image`);
  return checkBatches({ dataset, spec, train, val, test }, o, onLog);
}

/**
 * A batch of 1 image teaches batch normalization nothing and is skipped: fewer than 2 training images is refused
 * (nothing would train), and a last batch of 1 each epoch is said, not skipped in silence; so is an empty test split.
 */
function checkBatches(d: TrainData, o: ResolvedTrainOptions, onLog?: (msg: string) => void): TrainData {
  const n = d.train.count;
  if (n < 2) {
    const why = o.limitTrain !== null && o.limitTrain < 2 ? `limitTrain ${o.limitTrain} leaves`
      : o.valSplit > 0 ? `valSplit ${o.valSplit} leaves` : `dataset ${d.spec} has`;
    throw new DataError(`${why} ${n} training image${n === 1 ? '' : 's'}; training needs at least 2 (a batch of 1 teaches batch normalization nothing)`);
  }
  if (d.test.count === 0) onLog?.(`note: dataset ${d.spec} has no test images; the trained model will not be evaluated`);
  if (n % o.batchSize === 1) {
    onLog?.(`note: the last batch of each epoch would hold 1 image (${n} images, batches of ${o.batchSize}); it is skipped, `
      + `${n - 1} images train each epoch`);
  }
  return d;
}

/**
 * Builder options for this data: the mnist preset for MNIST-like 28×28×1 data, otherwise the data's
 * shape and class count with the same short-training BN momentum (0.9, see models/presets.ts), He-normal
 * initialisation (init 'torchvision'), then the user's overrides; the head always emits logits for training.
 * V3 is built without its input Rescaling layer: the batches are already normalised with the dataset's mean/std.
 */
export function modelOptions(data: TrainData, o: ResolvedTrainOptions): { preset: string | null; options: BuildOptions } {
  const shape = data.train.shape;
  const mnist = isMnistLike(data.spec) && shape.join('x') === '28x28x1';
  // V3 without Keras' Rescaling input layer: batches come normalised (meta.normalization), as for V1/V2.
  const base: BuildOptions = mnist ? presetOptions('mnist', o.arch) : {
    inputShape: [...shape], classes: data.dataset.labels.length, bnMomentum: 0.9,
    ...(isV3(o.arch) ? { includePreprocessing: false } : {}),
  };
  const user = Object.fromEntries(Object.entries(o.model).filter(([, v]) => v !== undefined)) as BuildOptions;
  // training from scratch initialises as torchvision (He normal fan_out): with Keras' glorot_uniform the peak lr
  // of 0.01 made 5 of 13 V2 MNIST recipe runs collapse for an epoch, with He normal none of 3 (docs/accuracy.md)
  const options: BuildOptions = { ...base, seed: o.seed, init: 'torchvision', ...user, classifierActivation: null };
  const want = options.inputShape!;
  if (want.join('x') !== shape.join('x')) {
    throw new OptionError(`model input ${want.join('x')} does not match the data's ${shape.join('x')}`);
  }
  if (options.classes !== data.dataset.labels.length) {
    throw new OptionError(`model has ${String(options.classes)} classes, the dataset ${data.dataset.labels.length}`);
  }
  return { preset: mnist ? 'mnist' : null, options };
}

/** Builds the training model (logits) and the RunMeta describing the saved (softmax) one. */
export function buildForData(
  data: TrainData, o: ResolvedTrainOptions, backend: string, command: string,
): { model: tfl.LayersModel; meta: RunMeta } {
  const { preset, options } = modelOptions(data, o);
  const model = buildModel(o.arch, options);
  const meta: RunMeta = {
    format: RUN_FORMAT, arch: o.arch, preset, buildOptions: { ...options, classifierActivation: 'softmax' },
    inputShape: [...data.train.shape], labels: [...data.dataset.labels],
    normalization: { mean: [...data.dataset.mean], std: [...data.dataset.std] },
    output: 'probabilities', dataset: data.spec, backend, command,
  };
  return { model, meta };
}
