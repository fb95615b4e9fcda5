/**
 * The head a transfer run puts on a pretrained backbone, as Keras's transfer-learning guide builds it:
 * backbone (include_top=False) → GlobalAveragePooling2D → Dropout → Dense(classes), under the names
 * `global_average_pooling2d`, `dropout` and `predictions` (the name every run's head has).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';

export interface TransferHead {
  /** Dropout rate before the classifier (Keras's guide: 0.2). */
  dropout: number;
}

/** The backbone's layers end at the last layer before this one (the head's pooling). */
export const HEAD_POOL = 'global_average_pooling2d';

/**
 * `backbone` (a model built with includeTop false, pooling 'avg') with the transfer head of `classes` outputs.
 */
export function withTransferHead(
  backbone: tfl.LayersModel, head: TransferHead, classes: number, activation: 'softmax' | null, seed?: number,
): tfl.LayersModel {
  if (!(head.dropout >= 0 && head.dropout < 1)) throw new OptionError(`transferHead.dropout must be in [0, 1), got ${String(head.dropout)}`);
  const pooled = backbone.outputs[0]; // [B, C]
  if (pooled.shape.length !== 2 || backbone.layers[backbone.layers.length - 1].name !== HEAD_POOL) {
    throw new OptionError('a transfer head needs a backbone built with includeTop false and pooling "avg"');
  }
  let x: SymbolicTensor = tfl.layers.dropout({ rate: head.dropout, name: 'dropout' }).apply(pooled) as SymbolicTensor;
  x = tfl.layers.dense({
    units: classes, name: 'predictions', activation: activation ?? 'linear',
    kernelInitializer: tfl.initializers.glorotUniform({ seed }),
  }).apply(x) as SymbolicTensor; // [B, classes]
  return tfl.model({ inputs: backbone.inputs, outputs: x, name: backbone.name });
}
