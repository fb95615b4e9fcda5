/**
 * exportTflite(): a run directory (or a LayersModel) → one .tflite file, written atomically. The run's labels
 * and normalisation go into the model's metadata (entry `mobilenet`, JSON: the keys of the ONNX export's
 * metadata_props) so a deployment needs nothing else.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../../errors.js';
import { RunMeta, loadRun } from '../../run/run-dir.js';
import { writeFileAtomic } from '../../format/layers-format.js';
import { checkOutPath } from '../../run/out-path.js';
import { ExportQuantize, alreadyInt8, quantizeForExport, readInt8Run } from '../int8-run.js';
import { packageVersion, runMetadata } from '../onnx/index.js';
import { TfliteConvertOptions, TfliteConverted, convertToTflite } from './convert.js';
import { convertInt8ToTflite } from './int8.js';

export { convertToTflite } from './convert.js';
export type { TfliteConvertOptions, TfliteConverted } from './convert.js';
export { UnsupportedTfliteLayer } from './context.js';

export interface ExportTfliteOptions extends Omit<TfliteConvertOptions, 'metadata' | 'description'> {
  /** Output file (default DIR/model.tflite, or DIR/best/model.tflite with best; required for a model). */
  out?: string;
  /** Export the run's best/ checkpoint. */
  best?: boolean;
  /** Replace an existing file at `out` (never a run's own files: see run/out-path.ts). */
  overwrite?: boolean;
  /** Quantize the (float) run to int8 in memory first and export the full-integer model (`--quantize int8`). */
  quantize?: ExportQuantize;
}

export interface TfliteExport extends Omit<TfliteConverted, 'bytes'> {
  file: string;
  bytes: number;
  /** 'float32' (or 'int8' for a quantized run). */
  dtype: 'float32' | 'int8';
  metadata: Record<string, string>;
}

async function writeOut(out: string, bytes: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFileAtomic(out, bytes);
}

/**
 * Exports `source` as TFLite: a LayersModel or a run directory as float32, a quantized run (meta.json says int8)
 * as full-integer int8 from its int8 IR. Returns where and what was written.
 */
export async function exportTflite(source: string | tfl.LayersModel, o: ExportTfliteOptions = {}): Promise<TfliteExport> {
  const isRun = typeof source === 'string';
  if (o.quantize && !isRun) throw new OptionError('quantize (int8) needs a run directory to calibrate on, not a model object');
  const own = isRun ? await readInt8Run(source, o.best) : null;
  if (own && o.quantize) throw alreadyInt8(source as string);
  const byDefault = isRun ? path.join(o.best ? path.join(source, 'best') : source, o.quantize ? 'model-int8.tflite' : 'model.tflite') : undefined;
  const out = o.out ?? byDefault;
  if (!out) throw new OptionError('out (the .tflite file to write) is required when exporting a model object');
  await checkOutPath(out, { kind: 'file', overwrite: o.overwrite, allowInRun: byDefault, source: isRun ? source : undefined });
  const int8 = own ?? (isRun && o.quantize ? await quantizeForExport(source, o.best, o.quantize) : null);
  if (int8) {
    const logits = o.logits === true && int8.model.softmax;
    const metadata = { ...runMetadata(int8.meta, { logits, inputLayout: 'nhwc' }, await packageVersion()), quantization: 'int8' };
    const converted = convertInt8ToTflite(int8.model, {
      batch: o.batch, logits, inputName: o.inputName, outputName: o.outputName, metadata: { mobilenet: JSON.stringify(metadata) },
      description: `MobileNet ${int8.meta.arch} trained on ${int8.meta.dataset}, int8 (${int8.model.calibration.method} calibration on ${int8.model.calibration.images} images)`,
    });
    await writeOut(out, converted.bytes);
    const { bytes, ...rest } = converted;
    return { ...rest, file: out, bytes: bytes.byteLength, dtype: 'int8', metadata };
  }
  let model: tfl.LayersModel;
  let meta: RunMeta | null = null;
  if (typeof source === 'string') {
    const run = await loadRun(source, { best: o.best });
    model = run.model;
    meta = run.meta;
  } else {
    model = source;
  }
  try {
    const logits = o.logits === true && meta?.output !== 'logits';
    const version = await packageVersion();
    const metadata = runMetadata(meta, { logits, inputLayout: 'nhwc' }, version);
    const outputName = o.outputName ?? (meta ? (meta.output === 'logits' || logits ? 'logits' : 'probabilities') : undefined);
    const converted = convertToTflite(model, {
      ...o, logits, outputName, metadata: { mobilenet: JSON.stringify(metadata) },
      description: meta ? `MobileNet ${meta.arch} trained on ${meta.dataset}: ${meta.command}` : `${model.name}, exported by mobilenet`,
    });
    await writeOut(out, converted.bytes);
    const { bytes, ...rest } = converted;
    return { ...rest, file: out, bytes: bytes.byteLength, dtype: 'float32', metadata };
  } finally {
    if (typeof source === 'string') model.dispose();
  }
}
