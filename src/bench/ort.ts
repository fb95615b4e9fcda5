/**
 * onnxruntime-node timing (a devDependency), in this process, the way `../shared/peers/ort_bench.mjs` does:
 * intra-op threads = our thread count, one inter-op thread, every graph optimisation (unless asked otherwise),
 * sequential execution, seeded random input, warm-up runs, then timed runs each awaited. Used for the peer's ONNX
 * export of a network and for our own (onnx-runtime.ts).
 */
import { DataError } from '../errors.js';
import type { PeerTiming } from './peer.js';

export type Ort = typeof import('onnxruntime-node');

/** onnxruntime-node and its version, or why it cannot be loaded. */
export async function loadOrt(): Promise<{ ort: Ort; version: string } | { missing: string }> {
  try {
    const ort = await import('onnxruntime-node');
    return { ort, version: ort.env.versions?.common ?? '?' };
  } catch (e) {
    return { missing: `onnxruntime-node cannot be loaded (a devDependency: npm ci): ${(e as Error).message.split('\n')[0]}` };
  }
}

export interface OrtRequest {
  /** An ONNX file or its bytes, with one float input and [B, classes] out. */
  file: string | Uint8Array;
  /** The input's dims without the batch: [C, H, W] for an NCHW graph, [H, W, C] for an NHWC one. */
  dims: number[];
  batch: number;
  /** Expected output width; checked on the first run when given. */
  classes?: number;
  threads: number;
  steps: number;
  warmup: number;
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  seed?: number;
}

/** Uniform values in [-1, 1), seeded (mulberry32), as ort_bench.mjs feeds. */
function randomInput(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * Times `q.steps` runs of batch `q.batch` after `q.warmup` untimed ones (at least one: the first
 * run checks the output is [batch, classes], DataError otherwise). The session is released before returning, so its
 * threads do not compete with the next measurement.
 */
export async function timeOnnx(ort: Ort, q: OrtRequest): Promise<PeerTiming> {
  const options = {
    intraOpNumThreads: q.threads, interOpNumThreads: 1, graphOptimizationLevel: q.optimization ?? 'all', executionMode: 'sequential',
  } as const;
  const session = typeof q.file === 'string'
    ? await ort.InferenceSession.create(q.file, options) : await ort.InferenceSession.create(q.file, options);
  try {
    const dims = [q.batch, ...q.dims];
    const x = new ort.Tensor('float32', randomInput(dims.reduce((a, b) => a * b, 1), q.seed), dims); // [B, ...]
    const feeds = { [session.inputNames[0]]: x };
    const first = (await session.run(feeds))[session.outputNames[0]]; // [B, classes]
    if (q.classes !== undefined && (first.dims.length !== 2 || first.dims[0] !== q.batch || first.dims[1] !== q.classes)) {
      const what = typeof q.file === 'string' ? q.file : 'the model';
      throw new DataError(`onnxruntime: ${what} gives output [${first.dims.join(', ')}], expected [${q.batch}, ${q.classes}]`);
    }
    for (let i = 1; i < q.warmup; i++) await session.run(feeds);
    const t0 = performance.now();
    for (let i = 0; i < q.steps; i++) await session.run(feeds);
    const ms = (performance.now() - t0) / q.steps;
    return { imagesPerSecond: (1000 * q.batch) / ms, msPerStep: ms };
  } finally {
    await session.release();
  }
}
