/**
 * A small TFLite graph builder: tensors (activations with a dynamic batch, constants with their data in
 * buffers), operators with builtin options, operator codes deduplicated by (op, version), and fusing an
 * activation into the operator that produced a tensor. encode() gives the flatbuffer bytes.
 */
import { Quantization, TfModel, TfOpcode, TfOperator, TfOptions, TfTensor, encodeTflite } from './flatbuffer.js';
import { ActivationValue, Op, OpName, TensorType, TensorTypeValue } from './schema.js';

export class TfliteGraph {
  readonly tensors: TfTensor[] = [];
  readonly buffers: Array<Uint8Array | null> = [null];
  readonly operators: TfOperator[] = [];
  readonly opcodes: TfOpcode[] = [];
  private readonly opNames: OpName[] = [];
  private readonly codeIndex = new Map<string, number>();
  private readonly names = new Set<string>();
  /** op index → field id of its fused_activation_function. */
  private readonly fuseField = new Map<number, number>();
  /** tensor index → the op that writes it. */
  private readonly producer = new Map<number, number>();

  constructor(readonly batch: number) {}

  private fresh(base: string): string {
    let name = base || 't';
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /**
   * An activation tensor of Keras shape `shape` (no batch): [batch, ...shape]. Static, no −1 shape signature:
   * LiteRT's CompiledModel refuses a [1, …] buffer for a [−1, …] input rather than resizing.
   */
  activation(name: string, shape: number[], type: TensorTypeValue = TensorType.FLOAT32, quant?: Quantization): number {
    this.tensors.push({ name: this.fresh(name), shape: [this.batch, ...shape], type, buffer: 0, quant });
    return this.tensors.length - 1;
  }

  /** A constant tensor with its little-endian data. */
  constant(name: string, shape: number[], type: TensorTypeValue, data: ArrayBufferView, quant?: Quantization): number {
    this.buffers.push(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
    this.tensors.push({ name: this.fresh(name), shape, type, buffer: this.buffers.length - 1, quant });
    return this.tensors.length - 1;
  }

  floats(name: string, shape: number[], values: Float32Array | number[]): number {
    return this.constant(name, shape, TensorType.FLOAT32, values instanceof Float32Array ? values : Float32Array.from(values));
  }

  int32s(name: string, shape: number[], values: number[] | Int32Array): number {
    return this.constant(name, shape, TensorType.INT32, values instanceof Int32Array ? values : Int32Array.from(values));
  }

  /**
   * Adds an operator; `fuse` is the field id of its fused_activation_function in `options` (ops that have one).
   * Returns the op index.
   */
  op(name: OpName, inputs: number[], outputs: number[], options?: TfOptions, version = 1, fuse?: number): number {
    const key = `${name}/${version}`;
    let code = this.codeIndex.get(key);
    if (code === undefined) {
      code = this.opcodes.push({ builtin: Op[name], version }) - 1;
      this.codeIndex.set(key, code);
    }
    const index = this.operators.push({ opcode: code, inputs, outputs, options }) - 1;
    this.opNames.push(name);
    if (fuse !== undefined) this.fuseField.set(index, fuse);
    for (const t of outputs) this.producer.set(t, index);
    return index;
  }

  /** Op types in graph order. */
  opTypes(): OpName[] {
    return [...this.opNames];
  }

  /**
   * Fuses `activation` into the operator that wrote tensor `t` when it has a fused-activation field still
   * NONE; true when done (the tensor then holds the activated values).
   */
  fuseActivation(t: number, activation: ActivationValue): boolean {
    const op = this.producer.get(t);
    if (op === undefined) return false;
    const field = this.fuseField.get(op);
    const fields = this.operators[op].options?.fields;
    if (field === undefined || !fields) return false;
    const f = fields.find((x) => x[0] === field);
    if (f && f[2] !== 0) return false;
    if (f) f[2] = activation;
    else fields.push([field, 'i8', activation]);
    return true;
  }

  rename(t: number, name: string): void {
    this.names.delete(this.tensors[t].name);
    this.tensors[t].name = this.fresh(name);
  }

  encode(info: Pick<TfModel, 'description' | 'inputs' | 'outputs' | 'subgraphName' | 'metadata'>): Uint8Array {
    return encodeTflite({ ...info, opcodes: this.opcodes, tensors: this.tensors, operators: this.operators, buffers: this.buffers });
  }
}
