/** `mobilenet pretrained`: a run directory from pretrained weights (Keras's imagenet files, a .h5, a TF.js model, a run). */
import { initBackend } from '../backend/index.js';
import { PREPROCESS_MODES } from '../data/preprocess.js';
import { OptionError } from '../errors.js';
import { ARCHS } from '../models/presets.js';
import { oneOf, parseCommandArgs, parseShape, positiveNumber } from '../args.js';
import { pretrained } from '../weights/pretrained.js';

export const describe = 'a run directory from pretrained weights (Keras imagenet files, .h5, TF.js model, run)';

const HELP = `usage: mobilenet pretrained --arch ARCH --weights imagenet|FILE|DIR --out RUN [options]
  --arch ARCH              ${ARCHS.join(', ')} (required)
  --weights SRC            imagenet (Keras's file for arch/alpha/rows, cached in $KERAS_HOME/models, default
                           ~/.keras/models; downloaded once, from $MOBILENET_WEIGHTS_URL if set), a Keras .h5 /
                           .weights.h5 file, a TF.js model.json or its directory, or a run directory (required)
  --out RUN                the run directory to write (required)
  --alpha A                width multiplier (default: the source's; 1 for imagenet)
  --input HxWx3            input shape (default: the source's; imagenet: 224x224x3, or the size Keras's file has)
  --no-top                 drop the classifier: a feature extractor, with --pooling avg|max
  --pooling avg|max        global pooling of the features (with --no-top)
  --minimalistic           V3: the minimalistic variant
  --preprocess MODE        ${PREPROCESS_MODES.join('|')}: input scaling for a source that does not record it
                           (Keras's preprocess_input modes; unit: x/255; raw: 0..255 as is); default tf (V3: raw)
  --overwrite              replace a run already at --out
  --json                   print the result as one JSON object`;

const OPTIONS = {
  arch: { type: 'string' }, weights: { type: 'string' }, out: { type: 'string' }, alpha: { type: 'string' },
  input: { type: 'string' }, 'no-top': { type: 'boolean' }, pooling: { type: 'string' }, minimalistic: { type: 'boolean' },
  preprocess: { type: 'string' }, overwrite: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

/** A one-line progress bar on a TTY (redrawn in place), nothing otherwise (plain lines come from onProgress). */
function bar(err: NodeJS.WriteStream): ((r: number, t: number | null) => void) | undefined {
  if (!err.isTTY) return undefined;
  return (r, t) => {
    const width = 30;
    const done = t ? Math.round((width * r) / t) : 0;
    err.write(`\r\x1b[2K[${'='.repeat(done)}${' '.repeat(width - done)}] ${(r / 1e6).toFixed(1)}${t ? ` of ${(t / 1e6).toFixed(1)}` : ''} MB`);
    if (t && r >= t) err.write('\r\x1b[2K');
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, OPTIONS, true);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length) throw new OptionError(`pretrained takes no positional arguments, got ${positionals.join(' ')}`);
  if (v.arch === undefined) throw new OptionError(`--arch is required (${ARCHS.join(', ')})`);
  if (v.weights === undefined) throw new OptionError('--weights is required (imagenet, a .h5 file, a TF.js model or a run directory)');
  if (v.out === undefined) throw new OptionError('--out is required (the run directory to write)');
  const arch = oneOf('arch', v.arch as string, ARCHS)!;
  const pooling = oneOf('pooling', v.pooling as string | undefined, ['avg', 'max'] as const);
  if (pooling && !v['no-top']) throw new OptionError('--pooling applies only with --no-top');
  if (v['no-top'] && !pooling) throw new OptionError('--no-top needs --pooling avg|max (a run outputs [batch, features])');
  await initBackend('cpu'); // building the model and checking it once: no training here
  const tty = process.stderr.isTTY;
  const r = await pretrained({
    arch, weights: v.weights as string, out: v.out as string,
    alpha: positiveNumber('alpha', v.alpha as string | undefined), inputShape: parseShape('input', v.input as string | undefined),
    includeTop: !v['no-top'], pooling: pooling ?? null, minimalistic: v.minimalistic === true ? true : undefined,
    preprocess: oneOf('preprocess', v.preprocess as string | undefined, PREPROCESS_MODES),
    overwrite: v.overwrite === true, command: ['mobilenet', 'pretrained', ...argv].join(' '),
    onProgress: (m) => { if (!tty || !/^\s+\d+%/.test(m)) console.error(m); }, onBytes: bar(process.stderr),
  });
  if (r.notice) console.error(r.notice);
  if (v.json) console.log(JSON.stringify({ dir: r.dir, source: r.source, loaded: r.loaded, notice: r.notice ?? null, meta: r.meta }));
  else {
    const m = r.meta;
    console.log(`wrote ${r.dir}: MobileNet ${m.arch} alpha ${m.buildOptions.alpha} ${m.inputShape.join('x')}, ` +
      `${m.output === 'features' ? `features (${m.buildOptions.pooling} pooling)` : `${m.labels.length} classes`}, ` +
      `${r.loaded} layers from ${r.source}, preprocess ${m.preprocess}`);
  }
  return 0;
}
