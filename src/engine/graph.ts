/**
 * Compiles a LayersModel into the engine's graph: ops over NHWC tensors (per-image shapes) and a parameter table
 * pointing at the model's variables. The engine knows a closed set of layers — those our builders emit —; any
 * other layer or configuration makes `compileGraph` return the reason instead, and the caller stays on TF.js.
 *
 * Fusions done here (the native side executes what it is given):
 * - MobileNetV3's hard-sigmoid, built from stock layers as Rescaling(1/6, 1/2) → ReLU(max 1), → one activation;
 *   its hard-swish, Multiply([x, hard_sigmoid(x)]), → one activation;
 * - a convolution or dense layer followed by the activation that alone reads it → one op with `act`;
 * - BatchNormalization followed by the ReLU/ReLU6/Activation that alone reads it → one BN op with `act`;
 * - a BN (with or without that activation) whose output alone feeds an Add → the Add becomes the BN's residual.
 * Frozen layers (trainable false) get no weight gradient and no update; a frozen BN runs in inference mode (moving
 * statistics, not updated: Keras's semantics); the plan computes no input gradient below the lowest trainable layer.
 * The native inference builder further folds each BN into the convolution before it.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

/** Op codes shared with native/src/plan/plan.h (OpType). */
export const OP = {
  conv: 0, depthwise: 1, batchNorm: 2, act: 3, add: 4, mul: 5, gap: 6, dense: 7, dropout: 8, reshape: 9,
  rescale: 10, softmax: 11,
} as const;
/** Activation codes shared with native/src/plan/plan.h (Act). */
export const ACT = { none: 0, relu: 1, relu6: 2, hardSwish: 3, hardSigmoid: 4 } as const;
/** ReLU(max 1): only as part of a hard-sigmoid; the compiler refuses it anywhere else. */
const RELU1 = -1;
/** Keras V3's hard-sigmoid as stock layers: Rescaling(scale, offset) → ReLU(max 1). */
const HARD_SIGMOID = { scale: 1 / 6, offset: 0.5 };

export interface OpDesc {
  type: number;
  in: number[];
  out: number;
  params: number[];
  name: string;
  k?: number; stride?: number; pt?: number; pl?: number; pb?: number; pr?: number; mult?: number;
  bias?: number; act?: number; frozen?: number; eps?: number; momentum?: number; rate?: number; scale?: number; offset?: number;
}

/** What planCreate takes (see native/src/plan/binding.cc). */
export interface GraphDesc {
  /** (h, w, c) per tensor; tensor 0 is the input. */
  tensors: number[];
  paramSizes: number[];
  trainable: number[];
  decay: number[];
  ops: OpDesc[];
  output: number;
}

/** One engine parameter and the model variable behind it. */
export interface ParamRef {
  variable: tfl.LayerVariable;
  shape: number[];
  size: number;
  trainable: boolean;
}

export interface CompiledGraph {
  desc: GraphDesc;
  params: ParamRef[];
  /** Whether the graph ends in a softmax (probabilities) rather than logits. */
  softmaxOutput: boolean;
  inputShape: [number, number, number];
  outputSize: number;
}

type Cfg = Record<string, unknown>;

class Unsupported extends Error {}

function fail(msg: string): never {
  throw new Unsupported(msg);
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number]);

