/**
 * Named option sets, and one entry point that builds either architecture.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import { MobileNetV1Options, mobileNetV1 } from './mobilenet-v1.js';
import { MobileNetV2Options, mobileNetV2 } from './mobilenet-v2.js';

export type Arch = 'v1' | 'v2';
export type PresetName = 'imagenet' | 'mnist';
export type BuildOptions = MobileNetV1Options & MobileNetV2Options;

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

export const ARCHS: readonly Arch[] = ['v1', 'v2'];

export function checkArch(arch: string): Arch {
  if (arch !== 'v1' && arch !== 'v2') throw new OptionError(`arch must be 'v1' or 'v2', got ${JSON.stringify(arch)}`);
  return arch;
}

export function presetOptions(name: string): BuildOptions {
  if (!Object.hasOwn(PRESETS, name)) {
    throw new OptionError(`unknown preset ${JSON.stringify(name)} (expected ${Object.keys(PRESETS).join(' or ')})`);
  }
  const p = PRESETS[name as PresetName];
  return { ...p, inputShape: p.inputShape ? [...p.inputShape] as [number, number, number] : undefined };
}

/** Builds `arch` from a preset (optional) overridden by explicit options. */
export function buildModel(arch: string, options: BuildOptions = {}, preset?: string): tfl.LayersModel {
  const a = checkArch(arch);
  const merged: BuildOptions = { ...(preset ? presetOptions(preset) : {}), ...stripUndefined(options) };
  if (a === 'v2' && (merged.depthMultiplier !== undefined || merged.dropout !== undefined || merged.activation !== undefined)) {
    throw new OptionError('depthMultiplier, dropout and activation are MobileNet V1 options; V2 has none of them');
  }
  return a === 'v1' ? mobileNetV1(merged) : mobileNetV2(merged);
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
