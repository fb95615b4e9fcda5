/**
 * How much memory a batch of activations needs at least, so a batch that cannot fit is one line before
 * anything is allocated (bench --batch 1000000000 died with a V8 heap-out-of-memory stack).
 *
 * Per image, float32: training keeps every layer's output for the backward pass (a lower bound: measured
 * V2 28x28x1 training grows by ~2.0 MB an image, this counts 1.4); inference needs at least the largest layer's
 * output and its input at once (V2 28x28x1 inference measured ~0.16 MB an image, this counts 0.16).
 */
import * as os from 'node:os';
import type * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';

/** Values of one image in each layer's output(s). */
function outputSizes(model: tfl.LayersModel): number[] {
  return model.layers.map((l) => {
    const shapes = (Array.isArray(l.outputShape[0]) ? l.outputShape : [l.outputShape]) as Array<Array<number | null>>;
    return shapes.reduce((s, shape) => s + shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1), 0);
  });
}

/** Bytes of activations one image needs at least: all layer outputs (train) or twice the largest (infer). */
export function activationBytesPerImage(model: tfl.LayersModel, mode: 'train' | 'infer'): number {
  const sizes = outputSizes(model);
  const values = mode === 'train' ? sizes.reduce((a, b) => a + b, 0) : 2 * Math.max(...sizes);
  return 4 * values;
}

/** Bytes in MB, GB or TB, three significant digits. */
function human(bytes: number): string {
  const [unit, scale] = bytes >= 1e12 ? ['TB', 1e12] : bytes >= 1e9 ? ['GB', 1e9] : ['MB', 1e6];
  return `${(bytes / scale).toPrecision(3)} ${unit}`;
}

/**
 * Throws OptionError naming `option` when `batch` images of `model` need more activation memory than this
 * machine has (os.totalmem), at least.
 */
export function checkBatchMemory(model: tfl.LayersModel, batch: number, mode: 'train' | 'infer', option: string, total = os.totalmem()): void {
  const perImage = activationBytesPerImage(model, mode);
  const need = perImage * batch;
  if (need > total) {
    throw new OptionError(`${option} ${batch} needs at least ${human(need)} for ${mode === 'train' ? 'training' : 'inference'} activations `
      + `(${human(perImage)} an image), more than this machine's memory; use a smaller batch`);
  }
}

/** Largest batch any command takes (train --batch-size, bench --batch): past it, the memory check alone would speak. */
export const MAX_BATCH = 65_536;
