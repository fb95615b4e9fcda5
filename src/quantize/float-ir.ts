/**
 * The float form of the int8 IR: a logits model's engine graph (engine/graph.ts) rewritten op for op into the
 * IR's ops, BatchNormalization folded into the convolution before it, ReLU/ReLU6 kept as fused activations,
 * hard-swish / hard-sigmoid / Rescaling split out as activation ops, BN+Add split into the op and an add, Dropout
 * and Reshape dropped (their output is their input's tensor). Each tensor names the Keras layer whose output it
 * is, which is what calibration measures. quantize-model.ts turns it into the int8 IR.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import { ACT, OP, OpDesc, compileGraph } from '../engine/graph.js';
import type { FusedAct, Int8Fn, Int8Kind } from '../engine/int8-ir.js';

export interface FloatTensor { shape: [number, number, number]; layer: string }

export interface FloatOp {
  kind: Int8Kind;
  layers: string[];
  inputs: number[];
  output: number;
  kernel?: number; stride?: number; pad?: [number, number, number, number]; mult?: number;
  weightShape?: number[];
  /** Folded float weights (the IR layout) and biases. */
  weights?: Float32Array;
  bias?: Float32Array;
  act?: FusedAct;
  fn?: Int8Fn; scale?: number; offset?: number;
}

export interface FloatIR { tensors: FloatTensor[]; ops: FloatOp[]; output: number }

const FUSED: Record<number, FusedAct | undefined> = { [ACT.none]: 'none', [ACT.relu]: 'relu', [ACT.relu6]: 'relu6' };
const FN: Record<number, Int8Fn | undefined> = { [ACT.relu]: 'relu', [ACT.relu6]: 'relu6', [ACT.hardSwish]: 'hardSwish', [ACT.hardSigmoid]: 'hardSigmoid' };

const fail = (msg: string): never => { throw new OptionError(`cannot quantize this model: ${msg}`); };

/** BN folded into weights whose last axis is the output channel: w·γ/√(σ²+ε), (b − μ)·γ/√(σ²+ε) + β. */
function foldBn(w: Float32Array, b: Float32Array, bn: Float32Array[], eps: number): void {
  const [gamma, beta, mean, variance] = bn;
  const oc = b.length;
  for (let c = 0; c < oc; c++) {
    const s = gamma[c] / Math.sqrt(variance[c] + eps);
    for (let i = c; i < w.length; i += oc) w[i] *= s;
    b[c] = (b[c] - mean[c]) * s + beta[c];
  }
}

