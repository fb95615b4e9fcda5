/** What every weight source gives: weights by Keras layer name, and what is known of the network they came from. */
import type { Arch } from '../models/presets.js';
import type { Preprocess } from '../data/preprocess.js';

export type { Arch };

export { PREPROCESS_MODES } from '../data/preprocess.js';
export type { Preprocess } from '../data/preprocess.js';

/** One weight of a layer, in Keras's weight order for that layer (kernel, bias; gamma, beta, moving mean, variance). */
export interface LayerWeights {
  /** The weight's name in the source ('conv1/kernel:0', 'conv1/kernel', or 'vars/0' for Keras 3 files). */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A set of pretrained weights, from a Keras HDF5 file, a TF.js model, a run directory or Keras's ImageNet files. */
export interface WeightSource {
  /** 'keras-h5:FILE' | 'tfjs:DIR' | 'run:DIR' | 'imagenet:FILE'. */
  description: string;
  /** By Keras layer name, in the source's layer order. */
  layers: Map<string, LayerWeights[]>;
  arch?: Arch;
  alpha?: number;
  inputShape?: [number, number, number];
  includeTop?: boolean;
  /** How the source's network wants its inputs; undefined when the source does not say (a foreign file). */
  preprocess?: Preprocess;
  /** Class names of the source's head, when known (a run's labels; ImageNet's 1000 for imagenet). */
  labels?: string[];
  /** V1 sources from Keras: ReLU6 activations (Keras applications' V1), not the paper's ReLU. */
  activation?: 'relu' | 'relu6';
  /** The builder options a run directory's model was made with (run sources only). */
  buildOptions?: Record<string, unknown>;
}

/** Options of readWeightSource: what the caller wants built (imagenet needs arch/alpha/rows/top to pick a file). */
export interface ReadWeightOptions {
  arch?: Arch;
  alpha?: number;
  inputShape?: [number, number, number];
  includeTop?: boolean;
  /** V3 only: the minimalistic variant (imagenet picks its file). */
  minimalistic?: boolean;
  /** Progress lines / bar updates of a download; default silent. */
  onProgress?: (msg: string) => void;
  /** Bytes of a download as they arrive, for a progress bar (total null when unknown). */
  onBytes?: (received: number, total: number | null) => void;
}
