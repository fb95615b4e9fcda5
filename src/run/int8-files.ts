/**
 * The int8 IR on disk (docs/int8.md): RUN-INT8/int8.json (tensors with their scale and zero point, ops with
 * their geometry, clip ranges and per-channel weight scales) and RUN-INT8/int8.bin (each weight op's int8
 * weights, then its int32 biases, little-endian, every block starting at a multiple of 4 bytes). The float
 * model (model.json, weights.bin) stays beside them; meta.json's "quantization" says int8.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors.js';
import { writeFileAtomic } from '../format/layers-format.js';
import { INT8_FORMAT, Int8Model, Int8Op, Int8WeightOp, isWeightOp, outChannels, shapeSize } from '../engine/int8-ir.js';
import { checkInt8Model, need } from './int8-check.js';
import { readJson } from './meta.js';

export const INT8_JSON = 'int8.json';
export const INT8_BIN = 'int8.bin';

/** Weight layouts by op kind, as int8.json spells them. */
export const WEIGHT_LAYOUT = { conv: 'hwio', depthwise: 'hwcm', dense: 'io' } as const;

interface BlockRef { offset: number; length: number }
type OpJson = Omit<Int8Op, 'weights' | 'bias' | 'weightScales'> & {
  weights?: BlockRef & { layout: string }; bias?: BlockRef; weightScales?: number[];
};
interface ModelJson extends Omit<Int8Model, 'ops'> { ops: OpJson[] }

const align4 = (n: number) => (n + 3) & ~3;

/** The binary layout of the weight ops: [weights offset, bias offset] each, and the total size. */
function layout(ops: Int8Op[]): { at: Map<Int8Op, [number, number]>; bytes: number } {
  const at = new Map<Int8Op, [number, number]>();
  let off = 0;
  for (const op of ops) {
    if (!isWeightOp(op)) continue;
    const wOff = off;
    off = align4(off + op.weights.length);
    at.set(op, [wOff, off]);
    off += op.bias.length * 4;
  }
  return { at, bytes: off };
}

/** Writes int8.json and int8.bin into dir (each atomically; the binary first). */
export async function writeInt8Model(dir: string, m: Int8Model): Promise<void> {
  const { at, bytes } = layout(m.ops);
  const bin = new Uint8Array(bytes);
  const view = new DataView(bin.buffer);
  const ops: OpJson[] = m.ops.map((op) => {
    if (!isWeightOp(op)) return op;
    const [wOff, bOff] = at.get(op)!;
    bin.set(new Uint8Array(op.weights.buffer, op.weights.byteOffset, op.weights.length), wOff);
    op.bias.forEach((b, i) => view.setInt32(bOff + 4 * i, b, true));
    const { weights, bias, weightScales, ...rest } = op;
    return {
      ...rest, weights: { offset: wOff, length: weights.length, layout: WEIGHT_LAYOUT[op.kind] },
      bias: { offset: bOff, length: bias.length }, weightScales: Array.from(weightScales),
    };
  });
  const json: ModelJson = { ...m, ops };
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, INT8_BIN), bin);
  await writeFileAtomic(path.join(dir, INT8_JSON), JSON.stringify(json, null, 1));
}

/** A block of the binary file, checked to lie inside it. */
function block(bin: Uint8Array, ref: BlockRef | undefined, bytesPer: number, what: string, file: string): Uint8Array {
  need(typeof ref === 'object' && ref !== null && Number.isInteger(ref.offset) && Number.isInteger(ref.length) &&
    ref.offset >= 0 && ref.length >= 0 && ref.offset % bytesPer === 0, file, `${what}: "offset"/"length" must be non-negative integers (offset a multiple of ${bytesPer})`);
  need(ref.offset + ref.length * bytesPer <= bin.length, file,
    `${what}: bytes ${ref.offset}..${ref.offset + ref.length * bytesPer} lie beyond the end of ${INT8_BIN} (${bin.length} bytes)`);
  return bin.subarray(ref.offset, ref.offset + ref.length * bytesPer);
}

/** Attaches an op's weights, biases and scales from the binary file and the JSON. */
function parseOp(o: OpJson, i: number, bin: Uint8Array, file: string): Int8Op {
  need(typeof o === 'object' && o !== null, file, `op ${i} is not an object`);
  if (!(o.kind === 'conv' || o.kind === 'depthwise' || o.kind === 'dense')) return o as Int8Op;
  const at = `op ${i} (${o.layers?.join?.('+') ?? o.kind})`;
  need(o.weights?.layout === WEIGHT_LAYOUT[o.kind], file, `${at}: weights layout must be "${WEIGHT_LAYOUT[o.kind]}", got ${JSON.stringify(o.weights?.layout)}`);
  const shape = (o as { weightShape?: unknown }).weightShape;
  need(Array.isArray(shape) && shape.length >= 2, file, `${at}: "weightShape" must be a list of dimensions`);
  const w = block(bin, o.weights, 1, `${at} weights`, file);
  const b = block(bin, o.bias, 4, `${at} bias`, file);
  need(Array.isArray(o.weightScales), file, `${at}: "weightScales" must be a list of numbers`);
  const op = { ...o } as unknown as Int8WeightOp;
  op.weights = new Int8Array(w.slice().buffer);
  op.bias = new Int32Array(b.slice().buffer);
  op.weightScales = Float32Array.from(o.weightScales as number[], (s) => (typeof s === 'number' ? s : NaN));
  need(op.weights.length === shapeSize(op.weightShape ?? [NaN]), file, `${at}: ${op.weights.length} weights stored for shape ${JSON.stringify(op.weightShape)}`);
  need(op.bias.length === outChannels(op), file, `${at}: ${op.bias.length} biases for ${outChannels(op)} output channels`);
  return op;
}

/** Reads and validates dir/int8.json + dir/int8.bin; any problem is one DataError naming the file. */
export async function readInt8Model(dir: string): Promise<Int8Model> {
  const file = path.join(dir, INT8_JSON);
  const binFile = path.join(dir, INT8_BIN);
  const json = (await readJson(file)) as Partial<ModelJson>;
  need(typeof json === 'object' && json !== null && !Array.isArray(json), file, 'not a JSON object');
  need(json.format === INT8_FORMAT, file, `not a mobilenet int8 model (format is not ${INT8_FORMAT})`);
  need(Array.isArray(json.ops), file, '"ops" must be a list');
  let bin: Uint8Array;
  try {
    bin = new Uint8Array(await fs.readFile(binFile));
  } catch (e) {
    throw new DataError(`cannot read ${binFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const ops = json.ops.map((o, i) => parseOp(o, i, bin, file));
  const m = { ...json, ops } as Int8Model;
  checkInt8Model(m, file);
  return m;
}

/** Whether dir holds an int8 model (int8.json). */
export async function hasInt8Model(dir: string): Promise<boolean> {
  return fs.access(path.join(dir, INT8_JSON)).then(() => true, () => false);
}
