/**
 * `mobilenet export DIR --format onnx|tflite|tfjs|keras-h5`: the network as ONNX or TFLite (float32, or int8 from a
 * quantized run), as (quantized) TF.js weights, or as Keras HDF5 weights.
 */
import { initBackend } from '../backend/index.js';
import { OptionError } from '../errors.js';
import { DEFAULT_OPSET, OPSETS, exportOnnx } from '../export/onnx/index.js';
import { QUANTIZE_DTYPES } from '../format/quantize.js';
import { exportTfjs } from '../export/tfjs-export.js';
import { exportKerasH5 } from '../export/keras-h5.js';
import { exportTflite } from '../export/tflite/index.js';
import { METHODS, type CalibrationMethod } from '../quantize/calibrate.js';
import { DEFAULT_CALIBRATION } from '../quantize/quantize-run.js';
import type { ExportQuantize } from '../export/int8-run.js';
import { oneOf, parseCommandArgs, parseNumber, positiveInt } from '../args.js';

export const describe = 'export a run as ONNX or TFLite (float32, or int8 from a quantized run), quantized TF.js weights, or Keras HDF5 weights';

const HELP = `usage: mobilenet export DIR --format onnx|tflite|tfjs|keras-h5 [options]
  DIR                     run directory written by mobilenet train (or mobilenet quantize: int8 ONNX / TFLite)
  --quantize DTYPE        onnx and tflite: int8 (quantize the float run in memory first, as mobilenet quantize does,
                          and export the int8 model; default --out DIR/model-int8.onnx or .tflite);
                          tfjs: float16, uint8 or uint16 weights, as tensorflowjs_converter --quantize_* writes them
  --format F              onnx, tflite, tfjs or keras-h5 (required)
  --out PATH              onnx/tflite: the file (default DIR/model.onnx, DIR/model.tflite); tfjs: a directory (default DIR-<dtype>);
                          keras-h5: the .h5 file (default DIR-keras.h5), for Keras's model.load_weights(PATH)
  --best                  export DIR/best
  --overwrite             replace what is at --out (a file by a file, an earlier export by a new one; never a run)
  --json                  print what was written as one JSON object
 onnx and tflite:
  --logits                output logits instead of the softmax probabilities
 onnx:
  --opset N               ONNX opset, ${OPSETS[0]}-${OPSETS[OPSETS.length - 1]} (default ${DEFAULT_OPSET}; an int8 run needs 13 or later)
  --input-layout L        nhwc (default: as the TF.js model, [batch, H, W, C]) or nchw ([batch, C, H, W])
  --no-fold               keep BatchNormalization and ZeroPadding2D as separate nodes (float runs)
 tflite:
  --batch N               the batch size written into the tensor shapes (default 1: TFLite models have static shapes)
 with --quantize int8:
  --calibrate N           calibration images from the run's training data (default ${DEFAULT_CALIBRATION})
  --method M              ${METHODS.join('|')} (default minmax)
  --calibrate-data DIR    a class-per-subfolder image folder to calibrate on instead`;

