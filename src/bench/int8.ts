/**
 * `mobilenet bench --run RUN`, which times a run's own model (its int8 model when it is quantized), and the
 * timing helpers the int8 rows of `npm run bench` share (int8-rows.ts).
 */
import { getThreads } from '../backend/index.js';
import { loadRun } from '../run/run-dir.js';
import { runRunner } from '../run/run-runner.js';

export interface TimeOptions { steps?: number; warmup?: number }

/** ms per call of `f` (mean over `steps` after `warmup` untimed calls). */
export function timeCalls(f: () => void, o: TimeOptions = {}): number {
  for (let i = 0; i < (o.warmup ?? 3); i++) f();
  const steps = o.steps ?? 10;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) f();
  return (performance.now() - t0) / steps;
}

/** Seeded uniform [-1, 1) inputs. */
export function randomInput(n: number): Float32Array {
  let s = 12345;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31) - 1);
}

export interface RunBench {
  dir: string;
  /** What ran: 'int8' (native int8 plan), 'int8-reference', 'engine' (float plan) or 'tfjs'. */
  kind: string;
  batch: number;
  threads: number;
  imagesPerSecond: number;
  msPerBatch: number;
  notice?: string;
}

/** `mobilenet bench --run DIR`: the run's own model (int8 when quantized) on random inputs of `batch`. */
export async function benchRun(dir: string, o: TimeOptions & { batch?: number } = {}): Promise<RunBench> {
  const batch = o.batch ?? 32;
  const run = await loadRun(dir);
  const runner = runRunner(run, { logits: true });
  const x = randomInput(batch * run.meta.inputShape.reduce((a, d) => a * d, 1));
  const steps = runner.kind === 'int8-reference' || runner.kind === 'tfjs' ? { steps: 1, warmup: 1 } : o;
  const ms = timeCalls(() => runner.run(x, batch), steps);
  return { dir, kind: runner.kind, batch, threads: getThreads(), imagesPerSecond: (1000 * batch) / ms, msPerBatch: ms, notice: runner.notice };
}
