/** `mobilenet train`: parse, call train()/resumeTraining(), print progress; Ctrl-C (SIGTERM) saves and exits 130 (143). */
import * as path from 'node:path';
import { BackendChoice } from '../backend/index.js';
import { OptionError } from '../errors.js';
import { QUANTIZE_DTYPES } from '../format/quantize.js';
import { WEIGHT_INITS } from '../models/options.js';
import { ARCHS, isV3 } from '../models/presets.js';
import { ARCH_RECIPES, BASE_LR, EVAL_TEST_MAX_RATIO, OPTIMIZERS, RECIPES, SCHEDULES, TrainOptions } from '../train/options.js';
import { progressPrinter } from '../train/progress.js';
import { TrainResult, resumeTraining, train } from '../train/train.js';
import { MAX_BATCH } from '../cost/memory.js';
import { SIZE_LIMITS } from '../models/options.js';
import { intIn, oneOf, parseBoundedShape, parseCommandArgs, parseNumber, positiveInt, positiveNumber } from '../args.js';
import { parseAlpha, parseStemStride } from './model-options.js';

export const describe = 'train MobileNet V1/V2/V3 on mnist, fashion-mnist or a folder of images (checkpoints, resume, report)';

const M = RECIPES.mnist;

/** The per-architecture peak rates of ARCH_RECIPES, for --lr's help. */
function archLrHelp(): string {
  return Object.entries(ARCH_RECIPES).filter(([, a]) => a?.lr !== undefined)
    .map(([arch, a]) => `;\n                            ${arch} ${a!.lr}: ${a!.why}`).join('');
}
const HELP = `usage: mobilenet train --arch v1|v2|v3-small|v3-large --dataset mnist|fashion-mnist|folder:PATH [options]
       mobilenet train --from RUN --dataset SPEC [--freeze backbone|none|LAYER] [--fine-tune-epochs N] [--fine-tune-lr X]
       mobilenet train --resume DIR [--epochs N] [--backend B]
  --arch ARCH               v1, v2, v3-small or v3-large (required)
  --dataset SPEC            mnist, fashion-mnist or folder:PATH (class-per-subfolder images) (required)
  --alpha A                 width multiplier (default 1)
  --minimalistic            V3 only: 3x3 kernels, ReLU, no squeeze-and-excitation
  --input HxWxC             model input; images are resized to it (default: 28x28x1 for mnist/fashion-mnist, 224x224x3 for folders)
  --stem-stride 1|2         stride of the first convolution (default 2, as the papers; 1 for fashion-mnist, and for v1 and v3-small on mnist, at
                            inputs up to 32 px: --input 96x96x3 keeps 2); 1 keeps twice the resolution through the network
                            for small inputs (4× the multiply-adds: mobilenet summary shows them)
  --init NAME               ${WEIGHT_INITS.join('|')}: weight initialisation (default torchvision: He normal fan_out;
                            keras' glorot_uniform made 5 of 13 V2 MNIST recipe runs collapse at lr 0.01, He none of 3)
  --epochs N                default 10
  --batch-size N            default 128 (at least 2: batch normalization learns from the batch)
  --lr X                    peak learning rate (default ${BASE_LR}${archLrHelp()}; 1e-3 for train --from)
  --optimizer NAME          ${OPTIMIZERS.join('|')} (default adam; sgd has momentum 0.9)
  --schedule NAME           ${SCHEDULES.join('|')} (default cosine, after a linear warm-up)
  --warmup N                warm-up steps (default 3% of all steps, at most 200)
  --label-smoothing X       in [0, 1) (default ${M.labelSmoothing} for mnist/fashion-mnist: +0.1 point on V2 MNIST; else 0)
  --weight-decay X          decoupled (AdamW) decay of conv/dense kernels, w -= lr*X*w each step
                            (default ${M.weightDecay} for mnist/fashion-mnist: V1 MNIST 99.30% -> 99.59%; else 0)
  --ema D                   evaluate and save an EMA of the weights with decay D, 0 = off (default ${M.ema} for
                            mnist/fashion-mnist: +0.1-1.0 points in epochs 3-8, same at the end; else 0)
  --precise-bn N            recompute BN statistics over N training images at every epoch end (default 2048;
                            a 48-step run scored 12.9% test with the moving averages, ~50% with this); 0 = off
  --no-precise-bn           same as --precise-bn 0
  --val-split F             fraction of the training images held out for validation (default 0)
  --patience N              stop after N epochs without a better validation accuracy
  --seed N                  data order, validation split and initialisation (default 1)
  --augment, --no-augment   random shifts of up to 2 pixels (default on for mnist/fashion-mnist: +0.06 V2 MNIST)
                            (measurements: docs/accuracy.md; PyTorch replica of our model and recipe, single seeds)
  --rotate D, --scale S     random rotations in ±D degrees and scalings in 1 ± S, with the shifts (bilinear;
                            part of --augment; default 10 and 0.1 for mnist: V2 10 epochs, seeds 1 and 3: 99.58/99.45%
                            without, 99.57/99.57% with; 0 and 0 otherwise)
  --flip, --no-flip         random horizontal flips (default on for fashion-mnist, with --stem-stride 1: V2 20 epochs
                            93.76% vs 92.71% with neither; off otherwise)
  --erase P                 random erasing with probability P (default 0: Fashion-MNIST with flips + erasing 90.58%)
  --eval-test, --no-eval-test
                            test accuracy after every epoch (epoch line, history, report.html: when the target was
                            first reached); reported only, never used to choose a model (best/ follows --val-split).
                            Default on when the test split is at most ${EVAL_TEST_MAX_RATIO * 100}% of the training split (mnist,
                            fashion-mnist: 10,000 vs 60,000, ~2 s an epoch for V2), else off
  --target X                test accuracy (fraction) whose first crossing the report marks (default 0.995 for
                            mnist, 0.93 for fashion-mnist)
  --limit-train N           use only the first N training images (quick runs)
  --limit-test N            use only the first N test images
  --out DIR                 run directory (default runs/<arch>-<dataset>); an existing run there is refused
  --overwrite               replace the run already in --out (its directory is cleared completely)
  --quantize DTYPE          publish the final model with float16, uint8 or uint16 weights (tfjs-converter format;
                            checkpoint/ and best/ stay float32)
  --from RUN|FILE|imagenet  transfer learning: a new head for the dataset's classes on the source's backbone (a run
                            directory, a Keras .h5, a TF.js model.json/dir, or Keras's ImageNet weights: its weights,
                            architecture options and preprocessing; --arch and --alpha default to its own); default
                            lr 1e-3. Images are resized to the source's input unless --input says otherwise
  --freeze WHAT             backbone (default: phase 1 trains the head only), none (every layer, the source's head
                            kept when the classes match), or a layer name (layers below it stay frozen)
  --fine-tune-epochs N      phase 2: N more epochs training from the --freeze layer (default: the top third of the
                            blocks) up; BN layers stay in inference mode (Keras's transfer-learning guide)
  --fine-tune-lr X          peak lr of phase 2 (default lr/10, as TensorFlow's MobileNetV2 transfer tutorial)
  --preprocess MODE         tf|torch|unit|raw: Keras preprocess_input mode of a --from source that does not record
                            one (a foreign TF.js model); default tf (V3: raw, its Rescaling layer built in)
  --per-class N             use only the first N training images of each class
  --resume DIR              continue DIR's last checkpoint (the other options come from it)
  --backend NAME            auto|onednn|cpu|wasm (default auto)`;

