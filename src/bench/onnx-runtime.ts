/**
 * Inference throughput of onnxruntime-node on our own exported ONNX (the same network and weights as the
 * TF.js model) and on any .onnx file (e.g. the PyTorch peer's export): seeded random input, untimed
 * warm-up runs, then timed runs, each awaited. onnxruntime-node is a devDependency, loaded on first use.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { ConvertOptions, convertToOnnx } from '../export/onnx/index.js';

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

type Ort = typeof import('onnxruntime-node');

async function loadOrt(): Promise<Ort> {
  try {
    return await import('onnxruntime-node');
  } catch (e) {
    throw new DataError(`onnxruntime-node is not installed (a devDependency: npm install): ${(e as Error).message.split('\n')[0]}`);
  }
}

function randomInput(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; // xorshift32
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/**
 * Times onnxruntime-node on an ONNX model (file path or bytes) whose single input has `dims` without the
 * batch (e.g. [28, 28, 1] for our NHWC export, [1, 28, 28] for an NCHW one).
 */
export async function measureOnnxModel(model: string | Uint8Array, dims: number[], o: OrtMeasureOptions = {}): Promise<OrtMeasurement> {
  const ort = await loadOrt();
  const batch = o.batch ?? 256;
  const steps = o.steps ?? 5;
  const threads = o.threads ?? 2;
  const options = { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' as const, graphOptimizationLevel: o.optimization ?? 'all' };
  const session = typeof model === 'string'
    ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  try {
    const inputDims = [batch, ...dims];
    const x = randomInput(inputDims.reduce((a, b) => a * b, 1), o.seed ?? 1);
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, inputDims) };
    for (let i = 0; i < (o.warmup ?? 1); i++) await session.run(feeds);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await session.run(feeds);
    const seconds = (performance.now() - t0) / 1000;
    return {
      engine: 'onnxruntime-node', version: ort.env.versions.common, batch, steps, threads,
      imagesPerSecond: (batch * steps) / seconds, msPerStep: (1000 * seconds) / steps, inputDims,
    };
  } finally {
    await session.release();
  }
}

/**
 * onnxruntime-node on our own export of `model` (exportOnnx's graph, in memory): the "onnxruntime on our
 * ONNX" column of the benchmark — identical network and weights to what TF.js runs.
 */
export async function measureOnnxRuntime(model: tfl.LayersModel, o: OrtMeasureOptions & Pick<ConvertOptions, 'inputLayout' | 'fold' | 'opset'> = {}): Promise<OrtMeasurement> {
  const c = convertToOnnx(model, { inputLayout: o.inputLayout, fold: o.fold, opset: o.opset });
  return measureOnnxModel(c.bytes, c.inputDims.slice(1) as number[], o);
}
