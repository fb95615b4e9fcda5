/** Builtin options tables of the TFLite ops we write (field ids from schema.ts). */
import type { TfOptions } from './flatbuffer.js';
import { Activation, Field, OptionsType, Padding } from './schema.js';

export type PaddingName = keyof typeof Padding;

export function conv2dOptions(padding: PaddingName, [sh, sw]: number[], [dh, dw]: number[]): TfOptions {
  const F = Field.Conv2DOptions;
  return {
    type: OptionsType.Conv2DOptions,
    fields: [
      [F.padding, 'i8', Padding[padding]], [F.stride_w, 'i32', sw], [F.stride_h, 'i32', sh],
      [F.fused_activation_function, 'i8', Activation.NONE], [F.dilation_w_factor, 'i32', dw], [F.dilation_h_factor, 'i32', dh],
    ],
  };
}

export function depthwiseOptions(padding: PaddingName, [sh, sw]: number[], [dh, dw]: number[], multiplier: number): TfOptions {
  const F = Field.DepthwiseConv2DOptions;
  return {
    type: OptionsType.DepthwiseConv2DOptions,
    fields: [
      [F.padding, 'i8', Padding[padding]], [F.stride_w, 'i32', sw], [F.stride_h, 'i32', sh], [F.depth_multiplier, 'i32', multiplier],
      [F.fused_activation_function, 'i8', Activation.NONE], [F.dilation_w_factor, 'i32', dw], [F.dilation_h_factor, 'i32', dh],
    ],
  };
}

export function pool2dOptions(padding: PaddingName, [sh, sw]: number[], [kh, kw]: number[]): TfOptions {
  const F = Field.Pool2DOptions;
  return {
    type: OptionsType.Pool2DOptions,
    fields: [
      [F.padding, 'i8', Padding[padding]], [F.stride_w, 'i32', sw], [F.stride_h, 'i32', sh], [F.filter_width, 'i32', kw],
      [F.filter_height, 'i32', kh], [F.fused_activation_function, 'i8', Activation.NONE],
    ],
  };
}

export const fullyConnectedOptions = (): TfOptions => ({
  type: OptionsType.FullyConnectedOptions,
  fields: [[Field.FullyConnectedOptions.fused_activation_function, 'i8', Activation.NONE]],
});

export const softmaxOptions = (beta = 1): TfOptions => ({ type: OptionsType.SoftmaxOptions, fields: [[Field.SoftmaxOptions.beta, 'f32', beta]] });

export const concatenationOptions = (axis: number): TfOptions => ({
  type: OptionsType.ConcatenationOptions,
  fields: [[Field.ConcatenationOptions.axis, 'i32', axis], [Field.ConcatenationOptions.fused_activation_function, 'i8', Activation.NONE]],
});

/** ADD / MUL / SUB: only a fused activation. */
export function binaryOptions(op: 'ADD' | 'MUL' | 'SUB'): TfOptions {
  const type = op === 'ADD' ? OptionsType.AddOptions : op === 'MUL' ? OptionsType.MulOptions : OptionsType.SubOptions;
  return { type, fields: [[0, 'i8', Activation.NONE]] };
}

export const reshapeOptions = (shape: number[]): TfOptions => ({ type: OptionsType.ReshapeOptions, fields: [[Field.ReshapeOptions.new_shape, 'i32s', shape]] });

export const reducerOptions = (keepDims: boolean): TfOptions => ({ type: OptionsType.ReducerOptions, fields: [[Field.ReducerOptions.keep_dims, 'bool', keepDims]] });

export const emptyOptions = (type: number): TfOptions => ({ type, fields: [] });

/** Field id of fused_activation_function in each options table that has one. */
export const FUSE_FIELD = {
  CONV_2D: Field.Conv2DOptions.fused_activation_function,
  DEPTHWISE_CONV_2D: Field.DepthwiseConv2DOptions.fused_activation_function,
  FULLY_CONNECTED: Field.FullyConnectedOptions.fused_activation_function,
  ADD: Field.AddOptions.fused_activation_function,
  MUL: Field.MulOptions.fused_activation_function,
  SUB: Field.SubOptions.fused_activation_function,
} as const;
