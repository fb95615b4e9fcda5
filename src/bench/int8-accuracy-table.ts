/**
 * The int8 rows of bench:accuracy (issue 16), the pure part: its options (--int8, --run, --int8-methods,
 * --calibrate), top-1 agreement of two prediction lists, and the table: per run and calibration method, float
 * test accuracy, int8 test accuracy, the change in points, and the share of test images whose top-1 class the
 * int8 model and the float model agree on. int8-accuracy.ts measures them.
 */
import { positiveInt } from '../args.js';
import { OptionError } from '../errors.js';
import { CalibrationMethod, METHODS } from '../quantize/calibrate.js';
import { DEFAULT_CALIBRATION } from '../quantize/quantize-run.js';

export interface Int8AccuracyRow {
  /** The bench run's name (e.g. v2-mnist, seed in `dir`) or the --run directory. */
  run: string;
  dir: string;
  arch: string;
  dataset: string;
  method: CalibrationMethod;
  /** Calibration images used (from the run's training data, spread evenly, as `mobilenet quantize`). */
  calibration: number;
  /** Test images scored (the full test split unless --limit-test). */
  testImages: number;
  floatAccuracy: number;
  int8Accuracy: number;
  /** Share of the test images whose int8 top-1 class is the float model's. */
  agreement: number;
  /** What ran the int8 model: 'int8' (native int8 plan) or 'int8-reference' (the JS simulation); the float: 'engine' or 'tfjs'. */
  int8Kind: string;
  floatKind: string;
  /** The CLI commands the row equals. */
  command: string;
}

/** The int8 part of bench:accuracy's options. */
export interface Int8Options {
  /** Quantize and score: after each trained run (--int8) or the --run directories. */
  enabled: boolean;
  /** Existing run directories: no training. */
  runs: string[];
  methods: CalibrationMethod[];
  calibrate: number;
}

/** Default --int8-methods: all three (entropy costs a few seconds more calibration than minmax on MNIST). */
export const DEFAULT_INT8_METHODS: readonly CalibrationMethod[] = METHODS;

const list = (v: string | undefined) => v?.split(',').map((s) => s.trim()).filter(Boolean);

/**
 * --int8, --run DIR[,DIR], --int8-methods a,b, --calibrate N from parsed values. --run implies --int8 and trains
 * nothing, so it refuses the options that only shape training (`trainingFlags`: those that were given).
 */
export function parseInt8Options(v: Record<string, string | boolean | undefined>, trainingFlags: readonly string[] = []): Int8Options {
  const runs = list(v.run as string | undefined) ?? [];
  if (v.run !== undefined && runs.length === 0) throw new OptionError('--run needs a run directory (or a comma-separated list)');
  const enabled = v.int8 === true || runs.length > 0;
  if (runs.length && trainingFlags.length) {
    throw new OptionError(`--run scores existing runs without training: ${trainingFlags.map((f) => `--${f}`).join(', ')} cannot be combined with it`);
  }
  const methods = list(v['int8-methods'] as string | undefined);
  for (const flag of ['int8-methods', 'calibrate']) {
    if (!enabled && v[flag] !== undefined) throw new OptionError(`--${flag} needs --int8 or --run`);
  }
  if (methods !== undefined && methods.length === 0) throw new OptionError(`--int8-methods must list methods from ${METHODS.join(', ')}`);
  for (const m of methods ?? []) {
    if (!(METHODS as readonly string[]).includes(m)) throw new OptionError(`--int8-methods must list methods from ${METHODS.join(', ')}, got ${JSON.stringify(m)}`);
  }
  return {
    enabled, runs, methods: [...new Set(methods ?? DEFAULT_INT8_METHODS)] as CalibrationMethod[],
    calibrate: positiveInt('calibrate', v.calibrate as string | undefined) ?? DEFAULT_CALIBRATION,
  };
}

/** Index of the largest of each row of [n, K] logits (the first on ties). */
export function top1(logits: Float32Array, k: number): Int32Array {
  const n = logits.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + b]) b = j;
    out[i] = b;
  }
  return out;
}

/** Share of positions where the two prediction lists agree. */
export function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`agreement: ${a.length} vs ${b.length} predictions`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : NaN;
}

/** The command lines a row equals: quantize then eval (the int8 figure), eval of RUN (the float one). */
export function int8Command(dir: string, method: CalibrationMethod, calibrate: number, limitTest?: number): string {
  const lim = limitTest !== undefined ? ` --limit ${limitTest}` : '';
  return `mobilenet quantize ${dir} --out ${dir}-int8 --method ${method} --calibrate ${calibrate} && mobilenet eval ${dir}-int8${lim}`;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** "−0.01", "+0.12", "0.00" points. */
export function pointsText(d: number): string {
  const v = 100 * d;
  const s = Math.abs(v).toFixed(2);
  return s === '0.00' ? '0.00' : `${v < 0 ? '−' : '+'}${s}`;
}

/** The markdown table, one row per run and method. */
export function int8Table(rows: readonly Int8AccuracyRow[]): string {
  return ['| run | method | calibration images | test images | float test accuracy | int8 test accuracy | int8 − float (points) | top-1 agreement | ran on | command |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.run} | ${r.method} | ${r.calibration} | ${r.testImages} | ${pct(r.floatAccuracy)} | ${pct(r.int8Accuracy)} | ` +
      `${pointsText(r.int8Accuracy - r.floatAccuracy)} | ${pct(r.agreement)} | ${r.int8Kind} / ${r.floatKind} | \`${r.command}\` |`)].join('\n');
}
