/**
 * What a TFLite layer converter gets: the graph being built, the folds decided on the Keras graph before
 * conversion, and each input as a TValue. Tensors are NHWC as in Keras and TFLite alike, so no layout
 * bookkeeping: a value is a tensor index and its Keras shape.
 */
import type { FoldPlan } from '../onnx/fold.js';
import { Layer, UnsupportedLayer } from '../onnx/values.js';
import type { TfliteGraph } from './graph.js';

export interface TValue {
  /** Tensor index in the graph. */
  t: number;
  /** Keras shape without the batch, e.g. [H, W, C] or [C]. */
  shape: number[];
  /** Only the layer receiving this value reads the tensor (so an activation may be fused into its producer). */
  exclusive: boolean;
}

export interface TfliteContext {
  g: TfliteGraph;
  fold: FoldPlan;
  /** Multiply layer name → which of its two inputs is x in x · hard_sigmoid(x) (written as one HARD_SWISH). */
  hardSwish: Map<string, number>;
  /** Layers absorbed into a HARD_SWISH (the hard-sigmoid's Rescaling and ReLU). */
  absorbed: Set<string>;
  /** The output layer whose softmax --logits drops, if any. */
  dropActivationOf: string | null;
}

export type TfliteConverter = (ctx: TfliteContext, layer: Layer, inputs: TValue[]) => TValue;

/** A layer or activation TFLite has no builtin op for (a DataError: the CLI prints one line, nothing is written). */
export class UnsupportedTfliteLayer extends UnsupportedLayer {}
