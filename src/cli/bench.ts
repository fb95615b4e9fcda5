/** `mobilenet bench`: training or inference throughput of one MobileNet on one backend. */
import { BackendChoice } from '../backend/index.js';
import { MAX_STEPS, Measurement, measureInference, measureTraining } from '../bench/measure.js';
import { benchRun } from '../bench/int8.js';
import { initBackend } from '../backend/index.js';
import { ARCHS, PresetName, isV3 } from '../models/presets.js';
import { OptionError } from '../errors.js';
import { MAX_BATCH } from '../cost/memory.js';
import { intIn, oneOf, parseCommandArgs, parseNumber } from '../args.js';
import { parseAlpha } from './model-options.js';

export const describe = 'training or inference throughput (images/s) of a MobileNet on a backend';

const HELP = `usage: mobilenet bench --arch v1|v2|v3-small|v3-large --mode train|infer [options] [--json]
       mobilenet bench --run RUN [--batch N] [--steps N] [--warmup N] [--json]
  --run RUN                 time inference of a run's own model: its int8 model when quantized (mobilenet quantize),
                            else the float model on the engine (default batch 32, random inputs)
  --arch ARCH               v1, v2, v3-small or v3-large (required)
  --mode train|infer        train: Adam + softmax cross-entropy, BN in training mode; infer: predict (required)
  --preset mnist|imagenet   mnist: 28x28x1, 10 classes (default); imagenet: 224x224x3, 1000 classes
  --batch N                 images per step (default 128 for train, 256 for infer)
  --steps N                 timed steps (default 5)
  --warmup N                untimed steps before timing (default 1)
  --alpha A                 width multiplier (default 1)
  --minimalistic            V3 only: 3x3 kernels, ReLU, no squeeze-and-excitation
  --backend B               onednn, wasm, cpu or auto (default auto: the best available)
  --no-engine               on onednn, TF.js's per-kernel path instead of the compiled native engine
  --json                    one JSON line: {"arch","mode","backend","engine","batch","imagesPerSecond","threads"}
Random inputs and labels (seeded). MOBILENET_THREADS sets onednn's thread count.`;

const OPTIONS = {
  run: { type: 'string' }, arch: { type: 'string' }, mode: { type: 'string' }, preset: { type: 'string' }, batch: { type: 'string' },
  steps: { type: 'string' }, warmup: { type: 'string' }, alpha: { type: 'string' }, backend: { type: 'string' },
  minimalistic: { type: 'boolean' },
  json: { type: 'boolean' }, 'no-engine': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

/** The readable one-line form of a measurement. */
export function describeMeasurement(m: Measurement): string {
  const what = m.mode === 'train' ? 'training' : 'inference';
  return `${m.arch} ${what} on ${m.backend}${m.engine ? ' (native engine)' : ''} (${m.preset}, batch ${m.batch}, ${m.threads} thread${m.threads === 1 ? '' : 's'}): ` +
    `${m.imagesPerSecond.toFixed(m.imagesPerSecond < 10 ? 2 : 1)} images/s, ${m.msPerStep.toFixed(1)} ms/step over ${m.steps} step${m.steps === 1 ? '' : 's'}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, OPTIONS);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const get = (k: string) => v[k] as string | undefined;
  if (get('run') !== undefined) {
    for (const k of ['arch', 'mode', 'preset', 'alpha', 'minimalistic', 'no-engine']) {
      if (v[k] !== undefined) throw new OptionError(`--${k} cannot be combined with --run (the run decides the model)`);
    }
    const be = await initBackend((oneOf('backend', get('backend'), ['onednn', 'wasm', 'cpu', 'auto'] as const) as BackendChoice | undefined) ?? 'auto');
    const r = await benchRun(get('run')!, {
      batch: intIn('batch', get('batch'), 1, MAX_BATCH), steps: intIn('steps', get('steps'), 1, MAX_STEPS),
      warmup: parseNumber('warmup', get('warmup'), (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    });
    if (r.notice) console.error(r.notice);
    if (v.json) console.log(JSON.stringify({ ...r, backend: be.name }));
    else console.log(`${r.dir} inference (${r.kind}, batch ${r.batch}, ${r.threads} thread${r.threads === 1 ? '' : 's'}): ${r.imagesPerSecond.toFixed(1)} images/s, ${r.msPerBatch.toFixed(2)} ms/batch`);
    return 0;
  }
  if (get('arch') === undefined) throw new OptionError(`--arch is required (${ARCHS.join(', ')})`);
  const arch = oneOf('arch', get('arch'), ARCHS)!;
  if (v.minimalistic === true && !isV3(arch)) throw new OptionError('--minimalistic is a V3 option (v3-small, v3-large)');
  if (get('mode') === undefined) throw new OptionError('--mode is required (train or infer)');
  const mode = oneOf('mode', get('mode'), ['train', 'infer'] as const)!;
  const opts = {
    arch,
    preset: oneOf('preset', get('preset'), ['mnist', 'imagenet'] as const) as PresetName | undefined,
    batch: intIn('batch', get('batch'), 1, MAX_BATCH),
    steps: intIn('steps', get('steps'), 1, MAX_STEPS),
    warmup: intIn('warmup', get('warmup'), 0, MAX_STEPS),
    alpha: parseAlpha(get('alpha')),
    minimalistic: v.minimalistic === true ? true : undefined,
    backend: oneOf('backend', get('backend'), ['onednn', 'wasm', 'cpu', 'auto'] as const) as BackendChoice | undefined,
    engine: v['no-engine'] !== true,
  };
  const m = await (mode === 'train' ? measureTraining(opts) : measureInference(opts));
  if (m.notice) console.error(m.notice);
  if (v.json) {
    const { arch: a, mode: md, backend, engine, batch, imagesPerSecond, threads } = m;
    console.log(JSON.stringify({ arch: a, mode: md, backend, engine, batch, imagesPerSecond, threads }));
  } else {
    console.log(describeMeasurement(m));
  }
  return 0;
}
