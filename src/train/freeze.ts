/**
 * Which layers a transfer run trains, phase by phase (Keras's transfer-learning guide): phase 1 trains the head
 * with the backbone frozen; phase 2 (fine-tuning) unfreezes the backbone from one layer up. BatchNormalization
 * layers of the backbone stay frozen in both phases — inference mode, moving statistics kept — as the guide keeps
 * them (`base_model(x, training=False)`): updating them from a few hundred images undoes what they learned.
 * `--freeze none` trains every layer, BNs in training mode, as a run from scratch does.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import { HEAD_POOL } from '../models/transfer-head.js';

/** 'backbone' | 'none' | a layer name (layers below it stay frozen). */
export type FreezeSpec = string;

/** Index of the first head layer (the pooling after the backbone), or the layer count when there is none. */
export function headStart(model: tfl.LayersModel): number {
  const i = model.layers.findIndex((l) => l.name === HEAD_POOL);
  return i < 0 ? model.layers.length : i;
}

/** Block id of a Keras MobileNet layer name (V1 conv_dw_N / conv_pw_N, V2 block_N / expanded_conv, V3 expanded_conv_N). */
function blockOf(name: string): string | null {
  const m = /^(?:conv_(?:dw|pw|pad)_(\d+)|block_(\d+)|expanded_conv(?:_(\d+))?)(?:_|$)/.exec(name);
  return m ? (m[1] ?? m[2] ?? m[3] ?? '0') : null;
}

/** The first layer of each block of the backbone, in order. */
export function blockStarts(model: tfl.LayersModel): string[] {
  const seen = new Set<string>();
  const starts: string[] = [];
  for (const l of model.layers.slice(0, headStart(model))) {
    const b = blockOf(l.name);
    if (b !== null && !seen.has(b)) { seen.add(b); starts.push(l.name); }
  }
  return starts;
}

/** Phase 2's default: the first layer of the top third of the blocks. */
export function defaultFineTuneFrom(model: tfl.LayersModel): string {
  const starts = blockStarts(model);
  if (!starts.length) throw new OptionError('the backbone has no MobileNet blocks to fine-tune from; name a layer with --freeze');
  return starts[Math.floor((starts.length * 2) / 3)];
}

/** Index of backbone layer `name`, or an OptionError listing what the backbone has. */
export function backboneLayerIndex(model: tfl.LayersModel, name: string): number {
  const end = headStart(model);
  const i = model.layers.findIndex((l) => l.name === name);
  if (i < 0 || i >= end) {
    const ls = model.layers.slice(1, end);
    throw new OptionError(`--freeze ${name} names no layer of the ${model.name} backbone (its layers: ${ls[0]?.name} … ${ls[ls.length - 1]?.name}; blocks start at ${blockStarts(model).slice(0, 4).join(', ')}, …)`);
  }
  return i;
}

/**
 * Sets `trainable` on every layer: layers below `from` frozen, those from it up trainable, backbone BNs frozen
 * (see the file comment); `from` null: everything trainable, BNs included. Returns the trainable parameter count.
 */
export function applyFreeze(model: tfl.LayersModel, from: number | null): number {
  const end = headStart(model);
  model.layers.forEach((l, i) => {
    l.trainable = from === null || (i >= from && (i >= end || l.getClassName() !== 'BatchNormalization'));
  });
  return model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}