/** The IR of a logits model (see the file comment); an unknown structure is one OptionError. */
export function floatIR(model: tfl.LayersModel): FloatIR {
  const g = compileGraph(model, { logits: true });
  if ('unsupported' in g) return fail(g.unsupported);
  const { desc, params } = g;
  const value = (i: number) => Float32Array.from(params[i].variable.read().dataSync() as Float32Array);
  const shapeOf = (t: number) => desc.tensors.slice(t * 3, t * 3 + 3) as [number, number, number];
  const readers = (t: number) => desc.ops.filter((o) => o.in.includes(t));
  const ir: FloatIR = { tensors: [{ shape: shapeOf(0), layer: model.inputLayers[0].name }], ops: [], output: -1 };
  const map = new Map<number, number>([[0, 0]]); // graph tensor → IR tensor
  const inIR = (t: number) => map.get(t) ?? fail(`tensor ${t} read before it is computed`);
  const tensor = (graphT: number, layer: string) => { ir.tensors.push({ shape: shapeOf(graphT), layer }); return ir.tensors.length - 1; };
  const folded = new Set<OpDesc>();
  const isWeight = (o: FloatOp) => o.kind === 'conv' || o.kind === 'depthwise' || o.kind === 'dense';

  /**
   * Emits `base` (its own output is layer `pre`), then the activation (`act`, the layers `actLayers` ending in its
   * output): fused when ReLU/ReLU6, else an activation op; then the add of `residual` (layer `addLayer`).
   */
  const emit = (base: FloatOp, graphOut: number, pre: string, act = 0, actLayers: string[] = [], residual?: number, addLayer?: string): void => {
    const fused = FUSED[act];
    const fn = fused ? undefined : FN[act] ?? fail(`${base.layers.join('+')}: activation ${act}`);
    const post = actLayers.at(-1) ?? pre;
    if (fused && isWeight(base)) base.act = fused;
    else if (fused && fused !== 'none') fail(`${base.layers.join('+')}: a fused activation on a ${base.kind}`);
    base.output = tensor(graphOut, fn ? pre : post);
    ir.ops.push(base);
    let t = base.output;
    if (fn) {
      const out = tensor(graphOut, post);
      ir.ops.push({ kind: 'activation', layers: actLayers, inputs: [t], output: out, fn });
      t = out;
    }
    if (residual !== undefined) {
      const out = tensor(graphOut, addLayer ?? post);
      ir.ops.push({ kind: 'add', layers: [addLayer ?? post], inputs: [t, inIR(residual)], output: out });
      t = out;
    }
    map.set(graphOut, t);
  };

  for (const op of desc.ops) {
    if (folded.has(op)) continue;
    const parts = op.name.split('+');
    const x = inIR(op.in[0]);
    switch (op.type) {
      case OP.conv:
      case OP.depthwise:
      case OP.dense: {
        const kind = op.type === OP.conv ? 'conv' : op.type === OP.depthwise ? 'depthwise' : 'dense';
        const weights = value(op.params[0]);
        const weightShape = params[op.params[0]].shape.slice();
        const oc = shapeOf(op.out)[2];
        const bias = op.bias ? value(op.params[1]) : new Float32Array(oc);
        if (kind === 'dense') weightShape.splice(0, weightShape.length, weights.length / oc, oc);
        const base: FloatOp = {
          kind, layers: [...parts], inputs: [x], output: -1, kernel: op.k ?? 1, stride: op.stride ?? 1,
          pad: [op.pt ?? 0, op.pl ?? 0, op.pb ?? 0, op.pr ?? 0], mult: op.mult ?? 1, weightShape, weights, bias,
        };
        const next = readers(op.out);
        const bn = next.length === 1 && next[0].type === OP.batchNorm && next[0].in[0] === op.out && (op.act ?? 0) === ACT.none && kind !== 'dense' ? next[0] : undefined;
        if (bn) {
          foldBn(weights, bias, bn.params.map(value), bn.eps ?? 1e-3);
          folded.add(bn);
          const bnParts = bn.name.split('+');
          const res = bn.in.length > 1;
          base.layers.push(...bnParts.slice(0, res ? -1 : undefined));
          emit(base, bn.out, bnParts[0], bn.act ?? 0, bnParts.slice(1, res ? -1 : undefined), res ? bn.in[1] : undefined, res ? bnParts.at(-1) : undefined);
        } else {
          base.layers = parts.slice(0, 1);
          emit(base, op.out, parts[0], op.act ?? 0, parts.slice(1));
        }
        break;
      }
      case OP.batchNorm: fail(`${op.name}: a BatchNormalization that does not follow a convolution`); break;
      case OP.act: emit({ kind: 'activation', layers: parts, inputs: [x], output: -1, fn: FN[op.act ?? 0] ?? fail(`${op.name}: activation`) }, op.out, parts.at(-1)!); break;
      case OP.rescale: emit({ kind: 'activation', layers: parts, inputs: [x], output: -1, fn: 'affine', scale: op.scale, offset: op.offset }, op.out, parts.at(-1)!); break;
      case OP.add: emit({ kind: 'add', layers: parts, inputs: [x, inIR(op.in[1])], output: -1 }, op.out, parts.at(-1)!); break;
      case OP.mul: emit({ kind: 'mul', layers: parts, inputs: [x, inIR(op.in[1])], output: -1 }, op.out, parts.at(-1)!); break;
      case OP.gap: emit({ kind: 'avgpool', layers: parts, inputs: [x], output: -1 }, op.out, parts.at(-1)!); break;
      case OP.dropout:
      case OP.reshape: map.set(op.out, x); break;
      default: fail(`${op.name}: op ${op.type} has no int8 form`);
    }
  }
  ir.output = inIR(desc.output);
  return ir;
}
