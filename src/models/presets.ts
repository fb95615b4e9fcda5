/**
 * Named option sets, and one entry point that builds either architecture.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import { MobileNetV1Options, mobileNetV1 } from './mobilenet-v1.js';
import { MobileNetV2Options, mobileNetV2 } from './mobilenet-v2.js';
import type { MobileNetV3Options } from './mobilenet-v3.js';
import { mobileNetV3Large } from './mobilenet-v3-large.js';
import { mobileNetV3Small } from './mobilenet-v3-small.js';
import { TransferHead, withTransferHead } from './transfer-head.js';

export type Arch = 'v1' | 'v2' | 'v3-small' | 'v3-large';
export type PresetName = 'imagenet' | 'mnist';
export type BuildOptions = MobileNetV1Options & MobileNetV2Options & MobileNetV3Options & {
  /** A transfer run's head (transfer-head.ts) on the backbone: includeTop false, pooling 'avg' are implied. */
  transferHead?: TransferHead;
};

/**
 * - imagenet: 224×224×3 input, 1000 classes, Keras' BN momentum (V1 0.99, V2 0.999).
 * - mnist: 28×28×1 input, 10 classes (the original reference's task; 28×28 reaches 1×1 before
 *   pooling), BN momentum 0.9 (PyTorch's 0.1 in its convention): with 0.999 the moving statistics
 *   would still hold ~63% of their initial values after one MNIST epoch (469 steps of 128), so
 *   evaluation after short training would be far worse than training.
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<BuildOptions>>> = {
  imagenet: { inputShape: [224, 224, 3], classes: 1000 },
  mnist: { inputShape: [28, 28, 1], classes: 10, bnMomentum: 0.9 },
};

/**
 * V3 additions to a preset: the mnist preset feeds batches already normalised by the data pipeline
 * (meta.normalization), so it leaves out Keras' Rescaling(1/127.5, −1) input layer; imagenet keeps it
 * (inputs are 0..255 pixels, as Keras).
 */
const V3_PRESETS: Readonly<Record<PresetName, Readonly<BuildOptions>>> = {
  imagenet: {},
  mnist: { includePreprocessing: false },
};

export const ARCHS: readonly Arch[] = ['v1', 'v2', 'v3-small', 'v3-large'];

export function checkArch(arch: string): Arch {
  if (!(ARCHS as readonly string[]).includes(arch)) {
    throw new OptionError(`arch must be one of ${ARCHS.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(arch)}`);
  }
  return arch as Arch;
}

/** Whether `arch` is a MobileNet V3 ('v3-small' or 'v3-large'). */
export function isV3(arch: string): boolean {
  return arch === 'v3-small' || arch === 'v3-large';
}

/** The preset's options; with a V3 `arch`, its V3 additions too. */
export function presetOptions(name: string, arch?: string): BuildOptions {
  if (!Object.hasOwn(PRESETS, name)) {
    throw new OptionError(`unknown preset ${JSON.stringify(name)} (expected ${Object.keys(PRESETS).join(' or ')})`);
  }
  const p = { ...PRESETS[name as PresetName], ...(arch && isV3(arch) ? V3_PRESETS[name as PresetName] : {}) };
  return { ...p, inputShape: p.inputShape ? [...p.inputShape] as [number, number, number] : undefined };
}

const V1_ONLY = ['depthMultiplier', 'dropout', 'activation'] as const;
const V3_ONLY = ['minimalistic', 'dropoutRate', 'includePreprocessing'] as const;

/** Throws when `o` sets an option that `arch` does not have. */
function checkOptionsFor(arch: Arch, o: BuildOptions): void {
  const set = (keys: readonly (keyof BuildOptions)[]) => keys.filter((k) => o[k] !== undefined);
  const v1 = arch === 'v1' ? [] : set(V1_ONLY);
  if (v1.length) throw new OptionError(`MobileNet V1 options (${v1.join(', ')}) do not apply to ${arch}`);
  const v3 = isV3(arch) ? [] : set(V3_ONLY);
  if (v3.length) throw new OptionError(`MobileNet V3 options (${v3.join(', ')}) do not apply to ${arch}`);
}

/** Builds `arch` from a preset (optional) overridden by explicit options. */
export function buildModel(arch: string, options: BuildOptions = {}, preset?: string): tfl.LayersModel {
  const a = checkArch(arch);
  const merged: BuildOptions = { ...(preset ? presetOptions(preset, a) : {}), ...stripUndefined(options) };
  checkOptionsFor(a, merged);
  if (merged.transferHead) {
    const { transferHead, ...rest } = merged;
    const backbone = buildModel(a, { ...rest, includeTop: false, pooling: 'avg' });
    return withTransferHead(backbone, transferHead, rest.classes ?? 1000, rest.classifierActivation === undefined ? 'softmax' : rest.classifierActivation, rest.seed);
  }
  switch (a) {
    case 'v1': return mobileNetV1(merged);
    case 'v2': return mobileNetV2(merged);
    case 'v3-small': return mobileNetV3Small(merged);
    case 'v3-large': return mobileNetV3Large(merged);
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
