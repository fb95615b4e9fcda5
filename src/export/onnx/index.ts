/**
 * exportOnnx(): a run directory (or a LayersModel) → one .onnx file, written atomically. The run's labels,
 * normalisation and input layout go into the model's metadata_props so a deployment needs nothing else.
 * Where it may be written is run/out-path.ts's rule (never into a run but at RUN/model.onnx, never over a file
 * without overwrite).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../../errors.js';
import { writeFailure } from '../../fs-errors.js';
import { checkOutPath } from '../../run/out-path.js';
import { RunMeta, loadRun } from '../../run/run-dir.js';
import { writeFileAtomic } from '../../format/layers-format.js';
import { ExportQuantize, Int8Run, alreadyInt8, quantizeForExport, readInt8Run } from '../int8-run.js';
import { ConvertOptions, Converted, DEFAULT_OPSET, convertToOnnx } from './convert.js';
import { QDQ_MIN_OPSET, convertInt8ToOnnx } from './qdq.js';

export { convertToOnnx, DEFAULT_OPSET, OPSETS } from './convert.js';
export { convertInt8ToOnnx, QDQ_MIN_OPSET } from './qdq.js';
export type { ConvertOptions, Converted } from './convert.js';

export interface ExportOnnxOptions extends ConvertOptions {
  /** Output file (default DIR/model.onnx, or DIR/best/model.onnx with best; required for a model). */
  out?: string;
  /** Export the run's best/ checkpoint. */
  best?: boolean;
  /** Replace an existing file at `out`. */
  overwrite?: boolean;
  /** Quantize the (float) run to int8 in memory first and export the QDQ model (`--quantize int8`). */
  quantize?: ExportQuantize;
}

export interface OnnxExport extends Omit<Converted, 'bytes'> {
  file: string;
  bytes: number;
  opset: number;
  /** 'float32', or 'int8' (QDQ) for a quantized run. */
  dtype: 'float32' | 'int8';
  metadata: Record<string, string>;
}

/** metadata_props of an exported run: what a consumer needs to feed the graph and read its output. */
export function runMetadata(meta: RunMeta | null, o: ConvertOptions, version: string): Record<string, string> {
  const out: Record<string, string> = {
    input_layout: (o.inputLayout ?? 'nhwc').toUpperCase(),
    producer: `mobilenet ${version}`,
  };
  if (!meta) return { ...out, output: o.logits ? 'logits' : 'model output' };
  return {
    ...out,
    arch: meta.arch,
    input_shape: JSON.stringify(meta.inputShape),
    labels: JSON.stringify(meta.labels),
    normalization: JSON.stringify(meta.normalization),
    preprocessing: 'x = (pixel / 255 - mean[c]) / std[c]',
    output: meta.output === 'logits' || o.logits ? 'logits' : 'probabilities',
    dataset: meta.dataset,
  };
}

/** This package's version, for the exported files' producer fields ('' when package.json cannot be read). */
export async function packageVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await fs.readFile(new URL('../../../../package.json', import.meta.url), 'utf8'));
    return String(pkg.version);
  } catch {
    return '';
  }
}

/** A quantized run as a QDQ model (qdq.ts), written to `out`. */
async function exportInt8(int8: Int8Run, out: string, o: ExportOnnxOptions): Promise<OnnxExport> {
  const version = await packageVersion();
  const logits = o.logits === true && int8.model.softmax;
  const metadata = { ...runMetadata(int8.meta, { ...o, logits }, version), quantization: 'int8 QDQ', ...o.metadata };
  const converted = convertInt8ToOnnx(int8.model, {
    opset: o.opset, inputLayout: o.inputLayout, logits, inputName: o.inputName, outputName: o.outputName, metadata, producerVersion: version,
    docString: `MobileNet ${int8.meta.arch} trained on ${int8.meta.dataset}, int8 QDQ (${int8.model.calibration.method} calibration on ${int8.model.calibration.images} images)`,
  });
  await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFileAtomic(out, converted.bytes);
  const { bytes, ...rest } = converted;
  return { ...rest, file: out, bytes: bytes.byteLength, opset: o.opset ?? DEFAULT_OPSET, dtype: 'int8', metadata };
}

/**
 * Exports `source` as ONNX: a LayersModel or a run directory as float32, a quantized run (meta.json says int8)
 * as a QDQ model from its int8 IR. Returns where and what was written.
 */
export async function exportOnnx(source: string | tfl.LayersModel, o: ExportOnnxOptions = {}): Promise<OnnxExport> {
  const isRun = typeof source === 'string';
  if (o.quantize && !isRun) throw new OptionError('quantize (int8) needs a run directory to calibrate on, not a model object');
  if (o.quantize && o.fold === false) throw new OptionError('--no-fold does not apply with --quantize int8 (BN is folded into the quantized weights)');
  const own = isRun ? await readInt8Run(source, o.best) : null;
  if (own && o.quantize) throw alreadyInt8(source as string);
  if (own && o.fold === false) throw new OptionError('--no-fold does not apply to an int8 run (its BN is folded in the quantized weights)');
  if ((own || o.quantize) && o.opset !== undefined && !(o.opset >= QDQ_MIN_OPSET)) {
    throw new OptionError(`an int8 (QDQ) export needs opset ${QDQ_MIN_OPSET}-17 (per-axis DequantizeLinear), got ${o.opset}`);
  }
  const byDefault = isRun ? path.join(o.best ? path.join(source, 'best') : source, o.quantize ? 'model-int8.onnx' : 'model.onnx') : undefined;
  const out = o.out ?? byDefault;
  if (!out) throw new OptionError('out (the .onnx file to write) is required when exporting a model object');
  await checkOutPath(out, { kind: 'file', overwrite: o.overwrite, allowInRun: byDefault, source: isRun ? source : undefined });
  const int8 = own ?? (isRun && o.quantize ? await quantizeForExport(source, o.best, o.quantize) : null);
  if (int8) return exportInt8(int8, out, o);
  let model: tfl.LayersModel;
  let meta: RunMeta | null = null;
  if (typeof source === 'string') {
    const run = await loadRun(source, { best: o.best });
    model = run.model;
    meta = run.meta;
  } else {
    model = source;
  }
  const logits = o.logits && meta?.output !== 'logits';
  const version = await packageVersion();
  const metadata = { ...runMetadata(meta, o, version), ...o.metadata };
  const outputName = o.outputName ?? (meta ? (meta.output === 'logits' || logits ? 'logits' : 'probabilities') : undefined);
  const converted = convertToOnnx(model, {
    ...o, logits, metadata, producerVersion: version, outputName,
    docString: meta ? `MobileNet ${meta.arch} trained on ${meta.dataset}: ${meta.command}` : `${model.name}, exported by mobilenet`,
  });
  try {
    await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true }).catch((e) => { throw writeFailure(e, out); });
    await writeFileAtomic(out, converted.bytes);
  } finally {
    if (typeof source === 'string') model.dispose();
  }
  const { bytes, ...rest } = converted;
  return { ...rest, file: out, bytes: bytes.byteLength, opset: o.opset ?? DEFAULT_OPSET, dtype: 'float32', metadata };
}
