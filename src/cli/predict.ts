/** `mobilenet predict DIR IMAGE...`: top-K classes with probabilities for each image. */
import { BackendChoice, initBackend } from '../backend/index.js';
import { predict } from '../evaluate/evaluate.js';
import { OptionError } from '../errors.js';
import { loadRun } from '../run/run-dir.js';
import { oneOf, parseCommandArgs, positiveInt } from '../args.js';
import { IMAGE_HELP, IMAGE_OPTIONS, imageOptions } from './image-options.js';

export const describe = 'top-K classes with probabilities for PNG/JPEG images, from a trained run';

const HELP = `usage: mobilenet predict DIR IMAGE... [--top K] [--json] [--invert|--no-invert] [--best] [--backend B]
  DIR              run directory written by mobilenet train
  IMAGE...         PNG/JPEG files of any size and colour, preprocessed as the server does (transparency over
                   white; digit runs: MNIST crop/scale/centre; other runs: resized to the model input)
  --top K          classes per image (default 3)
  --json           print [{"source","top":[{"label","index","probability"}]}]
${IMAGE_HELP}
  --best           use DIR/best
  --backend NAME   auto|onednn|cpu|wasm (default auto)`;

export async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, {
    top: { type: 'string' }, json: { type: 'boolean' }, ...IMAGE_OPTIONS,
    best: { type: 'boolean' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length < 2) throw new OptionError('predict needs a run directory and at least one image');
  const top = positiveInt('top', v.top as string | undefined) ?? 3;
  const images = imageOptions(v);
  const backend = oneOf('backend', v.backend as string | undefined, ['auto', 'onednn', 'cpu', 'wasm'] as const) as BackendChoice;
  const be = await initBackend(backend ?? 'auto');
  if (be.notice) console.error(be.notice);
  const [dir, ...files] = positionals;
  const runDir = await loadRun(dir, { best: v.best === true });
  for (const w of runDir.warnings ?? []) console.error(`mobilenet: warning: ${w}`);
  if (!v.json) console.error(`backend ${be.name}`);
  const preds = await predict(runDir, files, { top, ...images });
  if (v.json) {
    console.log(JSON.stringify(preds));
    return 0;
  }
  for (const p of preds) {
    console.log(`${p.source}: ${p.top.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join(', ')}`);
  }
  return 0;
}
