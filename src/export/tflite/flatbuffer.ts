/**
 * A TFLite model description (plain data: tensors, buffers, operators) → the .tflite flatbuffer bytes, written
 * with npm `flatbuffers`' Builder and the field ids of schema.ts. One subgraph, one signature
 * ('serving_default'), buffer 0 the empty sentinel, constant data 16-byte aligned as the schema asks.
 */
import * as flatbuffers from 'flatbuffers';
import { FILE_IDENTIFIER, Field, PLACEHOLDER_FOR_GREATER_OP_CODES, SCHEMA_VERSION, TensorTypeValue } from './schema.js';

/** Per-tensor (one scale) or per-axis (`dim`) affine quantization: real = scale · (q − zeroPoint). */
export interface Quantization { scale: number[]; zeroPoint: number[]; dim?: number }

export interface TfTensor {
  name: string;
  /** Shape with the batch; `signature` the same with −1 for a dynamic batch. */
  shape: number[];
  signature?: number[];
  type: TensorTypeValue;
  /** Index into buffers (0: no data, an activation). */
  buffer: number;
  quant?: Quantization;
}

/** One scalar or vector field of an options table: [field id, kind, value]. */
export type OptionField = [number, 'i8' | 'i32' | 'f32' | 'bool', number | boolean] | [number, 'i32s', number[]];

export interface TfOptions { type: number; fields: OptionField[] }

export interface TfOperator { opcode: number; inputs: number[]; outputs: number[]; options?: TfOptions }

export interface TfOpcode { builtin: number; version: number }

export interface TfModel {
  description: string;
  opcodes: TfOpcode[];
  tensors: TfTensor[];
  operators: TfOperator[];
  /** buffers[0] must be empty (null). */
  buffers: Array<Uint8Array | null>;
  inputs: number[];
  outputs: number[];
  subgraphName: string;
  /** Named metadata entries (each stored as one more buffer). */
  metadata: Array<{ name: string; data: Uint8Array }>;
}

type B = flatbuffers.Builder;

function intVector(b: B, values: number[]): flatbuffers.Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}

function floatVector(b: B, values: number[]): flatbuffers.Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}

function longVector(b: B, values: number[]): flatbuffers.Offset {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]));
  return b.endVector();
}

function offsetVector(b: B, offsets: flatbuffers.Offset[]): flatbuffers.Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

/** A [ubyte] vector whose data starts 16-byte aligned (Buffer.data is `force_align: 16`). */
function alignedBytes(b: B, data: Uint8Array): flatbuffers.Offset {
  b.prep(16, data.length); // pad so that the data written next ends up 16-aligned; createByteVector adds none
  return b.createByteVector(data);
}

function quantization(b: B, q: Quantization): flatbuffers.Offset {
  const F = Field.QuantizationParameters;
  const scale = floatVector(b, q.scale);
  const zp = longVector(b, q.zeroPoint);
  b.startObject(7);
  b.addFieldOffset(F.scale, scale, 0);
  b.addFieldOffset(F.zero_point, zp, 0);
  b.addFieldInt32(F.quantized_dimension, q.dim ?? 0, 0);
  return b.endObject();
}

function tensor(b: B, t: TfTensor): flatbuffers.Offset {
  const F = Field.Tensor;
  const shape = intVector(b, t.shape);
  const signature = t.signature ? intVector(b, t.signature) : 0;
  const name = b.createString(t.name);
  const quant = t.quant ? quantization(b, t.quant) : 0;
  b.startObject(9);
  b.addFieldOffset(F.shape, shape, 0);
  b.addFieldInt8(F.type, t.type, 0);
  b.addFieldInt32(F.buffer, t.buffer, 0);
  b.addFieldOffset(F.name, name, 0);
  if (quant) b.addFieldOffset(F.quantization, quant, 0);
  if (signature) b.addFieldOffset(F.shape_signature, signature, 0);
  b.addFieldInt8(F.has_rank, 1, 0);
  return b.endObject();
}

function options(b: B, o: TfOptions): flatbuffers.Offset {
  const vectors = o.fields.map((f) => (f[1] === 'i32s' ? intVector(b, f[2]) : 0));
  b.forceDefaults(true); // every option we set is written, whatever the schema's default
  b.startObject(1 + Math.max(-1, ...o.fields.map((f) => f[0])));
  o.fields.forEach((f, i) => {
    if (f[1] === 'i32s') b.addFieldOffset(f[0], vectors[i], 0);
    else if (f[1] === 'i8' || f[1] === 'bool') b.addFieldInt8(f[0], Number(f[2]), 0);
    else if (f[1] === 'i32') b.addFieldInt32(f[0], Number(f[2]), 0);
    else b.addFieldFloat32(f[0], Number(f[2]), 0);
  });
  const table = b.endObject();
  b.forceDefaults(false);
  return table;
}

