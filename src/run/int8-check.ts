/**
 * Validation of an int8 IR read from int8.json + int8.bin: every field of the right type and range, tensor ids
 * in range and produced before they are read, shapes consistent with each op, weights and biases inside the
 * binary file. Each problem is one DataError naming the file and the tensor or op at fault.
 */
import { DataError } from '../errors.js';
import { FUSED_ACTS, INT8_FNS, INT8_KINDS, Int8Model, Int8Op, QTensor, isWeightOp, outChannels, shapeSize } from '../engine/int8-ir.js';

const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 80);
const isInt = (v: unknown, lo: number, hi: number): v is number => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

export function need(ok: boolean, file: string, msg: string): asserts ok {
  if (!ok) throw new DataError(`${file}: ${msg}`);
}

/** One tensor entry. */
export function checkTensor(t: Partial<QTensor>, i: number, file: string): void {
  const at = `tensor ${i}`;
  need(typeof t === 'object' && t !== null, file, `${at} is not an object`);
  need(Array.isArray(t.shape) && t.shape.length === 3 && t.shape.every((d) => isInt(d, 1, 1 << 20)), file,
    `${at}: "shape" must be [H, W, C] of positive integers, got ${show(t.shape)}`);
  need(positive(t.scale), file, `${at}: "scale" must be a positive finite number, got ${show(t.scale)}`);
  need(isInt(t.zeroPoint, -128, 127), file, `${at}: "zeroPoint" must be an integer in [-128, 127], got ${show(t.zeroPoint)}`);
  need(typeof t.layer === 'string', file, `${at}: "layer" must be a Keras layer name, got ${show(t.layer)}`);
}

/** The output shape an op must have from its input shapes, or a reason it cannot run. */
function expectedShape(m: Int8Model, op: Int8Op, at: string, file: string): number[] {
  const s = op.inputs.map((t) => m.tensors[t].shape);
  const [ih, iw, ic] = s[0];
  switch (op.kind) {
    case 'conv':
    case 'depthwise': {
      const k = op.kernel;
      need(isInt(k, 1, 15) && isInt(op.stride, 1, 8), file, `${at}: "kernel" and "stride" must be small positive integers`);
      need(Array.isArray(op.pad) && op.pad.length === 4 && op.pad.every((p) => isInt(p, 0, k - 1)), file, `${at}: "pad" must be [top, left, bottom, right] below the kernel size, got ${show(op.pad)}`);
      const oh = Math.floor((ih + op.pad[0] + op.pad[2] - k) / op.stride) + 1;
      const ow = Math.floor((iw + op.pad[1] + op.pad[3] - k) / op.stride) + 1;
      const ws = op.kind === 'conv' ? [k, k, ic, op.weightShape?.[3]] : [k, k, ic, op.mult];
      need(Array.isArray(op.weightShape) && op.weightShape.join() === ws.join() && ws.every((d) => isInt(d, 1, 1 << 16)), file,
        `${at}: weights must be [${ws.join(', ')}] for input ${s[0].join('x')}, got ${show(op.weightShape)}`);
      return [oh, ow, outChannels(op)];
    }
    case 'dense': {
      const ws = [ih * iw * ic, op.weightShape?.[1]];
      need(Array.isArray(op.weightShape) && op.weightShape.length === 2 && op.weightShape.join() === ws.join() && isInt(ws[1], 1, 1 << 20), file,
        `${at}: weights must be [${ih * iw * ic}, out] for input ${s[0].join('x')}, got ${show(op.weightShape)}`);
      return [1, 1, ws[1] as number];
    }
    case 'add':
      need(s[1]?.join() === s[0].join(), file, `${at}: adds ${s[0].join('x')} and ${s[1]?.join('x')}`);
      return s[0];
    case 'avgpool': return [1, 1, ic];
    case 'mul':
      need(s[1]?.[0] === 1 && s[1][1] === 1 && s[1][2] === ic, file, `${at}: multiplies ${s[0].join('x')} by ${s[1]?.join('x')} (needs 1x1x${ic})`);
      return s[0];
    case 'activation':
      need((INT8_FNS as readonly string[]).includes(op.fn), file, `${at}: "fn" must be one of ${INT8_FNS.join(', ')}, got ${show(op.fn)}`);
      need(op.fn !== 'affine' || (Number.isFinite(op.scale) && Number.isFinite(op.offset)), file, `${at}: affine needs finite "scale" and "offset"`);
      return s[0];
  }
}