/** TF/Keras 'same' or 'valid' padding along one axis: output size and padding before/after. */
export function padding(inSize: number, k: number, s: number, mode: string): { out: number; before: number; after: number } {
  if (mode === 'valid') return { out: Math.floor((inSize - k) / s) + 1, before: 0, after: 0 };
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + k - inSize, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

function activationCode(name: unknown, layer: string): number | 'softmax' {
  switch (name ?? 'linear') {
    case 'linear': return ACT.none;
    case 'relu': return ACT.relu;
    case 'relu6': return ACT.relu6;
    case 'softmax': return 'softmax';
    default: return fail(`layer ${layer}: activation ${String(name)}`);
  }
}

interface Builder {
  shapes: number[][];
  ops: OpDesc[];
  params: ParamRef[];
  /** Layer name → its output tensor id. */
  tensorOf: Map<string, number>;
}

function newTensor(b: Builder, shape: number[]): number {
  const [h, w, c] = shape.length === 3 ? shape : shape.length === 1 ? [1, 1, shape[0]] : fail(`tensor of rank ${shape.length + 1}`);
  b.shapes.push([h, w, c]);
  return b.shapes.length - 1;
}

function addParams(b: Builder, layer: tfl.layers.Layer): number[] {
  return layer.weights.map((w) => {
    const shape = w.shape as number[];
    // a frozen layer's variables can still say trainable (a model loaded with trainable false in its config)
    b.params.push({ variable: w, shape, size: shape.reduce((a, d) => a * d, 1), trainable: w.trainable && layer.trainable });
    return b.params.length - 1;
  });
}

/** The output shape of a layer without the batch axis. */
function outShape(layer: tfl.layers.Layer): number[] {
  const s = layer.outputShape;
  if (!Array.isArray(s) || Array.isArray(s[0])) fail(`layer ${layer.name}: several outputs`);
  return (s as number[]).slice(1);
}

/** Translates one layer into ops. */
function addLayer(b: Builder, layer: tfl.layers.Layer, inputs: number[]): void {
  const cls = layer.getClassName();
  const cfg = layer.getConfig() as Cfg;
  const name = layer.name;
  const shape = outShape(layer);
  const x = inputs[0];
  const [ih, iw, ic] = b.shapes[x];
  const op = (type: number, extra: Partial<OpDesc> = {}, ins = inputs, params: number[] = []): number => {
    const out = newTensor(b, shape);
    b.ops.push({ type, in: ins, out, params, name, ...extra });
    b.tensorOf.set(name, out);
    return out;
  };
  switch (cls) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const [kh, kw] = pair(cfg.kernelSize);
      const [sh, sw] = pair(cfg.strides);
      const [dh, dw] = pair(cfg.dilationRate ?? 1);
      if (kh !== kw || sh !== sw || dh !== 1 || dw !== 1) fail(`layer ${name}: non-square kernel, stride or dilation`);
      if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast') fail(`layer ${name}: channelsFirst`);
      if (cls === 'Conv2D' && (cfg.groups ?? 1) !== 1) fail(`layer ${name}: grouped convolution`);
      const ph = padding(ih, kh, sh, cfg.padding as string);
      const pw = padding(iw, kw, sw, cfg.padding as string);
      if (ph.out !== shape[0] || pw.out !== shape[1]) fail(`layer ${name}: unexpected output size`);
      const act = activationCode(cfg.activation, name);
      if (act === 'softmax') fail(`layer ${name}: softmax on a convolution`);
      const dwc = cls === 'DepthwiseConv2D';
      op(dwc ? OP.depthwise : OP.conv, {
        k: kh, stride: sh, pt: ph.before, pb: ph.after, pl: pw.before, pr: pw.after,
        mult: dwc ? (cfg.depthMultiplier as number) ?? 1 : 1, bias: cfg.useBias ? 1 : 0, act,
      }, inputs, addParams(b, layer));
      return;
    }
    case 'BatchNormalization': {
      const axis = cfg.axis as number;
      if (!(axis === -1 || axis === 3) || !cfg.center || !cfg.scale) fail(`layer ${name}: BN configuration`);
      // a frozen BN (trainable false) runs in inference mode, as Keras runs it: moving statistics, not updated
      const frozen = !layer.trainable;
      const params = addParams(b, layer);
      if (!frozen && !params.slice(0, 2).every((p) => b.params[p].trainable)) fail(`layer ${name}: trainable BN with frozen gamma or beta`);
      op(OP.batchNorm, { eps: cfg.epsilon as number, momentum: cfg.momentum as number, act: ACT.none, frozen: frozen ? 1 : 0 }, inputs, params);
      return;
    }
    case 'ReLU': {
      const max = cfg.maxValue as number | null | undefined;
      if ((cfg.negativeSlope ?? 0) !== 0 || (cfg.threshold ?? 0) !== 0) fail(`layer ${name}: leaky or thresholded ReLU`);
      if (max != null && max !== 6 && max !== 1) fail(`layer ${name}: ReLU max ${max}`);
      op(OP.act, { act: max == null ? ACT.relu : max === 6 ? ACT.relu6 : RELU1 });
      return;
    }
    case 'Activation': {
      const act = activationCode(cfg.activation, name);
      if (act === 'softmax') op(OP.softmax);
      else if (act === ACT.none) op(OP.reshape);
      else op(OP.act, { act });
      return;
    }
    case 'Add':
      if (inputs.length !== 2) fail(`layer ${name}: add of ${inputs.length} inputs`);
      op(OP.add);
      return;
    case 'Multiply': {
      if (inputs.length !== 2) fail(`layer ${name}: multiply of ${inputs.length} inputs`);
      const flat = (t: number) => b.shapes[t][0] * b.shapes[t][1] === 1;
      op(OP.mul, {}, flat(inputs[0]) && !flat(inputs[1]) ? [inputs[1], inputs[0]] : inputs); // [x, scale]
      return;
    }
    case 'GlobalAveragePooling2D':
      if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast') fail(`layer ${name}: channelsFirst`);
      op(OP.gap);
      return;
    case 'Dense': {
      if (b.shapes[x][0] * b.shapes[x][1] !== 1 && shape.length !== 1) fail(`layer ${name}: dense on a map`);
      const act = activationCode(cfg.activation, name);
      const out = op(OP.dense, { bias: cfg.useBias ? 1 : 0, act: act === 'softmax' ? ACT.none : act }, inputs, addParams(b, layer));
      if (act === 'softmax') {
        const sm = newTensor(b, shape);
        b.ops.push({ type: OP.softmax, in: [out], out: sm, params: [], name: `${name}/softmax` });
        b.tensorOf.set(name, sm);
      }
      return;
    }
    case 'Dropout':
      if (cfg.noiseShape != null) fail(`layer ${name}: noise shape`);
      op(OP.dropout, { rate: cfg.rate as number });
      return;
    case 'Reshape':
    case 'Flatten':
      if (shape.reduce((a, d) => a * d, 1) !== ih * iw * ic) fail(`layer ${name}: reshape changes the size`);
      op(OP.reshape);
      return;
    case 'Rescaling':
      if (typeof cfg.scale !== 'number' || typeof (cfg.offset ?? 0) !== 'number') fail(`layer ${name}: per-channel rescaling`);
      op(OP.rescale, { scale: cfg.scale as number, offset: (cfg.offset as number) ?? 0 });
      return;
    default:
      fail(`layer ${name} of class ${cls} is not one the engine knows`);
  }
}

