/** `mobilenet eval DIR`: test metrics, confusion table, confusion.svg and the most confident mistakes as a PNG. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BackendChoice, initBackend } from '../backend/index.js';
import { evaluate } from '../evaluate/evaluate.js';
import { mistakesPng } from '../evaluate/grid.js';
import { confusionSvg } from '../evaluate/svg.js';
import { evalText } from '../evaluate/text.js';
import { OptionError } from '../errors.js';
import { writeFileAtomic } from '../format/layers-format.js';
import { checkWritable, writeFailure } from '../fs-errors.js';
import { loadRun } from '../run/run-dir.js';
import { oneOf, parseCommandArgs, positiveInt } from '../args.js';

export const describe = 'test accuracy, per-class precision/recall/F1, confusion matrix and worst mistakes of a trained run';

const HELP = `usage: mobilenet eval DIR [--dataset SPEC] [--ignore-labels] [--best] [--json] [--limit N] [--out DIR2] [--backend B]
  DIR              run directory written by mobilenet train
  --dataset SPEC   mnist, fashion-mnist or folder:PATH (default: the one it was trained on)
  --ignore-labels  evaluate although the dataset's labels (names or order) are not the run's (refused otherwise)
  --best           evaluate DIR/best (the best validation checkpoint) instead of the last model
  --json           print {"accuracy","loss","perClass":[...],"confusion":[[...]]} only
  --limit N        only the first N test images
  --out DIR2       where confusion.svg and mistakes.png go (default DIR/eval, or DIR/best/eval)
  --backend NAME   auto|onednn|cpu|wasm (default auto)`;

/** Checks, before any work, that `out` can hold the eval files: not a file, not read-only. */
async function checkOutputDir(out: string, given: boolean): Promise<void> {
  const st = await fs.stat(out).catch(() => null);
  if (st && !st.isDirectory()) throw new OptionError(`--out ${out} is a file, not a directory`);
  await checkWritable(out, given ? 'choose another --out' : 'write the eval files elsewhere with --out DIR2');
}

export async function run(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(argv, {
    dataset: { type: 'string' }, 'ignore-labels': { type: 'boolean' }, best: { type: 'boolean' }, json: { type: 'boolean' }, limit: { type: 'string' },
    out: { type: 'string' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new OptionError(`eval takes one run directory, got ${positionals.length} arguments`);
  const limit = positiveInt('limit', v.limit as string | undefined);
  const backend = oneOf('backend', v.backend as string | undefined, ['auto', 'onednn', 'cpu', 'wasm'] as const) as BackendChoice;
  const be = await initBackend(backend ?? 'auto');
  if (be.notice) console.error(be.notice);
  const dir = positionals[0];
  const runDir = await loadRun(dir, { best: v.best === true });
  const out = (v.out as string | undefined) ?? path.join(dir, v.best ? 'best' : '', 'eval');
  await checkOutputDir(out, v.out !== undefined);
  if (!v.json) console.error(`backend ${be.name}; evaluating ${v.best ? path.join(dir, 'best') : dir}`);
  const r = await evaluate(runDir, v.dataset as string | undefined, { limit, ignoreLabels: v['ignore-labels'] === true });
  await fs.mkdir(out, { recursive: true }).catch((e) => { throw writeFailure(e, out); });
  const svgFile = path.join(out, 'confusion.svg');
  const pngFile = path.join(out, 'mistakes.png');
  await writeFileAtomic(svgFile, confusionSvg(r.confusion, runDir.meta.labels));
  await writeFileAtomic(pngFile, await mistakesPng(r.split, r.mistakes));
  if (v.json) {
    console.log(JSON.stringify({ accuracy: r.accuracy, loss: r.loss, count: r.count, perClass: r.perClass, confusion: r.confusion,
      mistakes: r.mistakes, files: { confusion: svgFile, mistakes: pngFile } }));
    return 0;
  }
  console.log(evalText(r, runDir.meta.labels));
  const labels = runDir.meta.labels;
  console.log(`\n${r.mistakes.length} most confident mistakes (${pngFile}, row by row):`);
  console.log(r.mistakes.map((m, i) => `  ${i + 1}. #${m.index} ${labels[m.label]} taken for ${labels[m.predicted]} (${(100 * m.confidence).toFixed(1)}%)`).join('\n'));
  console.log(`confusion matrix: ${svgFile}`);
  return 0;
}
