/**
 * The benchmark's cases: what `npm run bench` measures for each architecture, and the filters
 * (`--arch`, `--case`) that pick a subset.
 */
import { OptionError } from '../errors.js';
import { ARCHS, Arch, PresetName } from '../models/presets.js';

/** Case names, in table order: training (mnist, imagenet), throughput inference, batch-1 latency. */
export const CASE_NAMES = ['train-28', 'train-224', 'infer-28', 'infer-224', 'latency-28', 'latency-224'] as const;
export type CaseName = (typeof CASE_NAMES)[number];

export interface SuiteCase {
  arch: Arch;
  /** One of CASE_NAMES. */
  name: CaseName;
  mode: 'train' | 'infer';
  /** 'mnist': 28×28×1, 10 classes; 'imagenet': 224×224×3, 1000 classes. */
  preset: PresetName;
  batch: number;
  /** Batch-1 latency row: timed with LATENCY_STEP_FACTOR × the steps (one image is quick and noisy). */
  latency: boolean;
}

/** Batch-1 rows run this many times the timed and warm-up steps of the other rows. */
export const LATENCY_STEP_FACTOR = 20;

const SHAPES: Record<CaseName, Omit<SuiteCase, 'arch' | 'name'>> = {
  'train-28': { mode: 'train', preset: 'mnist', batch: 128, latency: false },
  // fine-tuning a pretrained network trains at its full input size
  'train-224': { mode: 'train', preset: 'imagenet', batch: 32, latency: false },
  'infer-28': { mode: 'infer', preset: 'mnist', batch: 256, latency: false },
  'infer-224': { mode: 'infer', preset: 'imagenet', batch: 32, latency: false },
  'latency-28': { mode: 'infer', preset: 'mnist', batch: 1, latency: true },
  'latency-224': { mode: 'infer', preset: 'imagenet', batch: 1, latency: true },
};

/** Every case for every architecture: V1's cases, then V2's. */
export const SUITE: readonly SuiteCase[] = ARCHS.flatMap((arch) => CASE_NAMES.map((name) => ({ arch, name, ...SHAPES[name] })));

/** "28×28×1" or "224×224×3": the input of a preset. */
export function inputLabel(preset: PresetName): string {
  return preset === 'mnist' ? '28×28×1' : '224×224×3';
}

/** [size, channels, classes] of a preset's input and output. */
export function presetShape(preset: PresetName): { size: number; channels: number; classes: number } {
  return preset === 'mnist' ? { size: 28, channels: 1, classes: 10 } : { size: 224, channels: 3, classes: 1000 };
}

/** Splits "a,b" into trimmed non-empty names; undefined stays undefined. */
export function splitList(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * The cases to run. `archs` filters by architecture; `cases` by case name, where a bare prefix
 * selects every case of that family (`train` → train-28 and train-224, `infer` → infer-28 and infer-224,
 * `latency` → both batch-1 rows).
 * Throws OptionError naming an unknown entry.
 */
export function selectCases(archs?: readonly string[], cases?: readonly string[]): SuiteCase[] {
  for (const a of archs ?? []) {
    if (!(ARCHS as readonly string[]).includes(a)) throw new OptionError(`--arch must list architectures from ${ARCHS.join(', ')}, got ${JSON.stringify(a)}`);
  }
  const families = [...new Set(CASE_NAMES.map((n) => n.split('-')[0]))];
  for (const c of cases ?? []) {
    if (!(CASE_NAMES as readonly string[]).includes(c) && !families.includes(c)) {
      throw new OptionError(`--case must list cases from ${CASE_NAMES.join(', ')} (or ${families.join(', ')}), got ${JSON.stringify(c)}`);
    }
  }
  return SUITE.filter((s) => (!archs?.length || archs.includes(s.arch)) &&
    (!cases?.length || cases.includes(s.name) || cases.includes(s.name.split('-')[0])));
}