const OPTIONS = {
  format: { type: 'string' }, out: { type: 'string' }, best: { type: 'boolean' }, overwrite: { type: 'boolean' }, json: { type: 'boolean' },
  opset: { type: 'string' }, logits: { type: 'boolean' }, 'input-layout': { type: 'string' }, 'no-fold': { type: 'boolean' },
  batch: { type: 'string' }, quantize: { type: 'string' }, calibrate: { type: 'string' }, method: { type: 'string' },
  'calibrate-data': { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

type Values = Record<string, string | boolean | undefined>;

/**
 * What --quantize asks of this format: int8 for onnx/tflite (with its calibration options), a weight dtype for
 * tfjs; every other combination is one OptionError.
 */
function quantizeOption(format: string, v: Values): ExportQuantize | undefined {
  const q = v.quantize as string | undefined;
  const calib = ['calibrate', 'method', 'calibrate-data'].find((k) => v[k] !== undefined);
  if (calib && q !== 'int8') throw new OptionError(`--${calib} applies only with --quantize int8 (--format onnx or tflite)`);
  if (q === undefined || format === 'tfjs') {
    if (q === 'int8') throw new OptionError('--quantize int8 applies to --format onnx or tflite; TF.js weights quantize to float16, uint8 or uint16');
    return undefined;
  }
  if (format === 'keras-h5') throw new OptionError('--quantize does not apply to --format keras-h5 (Keras weights are float32)');
  if (q !== 'int8') throw new OptionError(`--format ${format} quantizes to int8 only (--quantize int8), got --quantize ${q}${(QUANTIZE_DTYPES as readonly string[]).includes(q) ? ' (a TF.js weight dtype: --format tfjs)' : ''}`);
  return {
    calibrate: positiveInt('calibrate', v.calibrate as string | undefined) ?? DEFAULT_CALIBRATION,
    method: oneOf('method', v.method as string | undefined, METHODS) as CalibrationMethod | undefined,
    calibrateData: v['calibrate-data'] as string | undefined,
  };
}

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

export async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, OPTIONS, true);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new OptionError('export needs exactly one run directory');
  const format = oneOf('format', v.format as string | undefined, ['onnx', 'tflite', 'tfjs', 'keras-h5'] as const);
  if (!format) throw new OptionError('--format is required (onnx, tflite, tfjs or keras-h5)');
  const only = (keys: string[], formats: string[]) => {
    const bad = keys.find((k) => v[k] !== undefined);
    if (bad && !formats.includes(format)) throw new OptionError(`--${bad} applies only to --format ${formats.join(' or ')}`);
  };
  only(['opset', 'input-layout', 'no-fold'], ['onnx']);
  only(['logits'], ['onnx', 'tflite']);
  only(['batch'], ['tflite']);
  const int8 = quantizeOption(format, v);
  if (int8 && v.json !== true) int8.onProgress = (m) => console.error(m);
  const be = await initBackend(int8 ? 'auto' : 'cpu'); // re-encoding weights needs no fast backend; calibration runs the model
  if (int8 && be.notice) console.error(be.notice);
  const [dir] = positionals;
  const out = v.out as string | undefined;
  if (format === 'tflite') {
    const batch = parseNumber('batch', v.batch as string | undefined, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
    const r = await exportTflite(dir, { out, best: v.best === true, overwrite: v.overwrite === true, logits: v.logits === true, batch, quantize: int8 });
    if (v.json) console.log(JSON.stringify(r));
    else {
      console.log(`wrote ${r.file} (${mb(r.bytes)}, ${r.dtype}, ${r.ops.length} ops): input "${r.inputName}" [${r.inputShape.join(', ')}] NHWC float32, ` +
        `output "${r.outputName}" [${r.outputShape.join(', ')}] ${r.metadata.output}`);
    }
    return 0;
  }
  if (format === 'onnx') {
    const opset = parseNumber('opset', v.opset as string | undefined, (n) => (OPSETS as readonly number[]).includes(n), `one of ${OPSETS.join(', ')}`);
    const r = await exportOnnx(dir, {
      out, best: v.best === true, overwrite: v.overwrite === true, opset, logits: v.logits === true, fold: v['no-fold'] !== true,
      inputLayout: oneOf('input-layout', v['input-layout'] as string | undefined, ['nhwc', 'nchw'] as const), quantize: int8,
    });
    if (v.json) console.log(JSON.stringify(r));
    else {
      console.log(`wrote ${r.file} (${mb(r.bytes)}, ${r.dtype === 'int8' ? 'int8 QDQ, ' : ''}opset ${r.opset}, ${r.ops.length} nodes): input "${r.inputName}" ` +
        `[${r.inputDims.join(', ')}] ${r.metadata.input_layout}, output "${r.outputName}" [${r.outputDims.join(', ')}] ${r.metadata.output}`);
    }
    return 0;
  }
  if (format === 'keras-h5') {
    const r = await exportKerasH5(dir, { out, best: v.best === true, overwrite: v.overwrite === true });
    if (v.json) console.log(JSON.stringify(r));
    else console.log(`wrote ${r.file} (${mb(r.bytes)}, ${r.layers} layers with weights, Keras 2 HDF5 layout): model.load_weights('${r.file}') in Keras`);
    return 0;
  }
  const quantize = oneOf('quantize', v.quantize as string | undefined, QUANTIZE_DTYPES) ?? null;
  const r = await exportTfjs(dir, { out, quantize, best: v.best === true, overwrite: v.overwrite === true });
  if (v.json) console.log(JSON.stringify(r));
  else console.log(`wrote ${r.dir}: ${r.files.join(', ')} (${mb(r.bytes)}, weights ${quantize ?? 'float32'})`);
  return 0;
}
