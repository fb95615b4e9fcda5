/**
 * A small ONNX graph builder over the official ONNX protobuf schema (npm `onnx-proto`: onnx.proto compiled
 * by protobufjs): unique names, float32/int64 initializers stored as raw little-endian data, nodes with
 * typed attributes, and serialisation of the ModelProto.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

export const onnx = onnxProto.onnx;
const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

export type AttrValue = number | string | number[] | { floats: number[] } | { float: number };
export type Attrs = Record<string, AttrValue>;

/** A dimension: a number, or a symbolic name (the dynamic batch). */
export type Dim = number | string;

/** Attribute: integers are INT(S), { float } / { floats } are FLOAT(S), strings STRING. */
function attribute(name: string, v: AttrValue): OnnxTypes.IAttributeProto {
  if (typeof v === 'number') return { name, type: AT.INT, i: v };
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  return { name, type: AT.FLOATS, floats: v.floats };
}

function valueInfo(name: string, dims: Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DT.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Highest IR version a given opset needs (the ONNX versioning table). */
export function irVersionFor(opset: number): number {
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  return 8;
}

export interface ModelInfo {
  opset: number;
  inputs: Array<{ name: string; dims: Dim[] }>;
  outputs: Array<{ name: string; dims: Dim[] }>;
  graphName: string;
  producerVersion: string;
  docString?: string;
  metadata: Record<string, string>;
}

export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly inits: OnnxTypes.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** A name not used before, from `base`. */
  fresh(base: string): string {
    const clean = base.replace(/[^\w./:-]/g, '_') || 'v';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** A float32 initializer; returns its name. */
  floats(base: string, dims: number[], values: Float32Array | number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    const name = this.fresh(base);
    this.inits.push({ name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(data.slice().buffer) });
    return name;
  }

  /** An int8, uint8 or int32 initializer (quantized weights, biases and zero points); returns its name. */
  ints(base: string, dims: number[], values: Int8Array | Uint8Array | Int32Array): string {
    const name = this.fresh(base);
    const dataType = values instanceof Int8Array ? DT.INT8 : values instanceof Uint8Array ? DT.UINT8 : DT.INT32;
    this.inits.push({ name, dims, dataType, rawData: new Uint8Array(values.slice().buffer) });
    return name;
  }

  /** An int64 initializer (shapes, pads); returns its name. */
  int64s(base: string, values: number[]): string {
    const name = this.fresh(base);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.inits.push({ name, dims: [values.length], dataType: DT.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** Adds a node; returns its output name (`output`, reserved before, or a fresh one). '' in inputs: omitted optional input. */
  node(opType: string, inputs: string[], base: string, attrs: Attrs = {}, output?: string): string {
    const out = output ?? this.fresh(base);
    const name = this.fresh(`${base}/${opType}`);
    this.nodes.push({
      opType, name, input: inputs, output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** Reserves a name (graph inputs). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX name ${name} used twice`);
    this.used.add(name);
    return name;
  }

  /** Renames the output of the node that produces `from` to the reserved name `to` (the graph output). */
  renameOutput(from: string, to: string): boolean {
    const n = this.nodes.find((x) => x.output?.[0] === from);
    if (!n || this.nodes.some((x) => x.input?.includes(from))) return false;
    n.output = [to];
    return true;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Op types in graph order (for tests and reports). */
  opTypes(): string[] {
    return this.nodes.map((n) => n.opType ?? '');
  }

  /** The serialised ModelProto. */
  encode(info: ModelInfo): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: irVersionFor(info.opset),
      opsetImport: [{ domain: '', version: info.opset }],
      producerName: 'mobilenet',
      producerVersion: info.producerVersion,
      docString: info.docString ?? '',
      graph: {
        name: info.graphName,
        node: this.nodes,
        initializer: this.inits,
        input: info.inputs.map((i) => valueInfo(i.name, i.dims)),
        output: info.outputs.map((o) => valueInfo(o.name, o.dims)),
      },
      metadataProps: Object.entries(info.metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
