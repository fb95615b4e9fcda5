/**
 * Class-per-subfolder image datasets: PATH/<class>/*.png|jpg, or
 * PATH/train/<class>/… and PATH/test/<class>/… when both exist.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { loadImage } from './image.js';
import { checkSplitSize } from './limits.js';
import { Rng } from './rng.js';
import type { Dataset, LoadOptions, Split } from './types.js';
import { withStats } from './resize.js';

const IMAGE_EXT = /\.(png|jpe?g)$/i;
/** Share of each class held out as test when the folder has no train/ and test/. */
export const HOLDOUT_FRACTION = 0.2;
const CONCURRENCY = 4;

/** A list of image files and their class ids. */
interface FileList { files: string[]; labels: number[] }

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Sorted names of the visible subfolders of `dir`. */
async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/** Sorted PNG/JPEG file paths directly inside `dir`. */
async function imageFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && IMAGE_EXT.test(e.name) && !e.name.startsWith('.')).map((e) => join(dir, e.name)).sort();
}

/** Files per class under `root` (class folders named in `classes`); `requireAll` demands every class be present and non-empty. */
async function listClasses(root: string, classes: string[], requireAll: boolean): Promise<string[][]> {
  const out: string[][] = [];
  for (const c of classes) {
    const dir = join(root, c);
    const files = (await isDir(dir)) ? await imageFiles(dir) : [];
    if (requireAll && files.length === 0) throw new DataError(`${dir}: class '${c}' has no images (PNG/JPEG)`);
    out.push(files);
  }
  return out;
}

function flatten(perClass: string[][]): FileList {
  const files: string[] = [], labels: number[] = [];
  perClass.forEach((fs, c) => fs.forEach((f) => { files.push(f); labels.push(c); }));
  return { files, labels };
}

/** Splits each class's files into train/test, holding out round(20%) chosen by `rng`; keeps ≥ 1 train image. */
function holdOut(perClass: string[][], rng: Rng): { train: FileList; test: FileList } {
  const tr: string[][] = [], te: string[][] = [];
  for (const files of perClass) {
    const nTest = Math.min(Math.round(files.length * HOLDOUT_FRACTION), files.length - 1);
    const perm = rng.permutation(files.length);
    const testIdx = new Set(perm.subarray(0, nTest));
    te.push(files.filter((_, i) => testIdx.has(i)));
    tr.push(files.filter((_, i) => !testIdx.has(i)));
  }
  return { train: flatten(tr), test: flatten(te) };
}

/** Decodes and resizes every file to `shape` (a few at a time) into a split. */
async function decodeAll(list: FileList, shape: [number, number, number], log: (m: string) => void, what: string): Promise<Split> {
  const size = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(list.files.length * size); // [N, H, W, C]
  let next = 0, done = 0;
  const worker = async (): Promise<void> => {
    while (next < list.files.length) {
      const i = next++;
      images.set(await loadImage(list.files[i], shape), i * size);
      if (++done % 500 === 0) log(`${what}: decoded ${done}/${list.files.length} images`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { images, labels: Uint8Array.from(list.labels), count: list.files.length, shape };
}

/** Class names and per-class files for train and test, from either folder layout. */
async function discover(root: string, seed: number): Promise<{ classes: string[]; train: FileList; test: FileList }> {
  if (!(await isDir(root))) {
    const exists = await stat(root).then(() => true, () => false);
    throw new DataError(exists ? `${root}: is a file, not a dataset folder (expected ${root}/<class>/*.png|jpg)` : `${root}: dataset folder not found`);
  }
  const split = (await isDir(join(root, 'train'))) && (await isDir(join(root, 'test')));
  const base = split ? join(root, 'train') : root;
  const classes = await subfolders(base);
  if (classes.length === 0) throw new DataError(`${base}: no class subfolders (expected ${base}/<class>/*.png|jpg)`);
  if (classes.length > 256) throw new DataError(`${base}: ${classes.length} classes, at most 256 supported`);
  const perClass = await listClasses(base, classes, true);
  if (!split) return { classes, ...holdOut(perClass, new Rng(seed)) };
  const testRoot = join(root, 'test');
  const extra = (await subfolders(testRoot)).filter((c) => !classes.includes(c));
  if (extra.length > 0) throw new DataError(`${testRoot}: class folder '${extra[0]}' is not in ${base}`);
  const testPerClass = await listClasses(testRoot, classes, false);
  if (testPerClass.every((f) => f.length === 0)) throw new DataError(`${testRoot}: no test images (PNG/JPEG)`);
  return { classes, train: flatten(perClass), test: flatten(testPerClass) };
}

/**
 * Loads a class-per-subfolder PNG/JPEG tree, every image resized (plain
 * resize) and converted to `o.inputShape` (default 224×224×3). Without
 * train/ and test/ subfolders, a seeded 20% of each class is the test split.
 */
export async function loadImageFolder(root: string, o: LoadOptions = {}): Promise<Dataset> {
  const shape = o.inputShape ?? [224, 224, 3];
  const log = o.onProgress ?? (() => {});
  const { classes, train, test } = await discover(root, o.seed ?? 0);
  log(`folder:${root}: ${classes.length} classes, ${train.files.length} train / ${test.files.length} test images`);
  checkSplitSize(`folder:${root}`, Math.max(train.files.length, test.files.length), shape);
  const tr = await decodeAll(train, shape, log, 'train');
  const te = await decodeAll(test, shape, log, 'test');
  return withStats(`folder:${root}`, classes, tr, te);
}
