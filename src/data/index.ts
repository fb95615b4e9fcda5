/** Data: IDX files, datasets, image decoding, batches and the seeded RNG. */
export * from './types.js';
export { Rng, type RngState } from './rng.js';
export { parseIdx, readIdxFile, type IdxData } from './idx.js';
export { loadDataset, loadIdxDataset, MNIST_LABELS, FASHION_LABELS, type IdxFiles } from './datasets.js';
export { loadImageFolder } from './image-folder.js';
export { splitValidation, iterateBatches, subsetSplit, type Batch, type BatchOptions } from './batches.js';
export { decodeImage, loadImage, encodePng, type DecodedImage, type LoadImageOptions } from './image.js';
export { PREPROCESS_MODES, normalizationFor, normaliseWith, type Preprocess, type Normalization } from './preprocess.js';