const ARITY: Record<string, number> = { conv: 1, depthwise: 1, dense: 1, add: 2, avgpool: 1, mul: 2, activation: 1 };

/** One op: kind, tensor ids (inputs produced earlier), shapes, weights. */
function checkOp(m: Int8Model, op: Int8Op, i: number, produced: Set<number>, file: string): void {
  const at = `op ${i} (${show(op?.layers?.join('+') ?? op?.kind)})`;
  need(typeof op === 'object' && op !== null, file, `op ${i} is not an object`);
  need((INT8_KINDS as readonly string[]).includes(op.kind), file, `${at}: "kind" must be one of ${INT8_KINDS.join(', ')}, got ${show(op.kind)}`);
  need(Array.isArray(op.layers) && op.layers.every((l) => typeof l === 'string'), file, `${at}: "layers" must be a list of layer names`);
  need(Array.isArray(op.inputs) && op.inputs.length === ARITY[op.kind], file, `${at}: ${op.kind} takes ${ARITY[op.kind]} input(s), got ${show(op.inputs)}`);
  for (const t of op.inputs) need(produced.has(t), file, `${at}: input tensor ${show(t)} is not the model input or an earlier op's output`);
  need(isInt(op.output, 1, m.tensors.length - 1) && !produced.has(op.output), file, `${at}: output tensor ${show(op.output)} is out of range or written twice`);
  const want = expectedShape(m, op, at, file);
  const got = m.tensors[op.output].shape;
  need(want.join() === got.join(), file, `${at}: output tensor ${op.output} is ${got.join('x')}, the op makes ${want.join('x')}`);
  if ('clip' in op) {
    need(Array.isArray(op.clip) && op.clip.length === 2 && isInt(op.clip[0], -128, 127) && isInt(op.clip[1], op.clip[0], 127), file,
      `${at}: "clip" must be [qmin, qmax] within [-128, 127], got ${show(op.clip)}`);
  }
  if (isWeightOp(op)) {
    need((FUSED_ACTS as readonly string[]).includes(op.act), file, `${at}: "act" must be one of ${FUSED_ACTS.join(', ')}, got ${show(op.act)}`);
    const oc = outChannels(op);
    need(op.weights.length === shapeSize(op.weightShape), file, `${at}: ${op.weights.length} weights for shape ${op.weightShape.join('x')}`);
    need(op.bias.length === oc, file, `${at}: ${op.bias.length} biases for ${oc} output channels`);
    need(op.weightScales.length === oc, file, `${at}: ${op.weightScales.length} weight scales for ${oc} output channels`);
    const bad = op.weightScales.findIndex((s) => !positive(s));
    need(bad < 0, file, `${at}: weight scale ${bad} is ${op.weightScales[bad]} (must be positive and finite)`);
    const w = op.weights.findIndex((v) => v === -128);
    need(w < 0, file, `${at}: weight ${w} is -128 (symmetric int8 weights lie in [-127, 127])`);
  }
}

/** The whole model (tensors and ops already parsed, weights attached). */
export function checkInt8Model(m: Int8Model, file: string): void {
  need(Array.isArray(m.tensors) && m.tensors.length >= 2, file, '"tensors" must list the input and at least one op output');
  m.tensors.forEach((t, i) => checkTensor(t, i, file));
  need(Array.isArray(m.ops) && m.ops.length >= 1, file, '"ops" must be a non-empty list');
  const produced = new Set([0]);
  m.ops.forEach((op, i) => {
    checkOp(m, op, i, produced, file);
    produced.add(op.output);
  });
  need(isInt(m.output, 1, m.tensors.length - 1) && produced.has(m.output), file, `"output" ${show(m.output)} is not an op's output`);
  const os = m.tensors[m.output].shape;
  need(os[0] === 1 && os[1] === 1, file, `"output" tensor ${m.output} is ${os.join('x')}, not a vector per image`);
  need(typeof m.softmax === 'boolean', file, `"softmax" must be true or false, got ${show(m.softmax)}`);
}
