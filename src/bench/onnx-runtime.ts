/**
 * Inference throughput of onnxruntime-node on our own exported ONNX (the same network and weights as the
 * TF.js model) and on any .onnx file (e.g. the PyTorch peer's export): seeded random input, untimed
 * warm-up runs, then timed runs, each awaited. onnxruntime-node is a devDependency, loaded on first use.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { ConvertOptions, convertToOnnx } from '../export/onnx/index.js';
import { loadOrt, timeOnnx } from './ort.js';

export interface OrtMeasureOptions {
  /** Images per run (default 256). */
  batch?: number;
  /** Timed runs (default 5) after `warmup` untimed ones (default 1). */
  steps?: number;
  warmup?: number;
  /** intraOpNumThreads (default 2, this machine's cores); inter-op is 1 (sequential execution). */
  threads?: number;
  /** onnxruntime graph optimisation level (default 'all': fusions and its NCHWc layout). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Seed of the uniform [-1, 1) input (default 1). */
  seed?: number;
}

export interface OrtMeasurement {
  engine: 'onnxruntime-node';
  version: string;
  batch: number;
  steps: number;
  threads: number;
  imagesPerSecond: number;
  msPerStep: number;
  /** Input dims fed, batch first. */
  inputDims: number[];
}

/**
 * Times onnxruntime-node on an ONNX model (file path or bytes) whose single input has `dims` without the
 * batch (e.g. [28, 28, 1] for our NHWC export, [1, 28, 28] for an NCHW one).
 */
export async function measureOnnxModel(model: string | Uint8Array, dims: number[], o: OrtMeasureOptions = {}): Promise<OrtMeasurement> {
  const loaded = await loadOrt();
  if ('missing' in loaded) throw new DataError(loaded.missing);
  const batch = o.batch ?? 256, steps = o.steps ?? 5, threads = o.threads ?? 2;
  const t = await timeOnnx(loaded.ort, {
    file: model, dims, batch, threads, steps, warmup: Math.max(1, o.warmup ?? 1), optimization: o.optimization, seed: o.seed,
  });
  return {
    engine: 'onnxruntime-node', version: loaded.version, batch, steps, threads, imagesPerSecond: t.imagesPerSecond,
    msPerStep: t.msPerStep, inputDims: [batch, ...dims],
  };
}

/**
 * onnxruntime-node on our own export of `model` (exportOnnx's graph, in memory): the "onnxruntime on our
 * ONNX" column of the benchmark — identical network and weights to what TF.js runs.
 */
export async function measureOnnxRuntime(model: tfl.LayersModel, o: OrtMeasureOptions & Pick<ConvertOptions, 'inputLayout' | 'fold' | 'opset'> = {}): Promise<OrtMeasurement> {
  const c = convertToOnnx(model, { inputLayout: o.inputLayout, fold: o.fold, opset: o.opset });
  return measureOnnxModel(c.bytes, c.inputDims.slice(1) as number[], o);
}
