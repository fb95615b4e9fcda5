/** `mobilenet predict DIR IMAGE...`: top-K classes with probabilities for each image. */
import { BackendChoice, initBackend } from '../backend/index.js';
import { predict } from '../evaluate/evaluate.js';
import { OptionError } from '../errors.js';
import { loadRun } from '../run/run-dir.js';
import { LIBVIPS_MAX_PIXELS, MAX_BYTES_LIMIT, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../data/limits.js';
import { oneOf, parseCommandArgs, positiveInt, positiveUpTo } from '../args.js';

export const describe = 'top-K classes with probabilities for PNG/JPEG images, from a trained run';

const HELP = `usage: mobilenet predict DIR IMAGE... [--top K] [--json] [--invert|--no-invert] [--best] [--backend B]
  DIR              run directory written by mobilenet train
  IMAGE...         PNG/JPEG files of any size and colour, preprocessed as the server does (transparency over
                   white; digit runs: MNIST crop/scale/centre; other runs: resized to the model input)
  --top K          classes per image (default 3)
  --json           print [{"source","top":[{"label","index","probability"}]}]
  --invert         invert the pixels first (dark digits on a light background, as MNIST is light on dark)
  --no-invert      never invert (default for one-channel models: invert when the image's border is light)
  --max-megabytes MB    largest image file read (default ${MAX_IMAGE_BYTES / 1024 / 1024}, as serve's --body-limit); devices and pipes are refused
  --max-megapixels MP   largest image decoded (default ${MAX_IMAGE_PIXELS / 1e6}, as serve's)
  --best           use DIR/best
  --backend NAME   auto|onednn|cpu|wasm (default auto)`;

export async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, {
    top: { type: 'string' }, json: { type: 'boolean' }, invert: { type: 'boolean' }, 'no-invert': { type: 'boolean' },
    best: { type: 'boolean' }, 'max-megabytes': { type: 'string' }, 'max-megapixels': { type: 'string' },
    backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length < 2) throw new OptionError('predict needs a run directory and at least one image');
  const top = positiveInt('top', v.top as string | undefined) ?? 3;
  if (v.invert && v['no-invert']) throw new OptionError('--invert and --no-invert contradict each other');
  const invert = v.invert ? true : v['no-invert'] ? false : undefined;
  const mb = positiveUpTo('max-megabytes', v['max-megabytes'] as string | undefined, MAX_BYTES_LIMIT / 1024 / 1024);
  const mp = positiveUpTo('max-megapixels', v['max-megapixels'] as string | undefined, Math.floor(LIBVIPS_MAX_PIXELS / 1e6), ' (libvips decodes no more)');
  const backend = oneOf('backend', v.backend as string | undefined, ['auto', 'onednn', 'cpu', 'wasm'] as const) as BackendChoice;
  const be = await initBackend(backend ?? 'auto');
  if (be.notice) console.error(be.notice);
  const [dir, ...images] = positionals;
  const runDir = await loadRun(dir, { best: v.best === true });
  for (const w of runDir.warnings ?? []) console.error(`mobilenet: warning: ${w}`);
  if (!v.json) console.error(`backend ${be.name}`);
  const preds = await predict(runDir, images, {
    top, invert, maxBytes: mb === undefined ? undefined : Math.max(1, Math.round(mb * 1024 * 1024)),
    maxPixels: mp === undefined ? undefined : Math.max(1, Math.round(mp * 1e6)),
  });
  if (v.json) {
    console.log(JSON.stringify(preds));
    return 0;
  }
  for (const p of preds) {
    console.log(`${p.source}: ${p.top.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join(', ')}`);
  }
  return 0;
}