function operator(b: B, op: TfOperator): flatbuffers.Offset {
  const F = Field.Operator;
  const inputs = intVector(b, op.inputs);
  const outputs = intVector(b, op.outputs);
  const opts = op.options ? options(b, op.options) : 0;
  b.startObject(5);
  b.addFieldInt32(F.opcode_index, op.opcode, 0);
  b.addFieldOffset(F.inputs, inputs, 0);
  b.addFieldOffset(F.outputs, outputs, 0);
  if (op.options) {
    b.addFieldInt8(F.builtin_options_type, op.options.type, 0);
    b.addFieldOffset(F.builtin_options, opts, 0);
  }
  return b.endObject();
}

function opcode(b: B, c: TfOpcode): flatbuffers.Offset {
  const F = Field.OperatorCode;
  b.startObject(4);
  b.addFieldInt8(F.deprecated_builtin_code, Math.min(c.builtin, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
  b.addFieldInt32(F.version, c.version, 1);
  b.addFieldInt32(F.builtin_code, c.builtin, 0);
  return b.endObject();
}

function buffer(b: B, data: Uint8Array | null): flatbuffers.Offset {
  const bytes = data && data.length ? alignedBytes(b, data) : 0;
  b.startObject(3);
  if (bytes) b.addFieldOffset(Field.Buffer.data, bytes, 0);
  return b.endObject();
}

function tensorMap(b: B, name: string, index: number): flatbuffers.Offset {
  const n = b.createString(name);
  b.startObject(2);
  b.addFieldOffset(Field.TensorMap.name, n, 0);
  b.addFieldInt32(Field.TensorMap.tensor_index, index, 0);
  return b.endObject();
}

function signatureDef(b: B, m: TfModel): flatbuffers.Offset {
  const F = Field.SignatureDef;
  const ins = offsetVector(b, m.inputs.map((i) => tensorMap(b, m.tensors[i].name, i)));
  const outs = offsetVector(b, m.outputs.map((i) => tensorMap(b, m.tensors[i].name, i)));
  const key = b.createString('serving_default');
  b.startObject(5);
  b.addFieldOffset(F.inputs, ins, 0);
  b.addFieldOffset(F.outputs, outs, 0);
  b.addFieldOffset(F.signature_key, key, 0);
  b.addFieldInt32(F.subgraph_index, 0, 0);
  return b.endObject();
}

function subgraph(b: B, m: TfModel): flatbuffers.Offset {
  const F = Field.SubGraph;
  const tensors = offsetVector(b, m.tensors.map((t) => tensor(b, t)));
  const inputs = intVector(b, m.inputs);
  const outputs = intVector(b, m.outputs);
  const operators = offsetVector(b, m.operators.map((o) => operator(b, o)));
  const name = b.createString(m.subgraphName);
  b.startObject(5);
  b.addFieldOffset(F.tensors, tensors, 0);
  b.addFieldOffset(F.inputs, inputs, 0);
  b.addFieldOffset(F.outputs, outputs, 0);
  b.addFieldOffset(F.operators, operators, 0);
  b.addFieldOffset(F.name, name, 0);
  return b.endObject();
}

/** Serialises the model: the bytes of a .tflite file. */
export function encodeTflite(m: TfModel): Uint8Array {
  if (m.buffers[0] !== null) throw new Error('internal: TFLite buffer 0 must be the empty sentinel');
  const dataBytes = m.buffers.reduce((n, d) => n + (d?.length ?? 0), 0) + m.metadata.reduce((n, e) => n + e.data.length, 0);
  const b = new flatbuffers.Builder(dataBytes + 1024 * 1024);
  const F = Field.Model;
  const allBuffers = [...m.buffers, ...m.metadata.map((e) => e.data)];
  // Buffers first: the builder writes back to front, so the big constant data ends up at the end of the file.
  const buffers = offsetVector(b, allBuffers.map((d) => buffer(b, d)));
  const metadata = offsetVector(b, m.metadata.map((e, i) => {
    const name = b.createString(e.name);
    b.startObject(2);
    b.addFieldOffset(Field.Metadata.name, name, 0);
    b.addFieldInt32(Field.Metadata.buffer, m.buffers.length + i, 0);
    return b.endObject();
  }));
  const sub = offsetVector(b, [subgraph(b, m)]);
  const codes = offsetVector(b, m.opcodes.map((c) => opcode(b, c)));
  const description = b.createString(m.description);
  const signatures = offsetVector(b, [signatureDef(b, m)]);
  b.startObject(8);
  b.addFieldInt32(F.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(F.operator_codes, codes, 0);
  b.addFieldOffset(F.subgraphs, sub, 0);
  b.addFieldOffset(F.description, description, 0);
  b.addFieldOffset(F.buffers, buffers, 0);
  b.addFieldOffset(F.metadata, metadata, 0);
  b.addFieldOffset(F.signature_defs, signatures, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  return b.asUint8Array();
}
