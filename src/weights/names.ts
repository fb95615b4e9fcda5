/**
 * Keras layer names across Keras versions, and what a set of layer names says about the network.
 *
 * Our builders use Keras 3's names. Keras 2 (tf.keras) MobileNetV3 named its layers with slashes
 * ('Conv/BatchNorm', 'expanded_conv_3/squeeze_excite/Conv_1', 'Logits'), and Keras's released V3 ImageNet
 * files carry those names (Keras 3 loads them by layer order). keras2V3Name gives the old name of a new one.
 */
import type { Arch } from '../models/presets.js';
import { makeDivisible } from '../models/blocks.js';
import { DataError } from '../errors.js';
import type { LayerWeights } from './types.js';

const V3_TOP: Record<string, string> = {
  conv: 'Conv', conv_bn: 'Conv/BatchNorm', conv_1: 'Conv_1', conv_1_bn: 'Conv_1/BatchNorm', conv_2: 'Conv_2', logits: 'Logits',
};
const V3_PART: Record<string, string> = {
  expand: 'expand', expand_bn: 'expand/BatchNorm', depthwise: 'depthwise', depthwise_bn: 'depthwise/BatchNorm',
  project: 'project', project_bn: 'project/BatchNorm', squeeze_excite_conv: 'squeeze_excite/Conv',
  squeeze_excite_conv_1: 'squeeze_excite/Conv_1',
};

/** The Keras 2 (tf.keras) name of a Keras 3 MobileNetV3 layer with weights, or null when it has no other name. */
export function keras2V3Name(name: string): string | null {
  if (V3_TOP[name]) return V3_TOP[name];
  const m = /^expanded_conv_(?:(\d+)_)?(.+)$/.exec(name);
  if (!m || !V3_PART[m[2]]) return null;
  return `expanded_conv${m[1] ? `_${m[1]}` : ''}/${V3_PART[m[2]]}`;
}

/** The layer of `layers` for target layer `name`: its own name, else (V3) its Keras 2 name. */
export function lookupLayer<T>(layers: Map<string, T>, name: string): { key: string; value: T } | null {
  if (layers.has(name)) return { key: name, value: layers.get(name)! };
  const old = keras2V3Name(name);
  return old && layers.has(old) ? { key: old, value: layers.get(old)! } : null;
}

/** What layer names and shapes say about a MobileNet: family, width multiplier, head. */
export interface Inferred {
  arch?: Arch;
  alpha?: number;
  includeTop?: boolean;
  minimalistic?: boolean;
}

const ALPHAS = [0.25, 0.35, 0.5, 0.75, 1, 1.3, 1.4];
const nearest = (x: number) => ALPHAS.reduce((a, b) => (Math.abs(b - x) < Math.abs(a - x) ? b : a));
const outChannels = (w: LayerWeights[] | undefined): number | undefined => w?.[0]?.shape.at(-1);

/** The alpha whose channel count `f(alpha)` gives `c`, or undefined. */
function alphaFor(c: number | undefined, f: (a: number) => number): number | undefined {
  if (c === undefined) return undefined;
  const exact = ALPHAS.filter((a) => f(a) === c);
  return exact.length ? (exact.includes(1) ? 1 : exact[0]) : nearest(c / f(1));
}

/** Family, alpha and head of a source from its layer names (Keras 2 or 3 names). */
export function inferNetwork(layers: Map<string, LayerWeights[]>): Inferred {
  const get = (n: string) => lookupLayer(layers, n)?.value;
  if (layers.has('conv_dw_1')) {
    return {
      arch: 'v1', includeTop: layers.has('conv_preds'),
      alpha: alphaFor(outChannels(layers.get('conv_pw_13')), (a) => Math.floor(1024 * a)),
    };
  }
  if (layers.has('block_1_expand')) {
    return {
      arch: 'v2', includeTop: layers.has('predictions'),
      alpha: alphaFor(outChannels(layers.get('block_16_project')), (a) => makeDivisible(Math.floor(320 * a), 8)),
    };
  }
  if (get('expanded_conv_1_expand')) {
    const large = get('expanded_conv_14_project') !== undefined;
    const last = outChannels(get(large ? 'expanded_conv_14_project' : 'expanded_conv_10_project'));
    const minimalistic = get('expanded_conv_3_squeeze_excite_conv') === undefined;
    return {
      arch: large ? 'v3-large' : 'v3-small', includeTop: get('logits') !== undefined, minimalistic,
      alpha: alphaFor(last, (a) => makeDivisible((large ? 160 : 96) * a, 8)),
    };
  }
  return {};
}

/** Throws DataError when what `src` holds (by its layer names and shapes) is not the network asked for. */
export function checkNetwork(
  found: Inferred, want: { arch?: Arch; alpha?: number; includeTop?: boolean }, what: string,
): void {
  const fmt = (n: Inferred) => `MobileNet ${n.arch}${n.alpha !== undefined ? ` alpha ${n.alpha}` : ''}`;
  if (!found.arch) throw new DataError(`${what} holds no MobileNet layers this program knows (no conv_dw_1, block_1_expand or expanded_conv_1_expand)`);
  if (want.arch && found.arch !== want.arch) throw new DataError(`${what} holds ${fmt(found)} weights, not MobileNet ${want.arch}`);
  if (want.alpha !== undefined && found.alpha !== undefined && found.alpha !== want.alpha) {
    throw new DataError(`${what} holds ${fmt(found)} weights, not alpha ${want.alpha}`);
  }
  if (want.includeTop && found.includeTop === false) throw new DataError(`${what} holds no classifier (a no-top file), but a model with its top was asked for`);
}