const OPTIONS = {
  arch: { type: 'string' }, dataset: { type: 'string' }, alpha: { type: 'string' }, input: { type: 'string' },
  minimalistic: { type: 'boolean' },
  epochs: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' }, optimizer: { type: 'string' },
  schedule: { type: 'string' }, warmup: { type: 'string' }, 'label-smoothing': { type: 'string' },
  'val-split': { type: 'string' }, patience: { type: 'string' }, seed: { type: 'string' }, augment: { type: 'boolean' },
  'limit-train': { type: 'string' }, 'limit-test': { type: 'string' }, out: { type: 'string' }, overwrite: { type: 'boolean' },
  resume: { type: 'string' }, quantize: { type: 'string' },
  init: { type: 'string' }, 'stem-stride': { type: 'string' }, 'weight-decay': { type: 'string' }, ema: { type: 'string' }, 'precise-bn': { type: 'string' },
  'no-precise-bn': { type: 'boolean' }, 'no-augment': { type: 'boolean' }, flip: { type: 'boolean' }, 'no-flip': { type: 'boolean' }, erase: { type: 'string' },
  rotate: { type: 'string' }, scale: { type: 'string' },
  'eval-test': { type: 'boolean' }, 'no-eval-test': { type: 'boolean' }, target: { type: 'string' },
  from: { type: 'string' }, freeze: { type: 'string' }, 'fine-tune-epochs': { type: 'string' }, 'fine-tune-lr': { type: 'string' },
  'per-class': { type: 'string' }, preprocess: { type: 'string' },
  backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

type Values = Record<string, string | boolean | undefined>;

/** --epochs: 1..100,000 (a count past it is a typo; history.json keeps a row an epoch). */
const parseEpochs = (v: string | undefined) => intIn('epochs', v, 1, 100_000);
const str = (v: Values, k: string) => v[k] as string | undefined;

/** The TrainOptions the flags ask for (numbers checked here, the rest by resolveTrainOptions). */
function trainOptions(v: Values): TrainOptions {
  const from = str(v, 'from');
  if (from === undefined) {
    for (const k of ['freeze', 'fine-tune-epochs', 'fine-tune-lr', 'preprocess']) if (v[k] !== undefined) throw new OptionError(`--${k} needs --from (a source to transfer from)`);
  }
  if (str(v, 'arch') === undefined && from === undefined) throw new OptionError(`--arch is required (${ARCHS.join(', ')})`);
  if (str(v, 'dataset') === undefined) throw new OptionError('--dataset is required (mnist, fashion-mnist or folder:PATH)');
  const fraction = (flag: string) => parseNumber(flag, str(v, flag), (n) => n >= 0 && n < 1, 'a number in [0, 1)');
  if (v.augment && v['no-augment']) throw new OptionError('--augment and --no-augment contradict each other');
  if (v['eval-test'] && v['no-eval-test']) throw new OptionError('--eval-test and --no-eval-test contradict each other');
  if (v['no-precise-bn'] && str(v, 'precise-bn') !== undefined) throw new OptionError('--precise-bn and --no-precise-bn contradict each other');
  const preciseBn = v['no-precise-bn'] ? 0
    : parseNumber('precise-bn', str(v, 'precise-bn'), (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0 (images; 0 = off)');
  const arch = oneOf('arch', str(v, 'arch'), ARCHS)!;
  if (v.minimalistic === true && arch && !isV3(arch)) throw new OptionError('--minimalistic is a V3 option (v3-small, v3-large)');
  return {
    arch,
    model: {
      alpha: parseAlpha(str(v, 'alpha')), inputShape: parseBoundedShape('input', str(v, 'input'), SIZE_LIMITS.side, 3),
      minimalistic: v.minimalistic === true ? true : undefined, init: oneOf('init', str(v, 'init'), WEIGHT_INITS),
      stemStride: parseStemStride(str(v, 'stem-stride')),
    },
    epochs: parseEpochs(str(v, 'epochs')), batchSize: intIn('batch-size', str(v, 'batch-size'), 2, MAX_BATCH),
    lr: positiveNumber('lr', str(v, 'lr')), optimizer: oneOf('optimizer', str(v, 'optimizer'), OPTIMIZERS),
    schedule: oneOf('schedule', str(v, 'schedule'), SCHEDULES),
    warmupSteps: parseNumber('warmup', str(v, 'warmup'), (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
    labelSmoothing: fraction('label-smoothing'), valSplit: fraction('val-split'),
    patience: positiveInt('patience', str(v, 'patience')),
    seed: intIn('seed', str(v, 'seed'), 0, 2 ** 32 - 1, ' (the generator keeps 32 bits)'),
    augment: v.augment === true ? true : v['no-augment'] === true ? false : undefined,
    weightDecay: parseNumber('weight-decay', str(v, 'weight-decay'), (n) => n >= 0, 'a number ≥ 0'),
    ema: fraction('ema'), preciseBn, flip: v['no-flip'] === true ? false : v.flip === true ? true : undefined,
    erase: parseNumber('erase', str(v, 'erase'), (n) => n >= 0 && n <= 1, 'a probability in [0, 1]'),
    rotate: parseNumber('rotate', str(v, 'rotate'), (n) => n >= 0 && n <= 180, 'degrees in [0, 180]'),
    scale: parseNumber('scale', str(v, 'scale'), (n) => n >= 0 && n < 1, 'a fraction in [0, 1)'),
    evalTest: v['eval-test'] === true ? true : v['no-eval-test'] === true ? false : undefined,
    target: parseNumber('target', str(v, 'target'), (n) => n > 0 && n <= 1, 'a fraction in (0, 1], e.g. 0.995'),
    limitTrain: positiveInt('limit-train', str(v, 'limit-train')), limitTest: positiveInt('limit-test', str(v, 'limit-test')),
    quantize: oneOf('quantize', str(v, 'quantize'), QUANTIZE_DTYPES),
    perClass: positiveInt('per-class', str(v, 'per-class')),
    transfer: from === undefined ? undefined : {
      from, freeze: str(v, 'freeze'),
      fineTuneEpochs: parseNumber('fine-tune-epochs', str(v, 'fine-tune-epochs'), (n) => Number.isInteger(n) && n >= 0, 'an integer ≥ 0'),
      fineTuneLr: positiveNumber('fine-tune-lr', str(v, 'fine-tune-lr')),
      preprocess: oneOf('preprocess', str(v, 'preprocess'), ['tf', 'torch', 'unit', 'raw'] as const),
    },
  };
}

function summary(r: TrainResult): string {
  if (r.status === 'unchanged') {
    const how = r.finished === 'early-stop' ? `stopped early after epoch ${r.history.length}` : `finished its ${r.history.length} epochs`;
    const more = r.finished === 'early-stop' ? '' : `; --epochs N (N > ${r.history.length}) trains it further`;
    return `nothing to do: ${r.dir} already ${how}; nothing was changed${more}`;
  }
  const t = r.test ? `test accuracy ${(100 * r.test.accuracy).toFixed(2)}%, loss ${r.test.loss.toFixed(4)}`
    : r.status !== 'interrupted' && r.counts.test === 0 ? 'no test split (the dataset has no test images), not evaluated' : 'no test evaluation';
  const q = r.quantized ? `; published with ${r.quantized.dtype} weights: test accuracy ${(100 * r.quantized.test.accuracy).toFixed(2)}%` : '';
  const reached = r.reached ? `; test accuracy first reached ${(100 * r.reached.target).toFixed(2)}% at epoch ${r.reached.epoch} (${(r.reached.elapsed / 60).toFixed(1)} min)` : '';
  const best = r.best ? `; best validation ${(100 * r.best.valAcc).toFixed(2)}% at epoch ${r.best.epoch} (best/)` : '';
  return `${r.status}: ${t}${reached}${q}${best}; run directory ${r.dir}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, OPTIONS);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const backend = oneOf('backend', str(v, 'backend'), ['auto', 'onednn', 'cpu', 'wasm'] as const) as BackendChoice | undefined;
  const ac = new AbortController();
  let signal: 'SIGINT' | 'SIGTERM' | null = null;
  const stop = (name: 'SIGINT' | 'SIGTERM') => () => { // SIGTERM (kill, systemd, docker stop) saves as Ctrl-C does
    signal ??= name;
    process.stderr.write(`\ninterrupted${name === 'SIGTERM' ? ' (SIGTERM)' : ''}: finishing this step and saving a checkpoint (${name === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to kill)\n`);
    ac.abort();
  };
  const handlers = { SIGINT: stop('SIGINT'), SIGTERM: stop('SIGTERM') };
  for (const [name, h] of Object.entries(handlers)) process.once(name, h);
  const control = { backend, signal: ac.signal, onEvent: progressPrinter() };
  try {
    let r: TrainResult;
    const resume = str(v, 'resume');
    if (resume !== undefined) {
      const extra = Object.keys(v).filter((k) => !['resume', 'epochs', 'backend'].includes(k));
      if (extra.length) throw new OptionError(`--${extra[0]} cannot be combined with --resume (the run keeps its options; only --epochs and --backend)`);
      r = await resumeTraining(resume, { ...control, epochs: parseEpochs(str(v, 'epochs')) });
    } else {
      const o = trainOptions(v);
      const out = str(v, 'out') ?? path.join('runs', `${o.arch ?? 'transfer'}-${path.basename(str(v, 'dataset')!.replace(/^folder:/, '')) || 'data'}`);
      const command = ['mobilenet', 'train', ...argv].map((a) => (/^[\w./:=@,+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
      r = await train({ ...o, ...control, dataset: str(v, 'dataset')!, out, command, overwrite: v.overwrite === true });
    }
    console.log(summary(r));
    return r.status !== 'interrupted' ? 0 : signal === 'SIGTERM' ? 143 : 130;
  } finally {
    for (const [name, h] of Object.entries(handlers)) process.removeListener(name, h);
  }
}
