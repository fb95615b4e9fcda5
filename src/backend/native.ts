/**
 * Loads the oneDNN addon (native/build/Release/mobilenet_onednn.node, found from the package root)
 * and describes its functions. Kernels take Float32Array buffers and shape vectors; outputs are
 * written in place into buffers the caller allocated.
 */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OptionError } from '../errors.js';

/** The addon's functions (see native/src/*.cc for argument order). */
export interface NativeAddon {
  version: string;
  dnnlVersion: string;
  setThreads(n: number): number;
  getThreads(): number;
  convForward(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, shape: Int32Array, act: number): void;
  convBackwardData(dy: Float32Array, w: Float32Array, dx: Float32Array, shape: Int32Array): void;
  convBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, shape: Int32Array): void;
  depthwiseBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, shape: Int32Array): void;
  matmul(a: Float32Array, b: Float32Array, bias: Float32Array | null, c: Float32Array, shape: Int32Array, act: number): void;
  bnInference(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null,
    scale: Float32Array | null, y: Float32Array, rows: number, channels: number, eps: number): void;
  bnTrainForward(x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, y: Float32Array,
    mean: Float32Array, variance: Float32Array, rows: number, channels: number, eps: number): void;
  bnTrainBackward(x: Float32Array, dy: Float32Array, gamma: Float32Array | null, mean: Float32Array,
    variance: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
    rows: number, channels: number, eps: number): void;
  clipReluForward(x: Float32Array, y: Float32Array, n: number, cap: number): void;
  clipReluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number, cap: number): void;
  /** op: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 6 squared difference; a, b: out.length or 1 element. */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** op: 0 sqrt, 1 square, 2 neg, 3 abs, 4 rsqrt. */
  unary(op: number, x: Float32Array, out: Float32Array): void;
  /** x viewed as [O, M, I]: out[o, i] = scale · Σ_m x[o, m, i]. */
  reduceMiddle(x: Float32Array, out: Float32Array, O: number, M: number, I: number, scale: number): void;
  /** One Adam step for one variable into new buffers (c1 = 1 − beta1^t, c2 = 1 − beta2^t). */
  adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, wOut: Float32Array, mOut: Float32Array,
    vOut: Float32Array, lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number): void;
  /** The compiled plan (native/src/plan): see src/engine. */
  planCreate(graph: object): PlanHandle;
  /** Copies parameter i (which: 0 value, 1 and 2 optimizer slots, 3 last gradient, 4 EMA) into the plan (write) or out of it. */
  planParam(h: PlanHandle, i: number, data: Float32Array, write: boolean, which: number): void;
  /** Optimizer steps taken; sets them when n is given. */
  planIterations(h: PlanHandle, n?: number): number;
  planTrainStep(h: PlanHandle, x: Float32Array, labels: Int32Array, n: number, cfg: object): Promise<{ loss: number; correct: number; backwardOps?: number }>;
  planPredict(h: PlanHandle, x: Float32Array, n: number, out: Float32Array): void;
  /** Frees the plan's executors and buffers (the handle stays valid; the next call rebuilds what it needs). */
  planTrim(h: PlanHandle): void;
  /** Milliseconds spent building executors (oneDNN primitives, buffers) since the plan was created. */
  planSetupMs(h: PlanHandle): number;
  /** 1×1 + depthwise pairs fused in the inference executor that batch n runs in (-1: not built yet). */
  planFusedSteps?(h: PlanHandle, n: number): number;
  planBlockedSteps?(h: PlanHandle, n: number): [number, number, number, number] | undefined;
  /** Batch statistics of every BN op's input in a training-mode forward (moving statistics untouched). */
  planBatchNormStats(h: PlanHandle, x: Float32Array, n: number): Array<{ param: number; mean: Float32Array; variance: Float32Array }>;
  /** The int8 plan (native/src/plan/int8.cc): a model described by src/engine/int8-engine.ts. */
  int8Create?(desc: object): PlanHandle;
  /** n images x [n, H, W, C] → logits [n, K], dequantized (Float32Array) or int8 (Int8Array). */
  int8Predict?(h: PlanHandle, x: Float32Array, n: number, out: Float32Array | Int8Array): void;
  int8Trim?(h: PlanHandle): void;
  /** V3 (native/src/v3act.cc): hard-sigmoid relu6(x + 3)/6 and hard-swish x·relu6(x + 3)/6, n elements. */
  hardSigmoidForward(x: Float32Array, y: Float32Array, n: number): void;
  hardSigmoidBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;
  hardSwishForward(x: Float32Array, y: Float32Array, n: number): void;
  hardSwishBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;
  /** y = x·scale + offset over n elements (Keras' Rescaling). */
  affineForward(x: Float32Array, y: Float32Array, n: number, scale: number, offset: number): void;
  /** y[b, p, c] = x[b, p, c]·g[b, c] for x [B, P, C], g [B, C]; backward also dg = Σ_p dy·x. */
  seMulForward(x: Float32Array, g: Float32Array, y: Float32Array, B: number, P: number, C: number): void;
  seMulBackward(x: Float32Array, g: Float32Array, dy: Float32Array, dx: Float32Array, dg: Float32Array,
    B: number, P: number, C: number): void;
  /** Global average pooling of x [B, P, C] into y [B, C], and its gradient dx = dy / P. */
  spatialMeanForward(x: Float32Array, y: Float32Array, B: number, P: number, C: number): void;
  spatialMeanBackward(dy: Float32Array, dx: Float32Array, B: number, P: number, C: number): void;
}

