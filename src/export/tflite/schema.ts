/**
 * The part of TFLite's flatbuffer schema (tensorflow/compiler/mlir/lite/schema/schema.fbs, `namespace tflite`,
 * file identifier "TFL3", schema version 3) this exporter writes: enum values and, per table, the field ids
 * (a field's id is its position in the table, a union taking two: `<name>_type` then `<name>`). Only
 * numbers from the schema live here; flatbuffer.ts writes the tables. The runtime test (a real TFLite
 * runtime loading our files) is what proves these numbers right.
 */

export const FILE_IDENTIFIER = 'TFL3';
export const SCHEMA_VERSION = 3;

/** enum TensorType : byte */
export const TensorType = { FLOAT32: 0, INT32: 2, UINT8: 3, INT64: 4, INT8: 9 } as const;
export type TensorTypeValue = (typeof TensorType)[keyof typeof TensorType];

/** enum BuiltinOperator : int32 (codes below 127 also go into OperatorCode.deprecated_builtin_code). */
export const Op = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6,
  FULLY_CONNECTED: 9, LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU6: 21, RESHAPE: 22,
  SOFTMAX: 25, TANH: 28, PAD: 34, MEAN: 40, SUB: 41, LOG_SOFTMAX: 50, MAXIMUM: 55, MINIMUM: 57,
  REDUCE_MAX: 82, ELU: 111, QUANTIZE: 114, HARD_SWISH: 117, GELU: 150, RELU_0_TO_1: 152,
} as const;
export type OpName = keyof typeof Op;
/** BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES: deprecated_builtin_code of codes ≥ 127. */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/** enum ActivationFunctionType : byte (the fused activation of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, …) */
export const Activation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4 } as const;
export type ActivationValue = (typeof Activation)[keyof typeof Activation];

/** enum Padding : byte */
export const Padding = { SAME: 0, VALID: 1 } as const;

/** Position of each options table in `union BuiltinOptions` (NONE = 0, then the union's members from 1). */
export const OptionsType = {
  Conv2DOptions: 1, DepthwiseConv2DOptions: 2, Pool2DOptions: 5, FullyConnectedOptions: 8, SoftmaxOptions: 9,
  ConcatenationOptions: 10, AddOptions: 11, ReshapeOptions: 17, MulOptions: 21, PadOptions: 22,
  ReducerOptions: 27, SubOptions: 28, DequantizeOptions: 38, MaximumMinimumOptions: 39, QuantizeOptions: 89,
  HardSwishOptions: 91, GeluOptions: 116,
} as const;

/** Field ids of the tables we write. */
export const Field = {
  Model: { version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, metadata_buffer: 5, metadata: 6, signature_defs: 7 },
  OperatorCode: { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  Tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, is_variable: 5, sparsity: 6, shape_signature: 7, has_rank: 8 },
  QuantizationParameters: { min: 0, max: 1, scale: 2, zero_point: 3, details_type: 4, details: 5, quantized_dimension: 6 },
  Operator: { opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4 },
  Buffer: { data: 0 },
  Metadata: { name: 0, buffer: 1 },
  TensorMap: { name: 0, tensor_index: 1 },
  SignatureDef: { inputs: 0, outputs: 1, signature_key: 2, subgraph_index: 4 },
  Conv2DOptions: { padding: 0, stride_w: 1, stride_h: 2, fused_activation_function: 3, dilation_w_factor: 4, dilation_h_factor: 5 },
  DepthwiseConv2DOptions: {
    padding: 0, stride_w: 1, stride_h: 2, depth_multiplier: 3, fused_activation_function: 4, dilation_w_factor: 5, dilation_h_factor: 6,
  },
  Pool2DOptions: { padding: 0, stride_w: 1, stride_h: 2, filter_width: 3, filter_height: 4, fused_activation_function: 5 },
  FullyConnectedOptions: { fused_activation_function: 0, weights_format: 1, keep_num_dims: 2 },
  SoftmaxOptions: { beta: 0 },
  ConcatenationOptions: { axis: 0, fused_activation_function: 1 },
  AddOptions: { fused_activation_function: 0 },
  MulOptions: { fused_activation_function: 0 },
  SubOptions: { fused_activation_function: 0 },
  ReshapeOptions: { new_shape: 0 },
  ReducerOptions: { keep_dims: 0 },
  GeluOptions: { approximate: 0 },
} as const;
