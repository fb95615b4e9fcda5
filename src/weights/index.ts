/** Pretrained weights: sources (Keras HDF5, TF.js, run directories, Keras's ImageNet files) loaded by Keras layer name. */
export { readWeightSource, sourceKind } from './source.js';
export { applyWeights, shortList } from './apply.js';
export type { ApplyOptions, ApplyResult } from './apply.js';
export { keras2V3Name, lookupLayer, inferNetwork } from './names.js';
export { modelLayers } from './run-source.js';
export { PREPROCESS_MODES } from './types.js';
export type { Arch, LayerWeights, Preprocess, ReadWeightOptions, WeightSource } from './types.js';
