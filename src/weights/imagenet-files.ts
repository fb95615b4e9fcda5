/**
 * Keras's ImageNet weight files, named exactly as keras/src/applications/mobilenet.py, mobilenet_v2.py and
 * mobilenet_v3.py name them, so a file a Keras user already has in ~/.keras/models is used as is.
 *   V1  mobilenet/mobilenet_{1_0|7_5|5_0|2_5}_{rows}_tf[_no_top].h5              rows 128, 160, 192, 224
 *   V2  mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{rows}[_no_top].h5   rows 96–224
 *   V3  mobilenet_v3/weights_mobilenet_v3_{large|small}[_minimalistic]_224_{alpha}_float[_no_top_v2].h5, MD5-checked
 * Rows come from the input as Keras picks them: a square input of a published size, else 224 (the weights
 * are the same shapes at any size: the networks are fully convolutional).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { OptionError } from '../errors.js';
import type { Arch } from '../models/presets.js';

/** Keras's BASE_WEIGHT_PATH without the family folder. */
export const KERAS_BASE_URL = 'https://storage.googleapis.com/tensorflow/keras-applications';

/** Keras 3's WEIGHTS_HASHES for V3 (MD5): [with top, no top (v2 files)]. */
export const V3_HASHES: Readonly<Record<string, readonly [string, string]>> = {
  'large_224_0.75_float': ['765b44a33ad4005b3ac83185abf1d0eb', '40af19a13ebea4e2ee0c676887f69a2e'],
  'large_224_1.0_float': ['59e551e166be033d707958cf9e29a6a7', '07fb09a5933dd0c8eaafa16978110389'],
  'large_minimalistic_224_1.0_float': ['675e7b876c45c57e9e63e6d90a36599c', 'ec5221f64a2f6d1ef965a614bdae7973'],
  'small_224_0.75_float': ['cb65d4e5be93758266aa0a7f2c6708b7', 'ebdb5cc8e0b497cd13a7c275d475c819'],
  'small_224_1.0_float': ['8768d4c2e7dee89b9d02b2d03d65d862', 'd3e8ec802a04aa4fc771ee12a9a9b836'],
  'small_minimalistic_224_1.0_float': ['99cd97fb2fcdad2bf028eb838de69e37', 'cde8136e733e811080d9fcd8a252f7e4'],
};

export interface ImagenetFile {
  /** Keras's family folder under the base URL: mobilenet, mobilenet_v2, mobilenet_v3. */
  folder: string;
  /** Keras's file name (also the name in the cache). */
  fileName: string;
  /** The input rows the file was trained at (224 for V3). */
  rows: number;
  /** Keras's published MD5, where it publishes one (V3). */
  md5?: string;
}

/** Python's str(float(x)): 1 → '1.0', 0.5 → '0.5'. */
const pyFloat = (x: number) => (Number.isInteger(x) ? x.toFixed(1) : String(x));

function oneOf(what: string, alpha: number, allowed: number[]): void {
  if (!allowed.includes(alpha)) {
    throw new OptionError(`ImageNet weights for ${what} exist for alpha ${allowed.join(', ')} only, got ${alpha}`);
  }
}

/** Keras's choice of rows: the input's when square and published, else 224. */
export function kerasRows(inputShape: [number, number, number] | undefined, published: number[]): number {
  if (!inputShape) return 224;
  const [h, w] = inputShape;
  return h === w && published.includes(h) ? h : 224;
}

/** The file Keras loads for `weights='imagenet'` with these options (Keras's own checks on alpha). */
export function imagenetFile(o: {
  arch: Arch; alpha?: number; inputShape?: [number, number, number]; includeTop?: boolean; minimalistic?: boolean;
}): ImagenetFile {
  const alpha = o.alpha ?? 1;
  const top = o.includeTop ?? true;
  if (o.inputShape && o.inputShape[2] !== 3) throw new OptionError(`ImageNet weights take 3-channel inputs, got ${o.inputShape.join('x')}`);
  if (o.arch === 'v1') {
    oneOf('MobileNet V1', alpha, [0.25, 0.5, 0.75, 1]);
    const rows = kerasRows(o.inputShape, [128, 160, 192, 224]);
    const a = { 1: '1_0', 0.75: '7_5', 0.5: '5_0', 0.25: '2_5' }[alpha as 1 | 0.75 | 0.5 | 0.25];
    return { folder: 'mobilenet', rows, fileName: `mobilenet_${a}_${rows}_tf${top ? '' : '_no_top'}.h5` };
  }
  if (o.arch === 'v2') {
    oneOf('MobileNet V2', alpha, [0.35, 0.5, 0.75, 1, 1.3, 1.4]);
    const rows = kerasRows(o.inputShape, [96, 128, 160, 192, 224]);
    return {
      folder: 'mobilenet_v2', rows,
      fileName: `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${pyFloat(alpha)}_${rows}${top ? '' : '_no_top'}.h5`,
    };
  }
  const min = o.minimalistic ?? false;
  if (min) oneOf(`minimalistic MobileNet ${o.arch}`, alpha, [1]);
  else oneOf(`MobileNet ${o.arch}`, alpha, [0.75, 1]);
  const model = `${o.arch === 'v3-large' ? 'large' : 'small'}${min ? '_minimalistic' : ''}_224_${pyFloat(alpha)}_float`;
  return {
    folder: 'mobilenet_v3', rows: 224, md5: V3_HASHES[model][top ? 0 : 1],
    fileName: `weights_mobilenet_v3_${model}${top ? '' : '_no_top_v2'}.h5`,
  };
}

/** Where Keras caches downloaded weights: $KERAS_HOME/models, default ~/.keras/models. */
export function kerasCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.KERAS_HOME || path.join(os.homedir(), '.keras'), 'models');
}

/** The file's URL: Keras's, or under $MOBILENET_WEIGHTS_URL (which replaces Keras's base, before the family folder). */
export function imagenetUrl(f: ImagenetFile, env: NodeJS.ProcessEnv = process.env): string {
  const base = (env.MOBILENET_WEIGHTS_URL || KERAS_BASE_URL).replace(/\/+$/, '');
  return `${base}/${f.folder}/${f.fileName}`;
}
