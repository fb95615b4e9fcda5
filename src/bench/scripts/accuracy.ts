/**
 * `node dist/src/bench/scripts/accuracy.js [--only a,b] [--seeds 1,2,3] [--json] [--backend B] [--epochs N]
 *   [--limit-train N] [--limit-test N] [--out DIR] [--int8] [--run DIR,DIR] [--int8-methods a,b] [--calibrate N]`
 * Trains the accuracy runs of issue 9 with the default recipe (the bare `mobilenet train` commands, test accuracy
 * measured after every epoch) and prints one table row per run (accuracy-table.ts): seeds, test accuracy mean ±
 * standard deviation over the seeds, the worst seed, the spread of the last three epochs' test accuracy, epochs, wall
 * minutes, minutes until test accuracy first reached the target, train img/s, backend, threads, command; the
 * machine in the title. Each seed is a normal run directory under --out. With --int8 each run is also quantized
 * per calibration method and scored int8 against float (int8-accuracy.ts); --run DIR does that for existing runs,
 * training nothing.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { BackendChoice, getThreads, initBackend } from '../../backend/index.js';
import { oneOf, parseCommandArgs, parseNumber, positiveInt, positiveNumber } from '../../args.js';
import { OptionError } from '../../errors.js';
import { progressPrinter } from '../../train/progress.js';
import { TrainResult, train } from '../../train/train.js';
import { BenchRun, RecipeOverrides, Row, commandOf, rowOf, table, withOverrides } from '../accuracy-table.js';
import { int8AccuracyRows } from '../int8-accuracy.js';
import { DEFAULT_INT8_METHODS, Int8AccuracyRow, int8Table, parseInt8Options } from '../int8-accuracy-table.js';
import { DEFAULT_CALIBRATION } from '../../quantize/quantize-run.js';
import { runMain } from '../../run-main.js';

/**
 * Issue 9's targets: MNIST V2 mean of 3 seeds ≥ 99.6% (none < 99.5%), V1 ≥ 99.6%, Fashion-MNIST V2 ≥ 94% / V1 ≥ 93.5%;
 * issue 10's: V3-Small and V3-Large ≥ 99.5% on MNIST in ≤ 10 epochs.
 */
export const RUNS: Record<string, BenchRun> = {
  'v2-mnist-1ep': { target: 0.975, seeds: [1], cfg: { arch: 'v2', dataset: 'mnist', epochs: 1 } },
  'v2-mnist': { target: 0.995, seeds: [1, 2, 3], cfg: { arch: 'v2', dataset: 'mnist' } },
  'v1-mnist': { target: 0.995, seeds: [1], cfg: { arch: 'v1', dataset: 'mnist' } },
  'v2-fashion': { target: 0.93, seeds: [1], cfg: { arch: 'v2', dataset: 'fashion-mnist', epochs: 20 } },
  'v1-fashion': { target: 0.93, seeds: [1], cfg: { arch: 'v1', dataset: 'fashion-mnist', epochs: 20 } },
  'v3-small-mnist': { target: 0.995, seeds: [1], cfg: { arch: 'v3-small', dataset: 'mnist' } },
  'v3-large-mnist': { target: 0.995, seeds: [1], cfg: { arch: 'v3-large', dataset: 'mnist' } },
};

const HELP = `usage: node dist/src/bench/scripts/accuracy.js [options]
  --only a,b        runs to do, from ${Object.keys(RUNS).join(', ')} (default: all, in that order)
  --seeds 1,2       seeds of every run (default: 1, 2, 3 for v2-mnist, 1 for the others)
  --epochs N        override every run's epochs (quick checks)
  --limit-train N   first N training images only (smoke runs); --limit-test N likewise
  --stem-stride 1|2, --weight-decay X, --lr X, --no-augment
                    change that lever in every run (the recipe experiments planned in docs/accuracy.md §6); the
                    commands in the table say so
  --backend NAME    auto|onednn|cpu|wasm (default auto)
  --out DIR         parent of the run directories (default runs/bench)
  --int8            also quantize every run (as mobilenet quantize: calibration images from its training data) and
                    score it: float vs int8 test accuracy and top-1 agreement, per calibration method
  --run DIR,DIR     do that for existing run directories instead (trains nothing; implies --int8)
  --int8-methods a,b  calibration methods (default ${DEFAULT_INT8_METHODS.join(',')})
  --calibrate N     calibration images (default ${DEFAULT_CALIBRATION})
  --json            one JSON object instead of the markdown table`;

