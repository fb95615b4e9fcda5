/**
 * The accuracy benchmark's statistics and table (bench:accuracy, src/bench/scripts/accuracy.ts): per run the seeds'
 * final test accuracies as mean ± sample standard deviation, their minimum, and the spread (min–max) of the last
 * three epochs' test accuracy over all seeds, so neither one lucky seed nor one lucky epoch carries a claim.
 */
import type { TrainConfig, TrainResult } from '../train/train.js';

/** One benchmark run: the accuracy threshold whose first crossing is timed, its seeds, and the train() config. */
export interface BenchRun { target: number; seeds: number[]; cfg: Omit<TrainConfig, 'out' | 'seed'> }

/** What the table needs of one seed's train() result. */
export type SeedResult = Pick<TrainResult, 'test' | 'history' | 'counts' | 'reached' | 'backend'>;

/** How many final epochs the spread covers. */
export const LAST_EPOCHS = 3;

export interface Row {
  run: string; arch: string; dataset: string; epochs: number; seeds: number[];
  /** Final test accuracy per seed. */
  accuracies: number[];
  meanAccuracy: number;
  /** Sample standard deviation (n − 1) of the seeds' final test accuracies; null with one seed. */
  sdAccuracy: number | null;
  minAccuracy: number; maxAccuracy: number; target: number;
  /** Test accuracy of the last LAST_EPOCHS epochs per seed (fewer when the run was shorter or not measured). */
  lastEpochs: number[][];
  /** Min and max of lastEpochs over all seeds (null when no epoch was measured). */
  lastSpread: { min: number; max: number } | null;
  /** Minutes until test accuracy first reached the target, per seed (null: never). */
  minutesToTarget: Array<number | null>;
  wallMinutes: number[]; imgPerSec: number; backend: string; threads: number; command: string;
}

/** Mean and sample standard deviation (n − 1; null below two values). */
export function meanSd(xs: number[]): { mean: number; sd: number | null } {
  const n = xs.length;
  const mean = xs.reduce((s, v) => s + v, 0) / Math.max(1, n);
  if (n < 2) return { mean: n ? mean : NaN, sd: null };
  return { mean, sd: Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) };
}

/** Test accuracies of the last `k` epochs that measured one (history order). */
export function lastTestAccuracies(history: SeedResult['history'], k = LAST_EPOCHS): number[] {
  return history.map((h) => h.testAcc).filter((a): a is number => typeof a === 'number' && Number.isFinite(a)).slice(-k);
}

/** Recipe levers a benchmark run can change from the defaults (bench:accuracy --stem-stride, --weight-decay, --lr, --no-augment). */
export interface RecipeOverrides { stemStride?: 1 | 2; weightDecay?: number; lr?: number; augment?: false }

/** The run's train() config with the overrides applied (none given: the config itself). */
export function withOverrides(cfg: BenchRun['cfg'], o: RecipeOverrides): BenchRun['cfg'] {
  return {
    ...cfg,
    ...(o.stemStride !== undefined ? { model: { ...cfg.model, stemStride: o.stemStride } } : {}),
    ...(o.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {}),
    ...(o.lr !== undefined ? { lr: o.lr } : {}),
    ...(o.augment === false ? { augment: false } : {}),
  };
}

/** The CLI command one seed of a run equals (with the overrides withOverrides put into the config). */
export function commandOf(cfg: BenchRun['cfg'], seed: number, epochs?: number): string {
  const e = epochs ?? cfg.epochs;
  const flags = [
    cfg.model?.stemStride !== undefined ? ` --stem-stride ${cfg.model.stemStride}` : '',
    cfg.lr !== undefined ? ` --lr ${cfg.lr}` : '',
    cfg.weightDecay !== undefined ? ` --weight-decay ${cfg.weightDecay}` : '',
    cfg.augment === false ? ' --no-augment' : '',
  ].join('');
  return `npx mobilenet train --arch ${cfg.arch} --dataset ${String(cfg.dataset)}${e !== undefined ? ` --epochs ${e}` : ''}` +
    `${flags}${seed !== 1 ? ` --seed ${seed}` : ''} --eval-test`;
}