/** The ops reading tensor t. */
const readers = (ops: OpDesc[], t: number) => ops.filter((o) => o.in.includes(t));

/** `first` absorbs `second` (its only reader): first now produces second's output. */
function absorb(ops: OpDesc[], first: OpDesc, second: OpDesc, change: Partial<OpDesc>): void {
  Object.assign(first, change, { out: second.out, name: `${first.name}+${second.name}` });
  ops.splice(ops.indexOf(second), 1);
}

/** One fusion, if any applies; false when none does. */
function fuseOnce(ops: OpDesc[], output: number): boolean {
  const only = (o: OpDesc) => (o.out === output ? undefined : (() => { const r = readers(ops, o.out); return r.length === 1 ? r[0] : undefined; })());
  for (const o of ops) {
    const next = only(o);
    // hard-sigmoid: Rescaling(1/6, 1/2) → ReLU(max 1)
    if (o.type === OP.rescale && next?.type === OP.act && next.act === RELU1 &&
        Math.abs(o.scale! - HARD_SIGMOID.scale) < 1e-7 && o.offset === HARD_SIGMOID.offset) {
      absorb(ops, o, next, { type: OP.act, act: ACT.hardSigmoid, scale: undefined, offset: undefined });
      return true;
    }
    // hard-swish: Multiply([x, hard_sigmoid(x)])
    if (o.type === OP.act && o.act === ACT.hardSigmoid && next?.type === OP.mul && next.in.includes(o.in[0]) && next.in.includes(o.out)) {
      absorb(ops, o, next, { act: ACT.hardSwish });
      return true;
    }
    if (!next || next.type !== OP.act || next.act === RELU1) {
      if (o.type === OP.batchNorm && next?.type === OP.add && o.in.length === 1 && next.in[0] !== next.in[1]) {
        absorb(ops, o, next, { in: [o.in[0], next.in[0] === o.out ? next.in[1] : next.in[0]] });
        return true;
      }
      continue;
    }
    // convolution, dense or BN followed by its activation
    const withAct = o.type === OP.conv || o.type === OP.depthwise || o.type === OP.dense || (o.type === OP.batchNorm && o.in.length === 1);
    if (withAct && (o.act ?? ACT.none) === ACT.none) {
      absorb(ops, o, next, { act: next.act });
      return true;
    }
  }
  return false;
}

