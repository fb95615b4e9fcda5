/** `mobilenet embed RUN IMAGE...`: the pooled penultimate features (or a named layer's) of each image. */
import type { EmbedJson } from '../api-types.js';
import { BackendChoice, initBackend } from '../backend/index.js';
import { embed } from '../evaluate/embed.js';
import { OptionError } from '../errors.js';
import { loadRun } from '../run/run-dir.js';
import { intIn, oneOf, parseCommandArgs } from '../args.js';
import { IMAGE_HELP, IMAGE_OPTIONS, imageOptions } from './image-options.js';

export const describe = 'feature vectors (pooled penultimate features, or a named layer\'s) of PNG/JPEG images';

const MAX_EMBED_BATCH = 1024;

const HELP = `usage: mobilenet embed RUN IMAGE... [--layer NAME] [--json] [--batch-size N] [--best] [--backend B]
  RUN              run directory (mobilenet train or mobilenet pretrained; a quantized run: its float model)
  IMAGE...         PNG/JPEG files, read and preprocessed as predict reads them (the run's normalization)
  --layer NAME     the features of this layer (mobilenet summary RUN lists them); a 4-D output [H, W, C] is
                   global-average-pooled to C values, other outputs are taken as they are (flattened).
                   Default: the pooled penultimate features, as @tensorflow-models/mobilenet's infer(img, true):
                   the global_average_pooling2d output before the classifier; a --no-top run: its own output
  --json           print {"IMAGE": [values...], ...}
  --batch-size N   images per model call (default 32, at most ${MAX_EMBED_BATCH}); the values do not depend on it
${IMAGE_HELP}
  --best           use RUN/best
  --backend NAME   auto|onednn|cpu|wasm (default auto; onednn runs the batches through the native engine)`;

/** Up to `k` values, 4 decimals. */
const head = (f: Float32Array, k = 4) => `[${Array.from(f.subarray(0, k), (x) => x.toFixed(4)).join(', ')}${f.length > k ? ', …' : ''}]`;
const norm = (f: Float32Array) => Math.sqrt(f.reduce((s, x) => s + x * x, 0));

export async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, {
    layer: { type: 'string' }, json: { type: 'boolean' }, 'batch-size': { type: 'string' }, ...IMAGE_OPTIONS,
    best: { type: 'boolean' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length < 2) throw new OptionError('embed needs a run directory and at least one image');
  const batchSize = intIn('batch-size', v['batch-size'] as string | undefined, 1, MAX_EMBED_BATCH) ?? 32;
  const images = imageOptions(v);
  if (v.layer !== undefined && (v.layer as string).trim() === '') throw new OptionError('--layer needs a layer name');
  const backend = oneOf('backend', v.backend as string | undefined, ['auto', 'onednn', 'cpu', 'wasm'] as const) as BackendChoice;
  const be = await initBackend(backend ?? 'auto');
  if (be.notice) console.error(be.notice);
  const [dir, ...files] = positionals;
  const runDir = await loadRun(dir, { best: v.best === true });
  for (const w of runDir.warnings ?? []) console.error(`mobilenet: warning: ${w}`);
  const r = await embed(runDir, files, { layer: v.layer as string | undefined, batchSize, ...images });
  if (r.notice) console.error(r.notice);
  if (v.json) {
    const out: EmbedJson = {};
    for (const e of r.embeddings) out[e.source] = Array.from(e.features);
    console.log(JSON.stringify(out));
    return 0;
  }
  console.error(`backend ${be.name} (${r.runner}), layer ${r.layer}${r.pooled ? ' (global average pooled)' : ''}, ${r.dimension} values an image`);
  for (const e of r.embeddings) console.log(`${e.source}: ${r.dimension}-d ${head(e.features)} L2 ${norm(e.features).toFixed(4)}`);
  return 0;
}