/** An opaque native plan. */
export type PlanHandle = { readonly __plan: unique symbol };

const ADDON = path.join('native', 'build', 'Release', 'mobilenet_onednn.node');

/** The package root: the nearest folder above this file holding package.json and native/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'native'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

let cached: { addon: NativeAddon | null; error?: string } | undefined;

/** Environment variables this process set for itself (not the user): child processes such as the bench's peers get none. */
export const INJECTED_ENV = new Set<string>();

/** process.env without what this process injected into it. */
export function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !INJECTED_ENV.has(k)));
}

/**
 * Most OpenMP threads we ask for: libgomp printed an error at 40,000 and the process crashed at 65,536 (and
 * more threads than cores only wait on each other).
 */
export const MAX_THREADS = 1024;

/** Throws OptionError unless MOBILENET_THREADS (read by the addon when it loads) is unset, empty or 1..MAX_THREADS. */
export function checkThreadsEnv(env: NodeJS.ProcessEnv = process.env): void {
  const t = env.MOBILENET_THREADS;
  if (t === undefined || t.trim() === '') return;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new OptionError(`MOBILENET_THREADS must be an integer in 1..${MAX_THREADS}, got ${JSON.stringify(t)}`);
  }
}

/**
 * The addon, or null with the reason it could not be loaded (missing build, missing libdnnl). A bad
 * MOBILENET_THREADS is an OptionError before the addon reads it.
 */
export function loadNative(): { addon: NativeAddon | null; error?: string } {
  if (cached) return cached;
  checkThreadsEnv();
  const file = path.join(packageRoot(), ADDON);
  // Idle OpenMP threads spin by default: when other processes share the cores, a spinning thread
  // waits for a descheduled peer (V1 training step measured 2.2 s active, 0.9 s with spin count 20000,
  // 0.33 s passive on 2 busy cores). Sleep at once unless the user chose a policy.
  if (process.env.OMP_WAIT_POLICY == null && process.env.GOMP_SPINCOUNT == null) {
    process.env.OMP_WAIT_POLICY = 'passive';
    INJECTED_ENV.add('OMP_WAIT_POLICY');
  }
  if (!fs.existsSync(file)) {
    cached = { addon: null, error: `native addon not built (${ADDON} missing; run npm run build:native)` };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    if (typeof addon.convForward !== 'function') throw new Error('addon is an old placeholder build');
    cached = { addon };
  } catch (e) {
    cached = { addon: null, error: `native addon failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
  return cached;
}
