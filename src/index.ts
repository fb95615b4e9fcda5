/** The public API of the `mobilenet` package. */
export { MobileNetError, OptionError, DataError } from './errors.js';
export { mobileNetV1, V1_BLOCKS } from './models/mobilenet-v1.js';
export type { MobileNetV1Options } from './models/mobilenet-v1.js';
export { mobileNetV2, V2_TABLE } from './models/mobilenet-v2.js';
export type { MobileNetV2Options } from './models/mobilenet-v2.js';
export type { MobileNetOptions, Pooling, ClassifierActivation } from './models/options.js';
export { makeDivisible } from './models/blocks.js';
export { PRESETS, buildModel, presetOptions, checkArch } from './models/presets.js';
export type { Arch, PresetName, BuildOptions } from './models/presets.js';
