/** A small hand-made int8 IR (every op kind) with random weights, for format and arithmetic tests. */
import { clipRange, rangeQuantization } from '../../src/engine/int8-arith.js';
import { INT8_FORMAT, Int8Model, Int8WeightOp, QTensor } from '../../src/engine/int8-ir.js';

/** Deterministic uniform numbers in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function tensor(shape: [number, number, number], min: number, max: number, layer: string): QTensor {
  return { shape, ...rangeQuantization(min, max), layer };
}

function weightOp(r: () => number, kind: Int8WeightOp['kind'], weightShape: number[], inputs: number[], output: number,
  o: Partial<Int8WeightOp>, tensors: QTensor[]): Int8WeightOp {
  const n = weightShape.reduce((a, d) => a * d, 1);
  const oc = kind === 'depthwise' ? weightShape[2] * weightShape[3] : weightShape[weightShape.length - 1];
  const act = o.act ?? 'none';
  return {
    kind, layers: [`${kind}_${output}`], inputs, output, kernel: 1, stride: 1, pad: [0, 0, 0, 0], mult: 1, weightShape,
    weights: Int8Array.from({ length: n }, () => Math.round(r() * 254 - 127)),
    bias: Int32Array.from({ length: oc }, () => Math.round(r() * 2000 - 1000)),
    weightScales: Float32Array.from({ length: oc }, () => 0.002 + r() * 0.01),
    act, clip: clipRange(act, tensors[output]), ...o,
  } as Int8WeightOp;
}

/**
 * input [6, 6, 3] → conv 3×3 s1 'same' relu6 [6, 6, 8] → depthwise 3×3 s2 [3, 3, 8] → conv 1×1 [3, 3, 8] →
 * add (with a conv 1×1 stride-2 shortcut) → hard-swish → SE-style mul by avgpool → dense [5].
 */
export function tinyInt8Model(seed = 1): Int8Model {
  const r = lcg(seed);
  const t: QTensor[] = [
    tensor([6, 6, 3], -1, 2, 'input'), tensor([6, 6, 8], 0, 6, 'c1'), tensor([3, 3, 8], -3, 3, 'dw'),
    tensor([3, 3, 8], -2, 2.5, 'pw'), tensor([3, 3, 8], -2, 2, 'sc'), tensor([3, 3, 8], -4, 4, 'add'),
    tensor([3, 3, 8], -0.375, 4, 'hs'), tensor([1, 1, 8], -0.375, 3, 'gap'), tensor([3, 3, 8], -1, 8, 'mul'),
    tensor([1, 1, 5], -10, 12, 'logits'),
  ];
  const ops = [
    weightOp(r, 'conv', [3, 3, 3, 8], [0], 1, { kernel: 3, pad: [1, 1, 1, 1], act: 'relu6' }, t),
    weightOp(r, 'depthwise', [3, 3, 8, 1], [1], 2, { kernel: 3, stride: 2, pad: [0, 0, 1, 1] }, t),
    weightOp(r, 'conv', [1, 1, 8, 8], [2], 3, {}, t),
    weightOp(r, 'conv', [1, 1, 8, 8], [1], 4, { stride: 2 }, t),
    { kind: 'add', layers: ['add'], inputs: [3, 4], output: 5, clip: [-128, 127] },
    { kind: 'activation', layers: ['hs'], inputs: [5], output: 6, fn: 'hardSwish' },
    { kind: 'avgpool', layers: ['gap'], inputs: [6], output: 7 },
    { kind: 'mul', layers: ['mul'], inputs: [6, 7], output: 8 },
    weightOp(r, 'dense', [72, 5], [8], 9, {}, t),
  ] as Int8Model['ops'];
  return { format: INT8_FORMAT, float: 'model.json', tensors: t, ops, output: 9, softmax: false, calibration: { method: 'minmax', images: 0, data: 'test' } };
}