/** One table row from the seeds' results. */
export function rowOf(
  name: string, run: BenchRun, rs: Array<{ r: SeedResult; wallMinutes: number; seed: number }>, threads: number, epochs?: number,
): Row {
  const acc = rs.map((x) => x.r.test?.accuracy ?? NaN);
  const seconds = rs.reduce((s, x) => s + x.r.history.reduce((a, h) => a + h.seconds, 0), 0);
  const images = rs.reduce((s, x) => s + x.r.counts.train * x.r.history.length, 0);
  const last = rs.map((x) => lastTestAccuracies(x.r.history));
  const pooled = last.flat();
  const { mean, sd } = meanSd(acc);
  return {
    run: name, arch: run.cfg.arch, dataset: String(run.cfg.dataset), epochs: rs[0]?.r.history.length ?? 0, seeds: rs.map((x) => x.seed),
    accuracies: acc, meanAccuracy: mean, sdAccuracy: sd, minAccuracy: Math.min(...acc), maxAccuracy: Math.max(...acc), target: run.target,
    lastEpochs: last, lastSpread: pooled.length ? { min: Math.min(...pooled), max: Math.max(...pooled) } : null,
    minutesToTarget: rs.map((x) => (x.r.reached ? x.r.reached.elapsed / 60 : null)), wallMinutes: rs.map((x) => x.wallMinutes),
    imgPerSec: images / Math.max(seconds, 1e-9), backend: rs[0]?.r.backend ?? '?', threads,
    command: commandOf(run.cfg, rs[0]?.seed ?? 1, epochs) + (rs.length > 1 ? ` (seeds ${rs.map((x) => x.seed).join(', ')})` : ''),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** "99.52 ± 0.04% (3 seeds)", or "99.52% (1 seed)": the standard deviation needs two seeds. */
export function meanSdText(r: Pick<Row, 'meanAccuracy' | 'sdAccuracy' | 'accuracies'>): string {
  const n = r.accuracies.length;
  return r.sdAccuracy === null
    ? `${pct(r.meanAccuracy)} (${n} seed${n === 1 ? '' : 's'})`
    : `${(100 * r.meanAccuracy).toFixed(2)} ± ${(100 * r.sdAccuracy).toFixed(2)}% (${n} seeds)`;
}

/** "99.44–99.56%": the last epochs' spread, or "–" when none was measured. */
export function spreadText(s: Row['lastSpread']): string {
  return s ? `${(100 * s.min).toFixed(2)}–${pct(s.max)}` : '–';
}

/** The markdown table, one row per run. */
export function table(rows: Row[]): string {
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
  const reached = (m: Array<number | null>) => {
    const got = m.filter((x): x is number => x !== null);
    if (!got.length) return 'never';
    return `${mean(got).toFixed(1)}${got.length < m.length ? ` (${got.length}/${m.length} seeds)` : ''}`;
  };
  return [`| run | seeds | test accuracy mean ± sd | min seed | last ${LAST_EPOCHS} epochs min–max | target | epochs | wall min | min to target | train img/s | backend | threads | command |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|',
    ...rows.map((r) => `| ${r.run} | ${r.seeds.join(', ')} | ${meanSdText(r)} | ${pct(r.minAccuracy)} | ${spreadText(r.lastSpread)} | ` +
      `${(100 * r.target).toFixed(1)}% | ${r.epochs} | ${mean(r.wallMinutes).toFixed(1)} | ${reached(r.minutesToTarget)} | ` +
      `${r.imgPerSec.toFixed(0)} | ${r.backend} | ${r.threads} | \`${r.command}\` |`)].join('\n');
}
