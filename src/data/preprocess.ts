/**
 * Keras's `preprocess_input` modes, expressed on our normalisation scale x = (pixel/255 − mean) / std:
 *   tf     x = pixel/127.5 − 1                     mean 0.5, std 0.5 (MobileNet V1/V2, Keras)
 *   torch  x = (pixel/255 − ImageNet mean) / std    mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225]
 *   caffe  BGR, x = pixel − [103.939, 116.779, 123.68] (B, G, R)   channelOrder 'bgr', std 1/255
 *   unit   x = pixel/255                           mean 0, std 1
 *   raw    x = pixel (0..255; V3 carries its own Rescaling layer)  mean 0, std 1/255
 * With channelOrder 'bgr', mean and std are listed in B, G, R order and the input's channels are swapped
 * first (normaliseWith, iterateBatches' bgr option).
 */
import { OptionError } from '../errors.js';

export const PREPROCESS_MODES = ['tf', 'torch', 'caffe', 'unit', 'raw'] as const;
export type Preprocess = (typeof PREPROCESS_MODES)[number];

/** meta.json's normalization: per-channel mean/std on the 0..1 pixel scale, and BGR input for caffe. */
export interface Normalization {
  mean: number[];
  std: number[];
  /** 'bgr': the model takes B, G, R (Keras caffe mode); absent: the image's own order (R, G, B). */
  channelOrder?: 'rgb' | 'bgr';
}

const rep = (v: number, c: number) => new Array<number>(c).fill(v);

/** The normalisation of Keras mode `mode` for a `channels`-channel input (caffe and torch need 3). */
export function normalizationFor(mode: string, channels: number): Normalization {
  if (!(PREPROCESS_MODES as readonly string[]).includes(mode)) {
    throw new OptionError(`preprocess must be one of ${PREPROCESS_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
  if ((mode === 'torch' || mode === 'caffe') && channels !== 3) {
    throw new OptionError(`preprocess ${mode} needs 3-channel inputs, got ${channels}`);
  }
  switch (mode as Preprocess) {
    case 'tf': return { mean: rep(0.5, channels), std: rep(0.5, channels) };
    case 'torch': return { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    case 'caffe': return { mean: [103.939 / 255, 116.779 / 255, 123.68 / 255], std: rep(1 / 255, 3), channelOrder: 'bgr' };
    case 'unit': return { mean: rep(0, channels), std: rep(1, channels) };
    case 'raw': return { mean: rep(0, channels), std: rep(1 / 255, channels) };
  }
}

/** True for a BGR normalisation (caffe). */
export const isBgr = (n: { channelOrder?: string }): boolean => n.channelOrder === 'bgr';

/** Swaps channels 0 and 2 of every pixel of HWC values (in place); returns them. */
export function swapRB<T extends { length: number; [i: number]: number }>(values: T): T {
  for (let i = 0; i + 2 < values.length; i += 3) {
    const r = values[i];
    values[i] = values[i + 2];
    values[i + 2] = r;
  }
  return values;
}

/** HWC pixels (0..255, R, G, B) → the model's input under `n`: channels swapped for BGR, then (v/255 − mean)/std. */
export function normaliseWith(values: ArrayLike<number>, n: Normalization): Float32Array {
  const src = isBgr(n) ? swapRB(Float32Array.from(values)) : values;
  const c = n.mean.length;
  const out = new Float32Array(src.length); // [H, W, C]
  for (let i = 0; i < src.length; i++) out[i] = (src[i] / 255 - n.mean[i % c]) / n.std[i % c];
  return out;
}
