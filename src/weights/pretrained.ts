/**
 * `mobilenet pretrained`: a run directory from pretrained weights, as Keras's
 * `MobileNetV2(weights=…, include_top=…, pooling=…)` builds a model — Keras's architecture (V1 with ReLU6,
 * V3 with its Rescaling layer), every weight loaded by layer name and shape-checked, the preprocessing
 * recorded in meta.json. The run is what eval, predict, serve, export, summary and cost take.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { Normalization, Preprocess, PREPROCESS_MODES, normalizationFor } from '../data/preprocess.js';
import { DataError, OptionError } from '../errors.js';
import type { Pooling } from '../models/options.js';
import { Arch, BuildOptions, buildModel, checkArch, isV3 } from '../models/presets.js';
import { RUN_FORMAT, RunMeta, writeMeta } from '../run/meta.js';
import { writeModel } from '../run/model-files.js';
import { checkOutDir, prepareOutDir, removeIfUnused } from '../run/out-dir.js';
import { loadRun } from '../run/run-dir.js';
import { applyWeights } from './apply.js';
import { IMAGENET_LABELS } from './labels.js';
import { checkNetwork, lookupLayer } from './names.js';
import { readWeightSource } from './source.js';
import type { WeightSource } from './types.js';

export interface PretrainedOptions {
  arch: Arch | string;
  /** imagenet, a Keras .h5 / .weights.h5 file, a TF.js model (model.json or its directory) or a run directory. */
  weights: string;
  /** The run directory to write. */
  out: string;
  /** Width multiplier; default: the source's (1 for imagenet). */
  alpha?: number;
  /** [H, W, 3]; default: the source's input (224×224×3 for imagenet). */
  inputShape?: [number, number, number];
  /** Keep the source's classifier (default true); false with pooling 'avg' or 'max' gives a feature extractor. */
  includeTop?: boolean;
  pooling?: Pooling;
  /** V3: the minimalistic variant. */
  minimalistic?: boolean;
  /** Input preprocessing when the source does not say (foreign files): Keras's modes; default 'tf'. */
  preprocess?: Preprocess;
  /** Replace a run already at `out`. */
  overwrite?: boolean;
  /** Progress of a download, notices. */
  onProgress?: (msg: string) => void;
  /** Download bytes as they arrive, for a progress bar. */
  onBytes?: (received: number, total: number | null) => void;
  /** The command line, for meta.json. */
  command?: string;
}

export interface PretrainedResult {
  dir: string;
  meta: RunMeta;
  source: string;
  /** Layers whose weights were loaded. */
  loaded: number;
  /** One line naming source layers the model has no place for (another head), if any. */
  notice?: string;
}

/** The number of classes of the source's head (the bias of conv_preds / predictions / logits), or undefined. */
function headClasses(src: WeightSource, arch: Arch): number | undefined {
  const name = arch === 'v1' ? 'conv_preds' : arch === 'v2' ? 'predictions' : 'logits';
  const w = lookupLayer(src.layers, name)?.value;
  return w?.at(-1)?.shape.at(-1);
}

/** The preprocessing to record: the source's when known; --preprocess only for sources that do not say. */
function choosePreprocess(src: WeightSource, asked: Preprocess | undefined, arch: Arch): Preprocess {
  if (asked !== undefined && !(PREPROCESS_MODES as readonly string[]).includes(asked)) {
    throw new OptionError(`preprocess must be one of ${PREPROCESS_MODES.join(', ')}, got ${JSON.stringify(asked)}`);
  }
  if (src.preprocess && asked && asked !== src.preprocess) {
    throw new OptionError(`${src.description} takes ${src.preprocess} preprocessing (recorded with it); --preprocess ${asked} would feed it other inputs`);
  }
  return src.preprocess ?? asked ?? (isV3(arch) ? 'raw' : 'tf');
}

