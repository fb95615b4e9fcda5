/**
 * MobileNetV3Large, layer for layer as Keras 3 `keras.applications.MobileNetV3Large`
 * (224×224×3, 1000 classes: 5,507,432 params, as Keras).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { MobileNetV3Options, V3Row, buildMobileNetV3 } from './mobilenet-v3.js';

/**
 * The paper's Table 1 (Keras' `stack_fn`): expansion ratio, output channels, kernel, stride, SE, NL.
 * The paper lists expansion as absolute widths (16, 64, 72, 72, 120, 120, 240, 200, 184, 184, 480, 672, 672, 960, 960).
 */
export const V3_LARGE_TABLE: ReadonlyArray<V3Row> = [
  { expansion: 1, filters: 16, kernel: 3, stride: 1, se: false, activation: 'relu' },
  { expansion: 4, filters: 24, kernel: 3, stride: 2, se: false, activation: 'relu' },
  { expansion: 3, filters: 24, kernel: 3, stride: 1, se: false, activation: 'relu' },
  { expansion: 3, filters: 40, kernel: 5, stride: 2, se: true, activation: 'relu' },
  { expansion: 3, filters: 40, kernel: 5, stride: 1, se: true, activation: 'relu' },
  { expansion: 3, filters: 40, kernel: 5, stride: 1, se: true, activation: 'relu' },
  { expansion: 6, filters: 80, kernel: 3, stride: 2, se: false, activation: 'hard_swish' },
  { expansion: 2.5, filters: 80, kernel: 3, stride: 1, se: false, activation: 'hard_swish' },
  { expansion: 2.3, filters: 80, kernel: 3, stride: 1, se: false, activation: 'hard_swish' },
  { expansion: 2.3, filters: 80, kernel: 3, stride: 1, se: false, activation: 'hard_swish' },
  { expansion: 6, filters: 112, kernel: 3, stride: 1, se: true, activation: 'hard_swish' },
  { expansion: 6, filters: 112, kernel: 3, stride: 1, se: true, activation: 'hard_swish' },
  { expansion: 6, filters: 160, kernel: 5, stride: 2, se: true, activation: 'hard_swish' },
  { expansion: 6, filters: 160, kernel: 5, stride: 1, se: true, activation: 'hard_swish' },
  { expansion: 6, filters: 160, kernel: 5, stride: 1, se: true, activation: 'hard_swish' },
];

/**
 * Builds MobileNetV3Large.
 *
 * Options (Keras names in brackets):
 * - inputShape [input_shape]: [H, W, C], default [224, 224, 3]; any H, W ≥ 1 builds (Keras refuses
 *   below 32×32: its stride-2 padding; ours pads 'same', the same output for every size Keras takes).
 * - alpha [alpha]: width multiplier; block channels make_divisible(c·alpha, 8), the stem stays 16, the
 *   last 1×1 conv make_divisible(6·C, 8), `conv_2` 1280 (scaled only for alpha > 1).
 * - minimalistic [minimalistic]: 3×3 kernels, ReLU only, no squeeze-and-excitation.
 * - includeTop [include_top], pooling [pooling], classes [classes], dropoutRate [dropout_rate] (0.2),
 *   classifierActivation [classifier_activation], includePreprocessing [include_preprocessing] (true:
 *   inputs are 0..255 pixels): as Keras.
 * - bnMomentum: BatchNormalization momentum, default 0.999 (Keras); epsilon 1e-3.
 * - name (default 'MobileNetV3Large'), seed.
 */
export function mobileNetV3Large(options: MobileNetV3Options = {}): tfl.LayersModel {
  return buildMobileNetV3({ table: V3_LARGE_TABLE, lastPoint: 1280, name: 'MobileNetV3Large' }, options);
}
