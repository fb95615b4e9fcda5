/**
 * `node dist/src/bench/scripts/accuracy.js [--only a,b] [--json] [--backend B] [--epochs N] [--limit-train N] [--limit-test N] [--out DIR]`
 * Runs the accuracy trainings of the training issue and prints the table: arch, dataset, epochs,
 * test accuracy, wall minutes, backend, training img/s. Each run is a normal run directory under --out.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendChoice } from '../../backend/index.js';
import { oneOf, parseCommandArgs, positiveInt } from '../../cli/args.js';
import { MobileNetError, OptionError } from '../../errors.js';
import { progressPrinter } from '../../train/progress.js';
import { TrainConfig, train } from '../../train/train.js';

/** The targets: MNIST ≥ 99.5% (V1, V2, ≤ 10 epochs), Fashion-MNIST ≥ 93% (V2), 1 epoch V2 MNIST ≥ 97.5%. */
export const RUNS: Record<string, { target: number; cfg: Omit<TrainConfig, 'out'> }> = {
  'v2-mnist-1ep': { target: 0.975, cfg: { arch: 'v2', dataset: 'mnist', epochs: 1 } },
  'v1-mnist': { target: 0.995, cfg: { arch: 'v1', dataset: 'mnist', epochs: 10, augment: true } },
  'v2-mnist': { target: 0.995, cfg: { arch: 'v2', dataset: 'mnist', epochs: 10, augment: true } },
  'v2-fashion': { target: 0.93, cfg: { arch: 'v2', dataset: 'fashion-mnist', epochs: 20, augment: true, labelSmoothing: 0.1 } },
};

const HELP = `usage: node dist/src/bench/scripts/accuracy.js [options]
  --only a,b        runs to do, from ${Object.keys(RUNS).join(', ')} (default: all, in that order)
  --epochs N        override every run's epochs (quick checks)
  --limit-train N   first N training images only (smoke runs); --limit-test N likewise
  --backend NAME    auto|onednn|cpu|wasm (default auto)
  --out DIR         parent of the run directories (default runs/bench)
  --json            one JSON object instead of the markdown table`;

interface Row {
  run: string; arch: string; dataset: string; epochs: number; testAccuracy: number; target: number;
  wallMinutes: number; backend: string; imgPerSec: number; dir: string;
}

function table(rows: Row[]): string {
  return ['| run | arch | dataset | epochs | test accuracy | target | wall min | backend | train img/s |',
    '|---|---|---|---:|---:|---:|---:|---|---:|',
    ...rows.map((r) => `| ${r.run} | ${r.arch} | ${r.dataset} | ${r.epochs} | ${(100 * r.testAccuracy).toFixed(2)}% | ` +
      `${(100 * r.target).toFixed(1)}% | ${r.wallMinutes.toFixed(1)} | ${r.backend} | ${r.imgPerSec.toFixed(0)} |`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    only: { type: 'string' }, json: { type: 'boolean' }, backend: { type: 'string' }, epochs: { type: 'string' },
    'limit-train': { type: 'string' }, 'limit-test': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const names = (v.only as string | undefined)?.split(',').map((s) => s.trim()) ?? Object.keys(RUNS);
  for (const n of names) if (!Object.hasOwn(RUNS, n)) throw new OptionError(`--only: unknown run ${JSON.stringify(n)} (expected ${Object.keys(RUNS).join(', ')})`);
  const backend = oneOf('backend', v.backend as string | undefined, ['auto', 'onednn', 'cpu', 'wasm'] as const) as BackendChoice | undefined;
  const epochs = positiveInt('epochs', v.epochs as string | undefined);
  const limitTrain = positiveInt('limit-train', v['limit-train'] as string | undefined);
  const limitTest = positiveInt('limit-test', v['limit-test'] as string | undefined);
  const outRoot = (v.out as string | undefined) ?? path.join('runs', 'bench');
  const rows: Row[] = [];
  for (const name of names) {
    const { cfg, target } = RUNS[name];
    console.error(`bench: ${name}`);
    const t0 = performance.now();
    const r = await train({
      ...cfg, epochs: epochs ?? cfg.epochs, limitTrain, limitTest, backend, out: path.join(outRoot, name), overwrite: true, // its own runs
      command: `node dist/src/bench/scripts/accuracy.js ${argv.join(' ')} (run ${name})`,
      onEvent: progressPrinter({ out: process.stderr, err: process.stderr }),
    });
    const seconds = r.history.reduce((s, h) => s + h.seconds, 0);
    const images = r.counts.train * r.history.length;
    rows.push({
      run: name, arch: cfg.arch, dataset: String(cfg.dataset), epochs: r.history.length, testAccuracy: r.test?.accuracy ?? NaN, target,
      wallMinutes: (performance.now() - t0) / 60000, backend: r.backend, imgPerSec: images / seconds, dir: r.dir,
    });
  }
  const machine = `${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.versions.node}; ${new Date().toISOString().slice(0, 16)}Z`;
  if (v.json) console.log(JSON.stringify({ machine, rows }));
  else console.log(`Test accuracy (${machine}; \`node dist/src/bench/scripts/accuracy.js ${argv.join(' ')}\`):\n\n${table(rows)}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    console.error(`bench: ${e instanceof MobileNetError ? '' : 'internal error: '}${(e as Error)?.message ?? String(e)}`);
    process.exitCode = e instanceof MobileNetError ? e.exitCode : 1;
  },
);