/** Builder options that reproduce the source's network (Keras's V1 ReLU6, V3's Rescaling and variant). */
function buildOptionsFor(arch: Arch, src: WeightSource, o: PretrainedOptions, pre: Preprocess, top: boolean): BuildOptions {
  const inputShape = o.inputShape ?? src.inputShape ?? [224, 224, 3];
  if (inputShape[2] !== 3) throw new OptionError(`pretrained weights take 3-channel inputs, got ${inputShape.join('x')}`);
  const fromRun = src.buildOptions ?? {};
  const b: BuildOptions = {
    inputShape: [...inputShape] as [number, number, number], alpha: o.alpha ?? src.alpha ?? 1, includeTop: top,
    pooling: top ? null : (o.pooling ?? null), classifierActivation: 'softmax',
  };
  if (top) b.classes = headClasses(src, arch) ?? 1000;
  if (arch === 'v1') b.activation = src.activation ?? 'relu6';
  if (isV3(arch)) {
    b.includePreprocessing = pre === 'raw';
    b.minimalistic = o.minimalistic ?? (fromRun.minimalistic as boolean | undefined) ?? false;
  }
  for (const k of ['depthMultiplier', 'stemStride', 'dropout', 'dropoutRate', 'bnMomentum'] as const) {
    if (fromRun[k] !== undefined) (b as Record<string, unknown>)[k] = fromRun[k];
  }
  return b;
}

/** Builds the network, loads the source into it (all or nothing), returns model + notice. */
function buildLoaded(arch: Arch, b: BuildOptions, src: WeightSource): { model: tfl.LayersModel; loaded: number; notice?: string } {
  const model = buildModel(arch, b);
  try {
    const r = applyWeights(model, src);
    return { model, loaded: r.loaded.length, notice: r.notice };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Labels of the head: the source's, ImageNet's for 1000 classes, else class_0…; none for a feature extractor. */
function labelsFor(src: WeightSource, classes: number | undefined): string[] {
  if (classes === undefined) return [];
  if (src.labels?.length === classes) return [...src.labels];
  if (classes === 1000) return [...IMAGENET_LABELS];
  return Array.from({ length: classes }, (_, i) => `class_${i}`);
}

/**
 * Writes run directory `o.out` from pretrained weights (see the file comment). Nothing is written unless
 * every layer of the model found its weights with the right shapes.
 */
export async function pretrained(o: PretrainedOptions): Promise<PretrainedResult> {
  const arch = checkArch(o.arch);
  const top = o.includeTop ?? true;
  if (top && o.pooling) throw new OptionError('pooling applies only without the top (--no-top)');
  if (!top && o.pooling !== 'avg' && o.pooling !== 'max') {
    throw new OptionError("a run without the top needs pooling 'avg' or 'max' (its output must be [batch, features])");
  }
  const state = await checkOutDir(o.out, o.overwrite ?? false);
  const src = await readWeightSource(o.weights, {
    arch, alpha: o.alpha, inputShape: o.inputShape, includeTop: top, minimalistic: o.minimalistic, onProgress: o.onProgress, onBytes: o.onBytes,
  });
  checkNetwork(src, { arch, alpha: o.alpha, includeTop: top }, src.description);
  const pre = choosePreprocess(src, o.preprocess, arch);
  const normalization: Normalization = normalizationFor(pre, 3);
  const b = buildOptionsFor(arch, src, o, pre, top);
  const { model, loaded, notice } = buildLoaded(arch, b, src);
  const meta: RunMeta = {
    format: RUN_FORMAT, arch, preset: null, buildOptions: b, inputShape: b.inputShape!, labels: labelsFor(src, b.classes),
    normalization, preprocess: pre, output: top ? 'probabilities' : 'features',
    dataset: o.weights === 'imagenet' ? 'imagenet' : 'unknown', backend: 'none (pretrained weights)',
    command: o.command ?? '(library call)', weightsSource: src.description,
  };
  try {
    await prepareOutDir(o.out, state);
    await writeModel(model, o.out, { softmax: false });
    await writeMeta(o.out, meta);
    (await loadRun(o.out)).model.dispose(); // the run loads and passes the checks eval/predict/serve make
  } catch (e) {
    await removeIfUnused(o.out, state).catch(() => undefined);
    if (state === 'new') await import('node:fs').then((fs) => fs.promises.rm(o.out, { recursive: true, force: true }));
    throw e instanceof DataError || e instanceof OptionError ? e : new DataError(`cannot write the run ${o.out}: ${(e as Error).message}`);
  } finally {
    model.dispose();
  }
  return { dir: o.out, meta, source: src.description, loaded, ...(notice ? { notice } : {}) };
}
