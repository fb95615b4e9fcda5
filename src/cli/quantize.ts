/** `mobilenet quantize RUN --out RUN-INT8`: post-training static int8 quantization of a run (docs/int8.md). */
import { BackendChoice, initBackend } from '../backend/index.js';
import { OptionError } from '../errors.js';
import { METHODS, type CalibrationMethod } from '../quantize/calibrate.js';
import { DEFAULT_CALIBRATION, quantizeRun } from '../quantize/quantize-run.js';
import { oneOf, parseCommandArgs, positiveInt } from '../args.js';

export const describe = 'post-training int8 quantization of a run (calibrated), into a run eval/predict/serve/bench use';

const HELP = `usage: mobilenet quantize RUN --out RUN-INT8 [--calibrate N] [--method M] [--calibrate-data DIR] [--best] [--overwrite]
  RUN                  run directory (float model)
  --out RUN-INT8       the quantized run directory to write (the float model.json stays in it; int8.json + int8.bin beside)
  --calibrate N        calibration images from the run's training data (default ${DEFAULT_CALIBRATION})
  --method M           ${METHODS.join('|')} (default minmax): how activation ranges are taken from calibration
  --calibrate-data DIR a class-per-subfolder image folder to calibrate on instead
  --best               quantize RUN/best
  --overwrite          replace an existing run at --out
  --json               print the result as JSON
  --backend NAME       auto|onednn|cpu|wasm (default auto): where calibration runs the float model`;

export async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, {
    out: { type: 'string' }, calibrate: { type: 'string' }, method: { type: 'string' }, 'calibrate-data': { type: 'string' },
    best: { type: 'boolean' }, overwrite: { type: 'boolean' }, json: { type: 'boolean' }, backend: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new OptionError(`quantize takes one run directory, got ${positionals.length} arguments`);
  if (!v.out) throw new OptionError('quantize needs --out RUN-INT8 (the quantized run directory to write)');
  const calibrate = positiveInt('calibrate', v.calibrate as string | undefined);
  const method = oneOf('method', v.method as string | undefined, METHODS) as CalibrationMethod | undefined;
  const backend = oneOf('backend', v.backend as string | undefined, ['auto', 'onednn', 'cpu', 'wasm'] as const) as BackendChoice;
  const be = await initBackend(backend ?? 'auto');
  if (be.notice) console.error(be.notice);
  const r = await quantizeRun(positionals[0], {
    out: v.out as string, calibrate, method, calibrateData: v['calibrate-data'] as string | undefined, best: v.best === true,
    overwrite: v.overwrite === true, onProgress: v.json ? undefined : (m) => console.error(m),
  });
  const ops = r.model.ops.length;
  if (v.json) {
    console.log(JSON.stringify({ out: r.out, ops, tensors: r.model.tensors.length, calibration: r.model.calibration, int8Bytes: r.int8Bytes, floatBytes: r.floatBytes }));
    return 0;
  }
  const kinds = [...new Set(r.model.ops.map((o) => o.kind))].join(', ');
  console.log(`${r.out}: ${ops} int8 ops (${kinds}); int8.bin ${r.int8Bytes.toLocaleString('en-US')} bytes ` +
    `(float weights ${r.floatBytes.toLocaleString('en-US')}); calibrated on ${r.model.calibration.images} images of ${r.model.calibration.data} (${r.model.calibration.method})`);
  return 0;
}