/** Applies the fusions of the file comment until none applies. */
function fuse(ops: OpDesc[], output: number): OpDesc[] {
  while (fuseOnce(ops, output));
  const stray = ops.find((o) => o.type === OP.act && o.act === RELU1);
  if (stray) fail(`layer ${stray.name}: ReLU(max 1) outside a hard-sigmoid`);
  return ops;
}

/** Drops tensors no op produces any more and renumbers the rest. */
function compact(shapes: number[][], ops: OpDesc[], output: number): { tensors: number[]; ops: OpDesc[]; output: number } {
  const used = new Set<number>([0, output]);
  for (const o of ops) { used.add(o.out); o.in.forEach((t) => used.add(t)); }
  const ids = [...used].sort((a, b) => a - b);
  const map = new Map(ids.map((t, i) => [t, i]));
  return {
    tensors: ids.flatMap((t) => shapes[t]),
    ops: ops.map((o) => ({ ...o, in: o.in.map((t) => map.get(t)!), out: map.get(o.out)! })),
    output: map.get(output)!,
  };
}

/**
 * The engine graph of `model`, or the reason it cannot be compiled. For training pass `logits: true`: a final
 * softmax is then refused (the loss takes logits).
 */
export function compileGraph(model: tfl.LayersModel, opts: { logits?: boolean } = {}): CompiledGraph | { unsupported: string } {
  try {
    if (model.inputs.length !== 1 || model.outputs.length !== 1) fail('the model has several inputs or outputs');
    const inShape = model.inputs[0].shape.slice(1) as number[];
    if (inShape.length !== 3 || inShape.some((d) => !(d >= 1))) fail(`input shape [${inShape.join(', ')}] is not [H, W, C]`);
    const b: Builder = { shapes: [], ops: [], params: [], tensorOf: new Map() };
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') {
        if (b.shapes.length) fail('several input layers');
        newTensor(b, inShape);
        b.tensorOf.set(layer.name, 0);
        continue;
      }
      if (layer.inboundNodes.length !== 1) fail(`layer ${layer.name} is shared or unused`);
      const node = layer.inboundNodes[0];
      if (node.tensorIndices.some((i) => i !== 0)) fail(`layer ${layer.name} reads a multi-output layer`);
      const inputs = node.inboundLayers.map((l) => b.tensorOf.get(l.name) ?? fail(`layer ${layer.name}: inputs out of order`));
      if (inputs.length === 0) fail(`layer ${layer.name} has no input`);
      addLayer(b, layer, inputs);
    }
    const outLayer = model.outputLayers[0];
    let output = b.tensorOf.get(outLayer.name) ?? fail('output layer not reached');
    let ops = b.ops;
    let softmaxOutput = false;
    const last = ops.find((o) => o.out === output);
    if (last?.type === OP.softmax) {
      if (opts.logits) fail('the model ends in a softmax; training needs logits');
      softmaxOutput = true;
    }
    ops = fuse(ops, output);
    const c = compact(b.shapes, ops, output);
    output = c.output;
    const outShape = c.tensors.slice(output * 3, output * 3 + 3);
    if (outShape[0] * outShape[1] !== 1) fail('the output is not a vector per image');
    const decayKinds = new Set([OP.conv, OP.depthwise, OP.dense] as number[]);
    const decay = b.params.map(() => 0);
    for (const o of c.ops) if (decayKinds.has(o.type) && o.params.length) decay[o.params[0]] = 1;
    return {
      desc: {
        tensors: c.tensors, paramSizes: b.params.map((p) => p.size), trainable: b.params.map((p) => (p.trainable ? 1 : 0)),
        decay, ops: c.ops, output,
      },
      params: b.params, softmaxOutput, inputShape: inShape as [number, number, number], outputSize: outShape[2],
    };
  } catch (e) {
    if (e instanceof Unsupported) return { unsupported: e.message };
    throw e;
  }
}
