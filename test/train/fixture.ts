/** A tiny synthetic dataset (8×8×1, 3 classes: a bright horizontal band at the top, middle or bottom, plus noise). */
import { Rng } from '../../src/data/rng.js';
import type { Dataset, Split } from '../../src/data/types.js';

function makeSplit(n: number, seed: number, size = 8): Split {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * size * size); // [N, 8, 8, 1]
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    labels[i] = k;
    for (let y = 0; y < size; y++) {
      const band = Math.floor(y / Math.ceil(size / 3)) === k;
      for (let x = 0; x < size; x++) images[i * size * size + y * size + x] = (band ? 150 : 20) + rng.int(80);
    }
  }
  return { images, labels, count: n, shape: [size, size, 1] };
}

/** `train` and `test` images of the band task; mean/std roughly those of the data. */
export function bandDataset(train = 96, test = 30): Dataset {
  return { name: 'bands', labels: ['top', 'middle', 'bottom'], train: makeSplit(train, 7), test: makeSplit(test, 8), mean: [0.35], std: [0.25] };
}

/** Small V2 for the 8×8×1 band task: alpha 0.35, seeded. */
export const TINY = { arch: 'v2' as const, model: { alpha: 0.35 } };
