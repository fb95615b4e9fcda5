/** Test fixtures for serve: an untrained MNIST-shaped run directory made on the fly. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { saveLayersModel } from '../../src/format/layers-format.js';
import { Arch, BuildOptions, buildModel, isV3 } from '../../src/models/presets.js';
import { HistoryRow, RUN_FORMAT, RunMeta, writeMeta } from '../../src/run/run-dir.js';
import { mnistTestDigits } from './mnist.js';

export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

/** A fake two-epoch history, for the model view. */
export const FIXTURE_HISTORY: HistoryRow[] = [
  { epoch: 1, trainLoss: 0.5, trainAcc: 0.85, valLoss: 0.3, valAcc: 0.9, lr: 0.01, seconds: 10 },
  { epoch: 2, trainLoss: 0.2, trainAcc: 0.94, valLoss: 0.15, valAcc: 0.95, lr: 0.005, seconds: 10 },
];

/**
 * Sets every BatchNormalization layer's moving mean/variance to the statistics its input has on `x` in a
 * training-mode forward pass. An untrained net with the initial statistics (0, 1) shrinks activations
 * ~10× per block until the output no longer depends on the input (uniform-looking probabilities); after
 * this the untrained fixture gives input-dependent answers, so tests comparing paths can fail.
 */
export function calibrateBatchNorm(model: tfl.LayersModel, x: tf.Tensor4D): void {
  const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  const probe = tfl.model({ inputs: model.inputs, outputs: bns.map((l) => l.input as tfl.SymbolicTensor) });
  tf.tidy(() => {
    const ins = probe.apply(x, { training: true }) as tf.Tensor[]; // each [B, H, W, C]
    bns.forEach((l, i) => {
      const { mean, variance } = tf.moments(ins[i], [0, 1, 2]); // [C]
      for (const w of l.weights) {
        const name = w.originalName ?? w.name;
        if (/moving_mean/.test(name)) w.write(mean);
        if (/moving_variance/.test(name)) w.write(variance);
      }
    });
  });
}

/** 32 MNIST test images, normalised, as the calibration batch for [28, 28, c] inputs. */
async function calibrationBatch([h, w, c]: [number, number, number]): Promise<tf.Tensor4D> {
  const digits = await mnistTestDigits(32);
  const x = tf.tensor4d(Float32Array.from(digits.flatMap((d) => Array.from(d.pixels)), (v) => (v / 255 - MNIST_MEAN) / MNIST_STD),
    [32, 28, 28, 1]); // [32, 28, 28, 1]
  const y = tf.tile(tf.image.resizeBilinear(x, [h, w]), [1, 1, 1, c]) as tf.Tensor4D; // [32, H, W, C]
  x.dispose();
  return y;
}

/**
 * Builds V2 (alpha 0.35, logits, mnist preset; untrained but BN-calibrated), saves it with meta.json and history.json in a new temporary
 * directory, and returns the directory. `dataset` and `inputShape` can be changed for the resize path, `arch` for another
 * MobileNet (V3: also without dropout and, as `train` builds it, without the Rescaling input layer).
 */
export async function makeRunDir(
  o: { dataset?: string; inputShape?: [number, number, number]; arch?: Arch } = {},
): Promise<string> {
  await initBackend('cpu');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-serve-'));
  const inputShape = o.inputShape ?? [28, 28, 1];
  const arch = o.arch ?? 'v2';
  const buildOptions: BuildOptions = {
    alpha: 0.35, classifierActivation: null, inputShape, seed: 7,
    ...(isV3(arch) ? { includePreprocessing: false, dropoutRate: 0 } : {}),
  };
  const model = buildModel(arch, buildOptions, 'mnist');
  const x = await calibrationBatch(inputShape);
  calibrateBatchNorm(model, x);
  x.dispose();
  await saveLayersModel(model, dir);
  const c = inputShape[2];
  const meta: RunMeta = {
    format: RUN_FORMAT, arch, preset: 'mnist', buildOptions: { ...buildOptions, classes: 10, bnMomentum: 0.9 },
    inputShape, labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    normalization: { mean: Array(c).fill(MNIST_MEAN), std: Array(c).fill(MNIST_STD) },
    output: 'logits', dataset: o.dataset ?? 'mnist', backend: 'cpu', command: 'test fixture (untrained)',
  };
  await writeMeta(dir, meta);
  await fs.writeFile(path.join(dir, 'history.json'), JSON.stringify(FIXTURE_HISTORY));
  model.dispose();
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}