/** Options that only shape training: refused with --run. */
const TRAINING_FLAGS = ['only', 'seeds', 'epochs', 'limit-train', 'out', 'stem-stride', 'weight-decay', 'lr', 'no-augment'] as const;

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    only: { type: 'string' }, seeds: { type: 'string' }, json: { type: 'boolean' }, backend: { type: 'string' }, epochs: { type: 'string' },
    'limit-train': { type: 'string' }, 'limit-test': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    'stem-stride': { type: 'string' }, 'weight-decay': { type: 'string' }, lr: { type: 'string' }, 'no-augment': { type: 'boolean' },
    int8: { type: 'boolean' }, run: { type: 'string' }, 'int8-methods': { type: 'string' }, calibrate: { type: 'string' },
  });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const names = (v.only as string | undefined)?.split(',').map((s) => s.trim()) ?? Object.keys(RUNS);
  for (const n of names) if (!Object.hasOwn(RUNS, n)) throw new OptionError(`--only: unknown run ${JSON.stringify(n)} (expected ${Object.keys(RUNS).join(', ')})`);
  const seeds = (v.seeds as string | undefined)?.split(',').map((s) => positiveInt('seeds', s.trim())!);
  const backend = oneOf('backend', v.backend as string | undefined, ['auto', 'onednn', 'cpu', 'wasm'] as const) as BackendChoice | undefined;
  const epochs = positiveInt('epochs', v.epochs as string | undefined);
  const limitTrain = positiveInt('limit-train', v['limit-train'] as string | undefined);
  const limitTest = positiveInt('limit-test', v['limit-test'] as string | undefined);
  const outRoot = (v.out as string | undefined) ?? path.join('runs', 'bench');
  const stride = oneOf('stem-stride', v['stem-stride'] as string | undefined, ['1', '2'] as const);
  const overrides: RecipeOverrides = {
    stemStride: stride === undefined ? undefined : stride === '1' ? 1 : 2,
    weightDecay: parseNumber('weight-decay', v['weight-decay'] as string | undefined, (n) => n >= 0, 'a number ≥ 0'),
    lr: positiveNumber('lr', v.lr as string | undefined), augment: v['no-augment'] === true ? false : undefined,
  };
  const int8 = parseInt8Options(v, TRAINING_FLAGS.filter((f) => v[f] !== undefined));
  const progress = (msg: string) => console.error(`bench: ${msg}`);
  const int8Rows: Int8AccuracyRow[] = [];
  const scoreInt8 = async (dir: string, name: string) => {
    if (int8.enabled) int8Rows.push(...await int8AccuracyRows(dir, name, { ...int8, limitTest, onProgress: progress }));
  };
  const rows: Row[] = [];
  if (int8.runs.length) await initBackend(backend ?? 'auto');
  for (const dir of int8.runs) await scoreInt8(dir, dir);
  for (const name of int8.runs.length ? [] : names) {
    const run = { ...RUNS[name], cfg: withOverrides(RUNS[name].cfg, overrides) };
    const done: Array<{ r: TrainResult; wallMinutes: number; seed: number }> = [];
    for (const seed of seeds ?? run.seeds) {
      console.error(`bench: ${name}, seed ${seed}`);
      const t0 = performance.now();
      const r = await train({
        ...run.cfg, seed, epochs: epochs ?? run.cfg.epochs, limitTrain, limitTest, backend, evalTest: true, target: run.target,
        out: path.join(outRoot, `${name}-s${seed}`), overwrite: true, // its own runs
        command: commandOf(run.cfg, seed, epochs),
        onEvent: progressPrinter({ out: process.stderr, err: process.stderr }),
      });
      done.push({ r, wallMinutes: (performance.now() - t0) / 60000, seed });
      await scoreInt8(path.join(outRoot, `${name}-s${seed}`), `${name} s${seed}`);
    }
    rows.push(rowOf(name, run, done, getThreads(), epochs));
  }
  const machine = `${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.versions.node}, ` +
    `load average ${os.loadavg()[0].toFixed(1)} at the end; ${new Date().toISOString().slice(0, 16)}Z`;
  const cmd = `\`node dist/src/bench/scripts/accuracy.js ${argv.join(' ')}\``;
  if (v.json) console.log(JSON.stringify({ machine, rows, ...(int8.enabled ? { int8: int8Rows } : {}) }));
  else {
    const parts = rows.length ? [`Test accuracy (${machine}; ${cmd}):\n\n${table(rows)}`] : [];
    if (int8.enabled) {
      parts.push(`Int8 post-training quantization, float vs int8 test accuracy (${machine}; ${cmd}):\n\n${int8Table(int8Rows)}`);
    }
    console.log(parts.join('\n\n'));
  }
  return 0;
}

void runMain('bench', main);
