/**
 * MobileNetV3Small, layer for layer as Keras 3 `keras.applications.MobileNetV3Small`
 * (224×224×3, 1000 classes: 2,554,968 params, as Keras).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { MobileNetV3Options, V3Row, buildMobileNetV3 } from './mobilenet-v3.js';

/**
 * The paper's Table 2 (Keras' `stack_fn`): expansion ratio, output channels, kernel, stride, SE, NL.
 * The paper lists expansion as absolute widths (16, 72, 88, 96, 240, 240, 120, 144, 288, 576, 576).
 */
export const V3_SMALL_TABLE: ReadonlyArray<V3Row> = [
  { expansion: 1, filters: 16, kernel: 3, stride: 2, se: true, activation: 'relu' },
  { expansion: 72 / 16, filters: 24, kernel: 3, stride: 2, se: false, activation: 'relu' },
  { expansion: 88 / 24, filters: 24, kernel: 3, stride: 1, se: false, activation: 'relu' },
  { expansion: 4, filters: 40, kernel: 5, stride: 2, se: true, activation: 'hard_swish' },
  { expansion: 6, filters: 40, kernel: 5, stride: 1, se: true, activation: 'hard_swish' },
  { expansion: 6, filters: 40, kernel: 5, stride: 1, se: true, activation: 'hard_swish' },
  { expansion: 3, filters: 48, kernel: 5, stride: 1, se: true, activation: 'hard_swish' },
  { expansion: 3, filters: 48, kernel: 5, stride: 1, se: true, activation: 'hard_swish' },
  { expansion: 6, filters: 96, kernel: 5, stride: 2, se: true, activation: 'hard_swish' },
  { expansion: 6, filters: 96, kernel: 5, stride: 1, se: true, activation: 'hard_swish' },
  { expansion: 6, filters: 96, kernel: 5, stride: 1, se: true, activation: 'hard_swish' },
];

/**
 * Builds MobileNetV3Small. Options as `mobileNetV3Large` (see there); `conv_2` has 1024 channels and
 * the default name is 'MobileNetV3Small'.
 */
export function mobileNetV3Small(options: MobileNetV3Options = {}): tfl.LayersModel {
  return buildMobileNetV3({ table: V3_SMALL_TABLE, lastPoint: 1024, name: 'MobileNetV3Small' }, options);
}
