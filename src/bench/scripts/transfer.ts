/**
 * `npm run bench:transfer -- [--only a,b] [--seeds 1,2] [--head-epochs N] [--fine-tune-epochs N] [--rounds R]
 *   [--fashion-run DIR] [--out DIR] [--json]`
 * Issue 15's transfer-learning benchmark through the real CLI (each run is a `mobilenet train` process, its command
 * printed): few-label Fashion-MNIST at 96×96×3 from nsfwjs's MobileNetV2 and MNIST from our own Fashion-MNIST V2 run —
 * head on the frozen backbone, then with fine-tuning, against the same network from scratch with the same epochs —,
 * seconds per epoch of the head on cached features against fine-tuning and every layer, and fine-tuning images/s at
 * 224×224×3 batch 32 against PyTorch in interleaved rounds.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getThreads } from '../../backend/index.js';
import { parseCommandArgs, positiveInt } from '../../args.js';
import { OptionError } from '../../errors.js';
import type { HistoryRow } from '../../run/run-dir.js';
import { median } from '../rounds.js';
import {
  Epochs, TASKS, VARIANTS, VariantResult, accuracyTable, epochTable, fashionSourceArgs, parseTrainOutput, sameTimeEpochs, shellLine,
  trainArgs,
} from '../transfer-rows.js';
import { SpeedResult, speedRows, speedTable } from '../transfer-speed.js';
import { runMain } from '../../run-main.js';

const ROWS = [...Object.keys(TASKS), 'speed-224'];

const HELP = `usage: npm run bench:transfer -- [options]
  --only a,b              rows from ${ROWS.join(', ')} (default all, in that order)
  --seeds 1,2             seeds of every accuracy run (default 1)
  --head-epochs N         phase-1 epochs of every task (default: fashion-100 20, fashion-1000 5, mnist-100 20)
  --fine-tune-epochs N    phase-2 epochs of every task (default: 5, 1, 5); scratch trains head + fine-tune epochs,
                          scratch-time as many as fit in the fine-tune run's training time
  --rounds R              interleaved rounds of speed-224 (default 3)
  --fashion-run DIR       mnist-100's source: an existing Fashion-MNIST run (default: trained here,
                          mobilenet train --arch v2 --dataset fashion-mnist --epochs 3 --limit-train 10000)
  --out DIR               run directories and logs (default runs/bench-transfer)
  --reuse                 take a run whose log in --out is of the same command and finished (# wall N s) instead
                          of training it again (accuracy rows; a later bench adds rows or seeds to earlier ones)
  --json                  one JSON object instead of the markdown tables
Time with the defaults, measured on 2 shared cores (MOBILENET_THREADS=2, load average 7-12): fashion-100 15 min,
fashion-1000 27 min, mnist-100 8 min (4 of them its source run), speed-224 ~12 min (3 rounds, PyTorch included).
nsfwjs@4.4.0 (a devDependency) ships its model as model.min.js + group1-shard1of1.min.js; the bench unpacks them
to OUT/nsfwjs-mobilenet_v2/model.json + group1-shard1of1 (what tensorflowjs_converter wrote) and trains --from it
with --preprocess unit (nsfwjs divides by 255). speed-224 needs python3 with torch and torchvision
(bash scripts/setup.sh --bench); without them its PyTorch rows say so.`;

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'main.js');

/** With --reuse: a finished log of exactly this command (its first line) and its wall seconds (its last), else null. */
function reused(args: string[], log: string): { text: string; seconds: number } | null {
  if (!fs.existsSync(log)) return null;
  const text = fs.readFileSync(log, 'utf8');
  const wall = /\n# wall ([\d.]+) s\n?$/.exec(text);
  return text.startsWith(`$ ${shellLine(args)}\n`) && wall ? { text, seconds: Number(wall[1]) } : null;
}

let reuse = false;

/**
 * Runs `mobilenet ARGS` (this checkout's CLI) as its own process; the output goes to `log` (then `# wall N s`) and,
 * but for step lines, stderr. With --reuse a finished log of the same command stands for the run.
 */
function mobilenet(args: string[], log: string, mayReuse = true): Promise<{ text: string; seconds: number }> {
  const old = reuse && mayReuse ? reused(args, log) : null;
  if (old) {
    process.stderr.write(`  reusing ${log}\n`);
    return Promise.resolve(old);
  }
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: string[] = [];
    const out = fs.createWriteStream(log);
    out.write(`$ ${shellLine(args)}\n`);
    const take = (b: Buffer) => {
      const s = b.toString();
      chunks.push(s);
      out.write(s);
      for (const line of s.split('\n')) if (line && !/ step \d+\/\d+ /.test(line)) process.stderr.write(`  ${line}\n`);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const text = chunks.join('');
      out.end(() => { // flushed: the wall line, which --reuse requires, goes last
        if (code !== 0) return reject(new OptionError(`${shellLine(args)} exited ${code}: ${text.trim().split('\n').pop()} (log: ${log})`));
        fs.appendFileSync(log, `# wall ${seconds.toFixed(1)} s\n`);
        resolve({ text, seconds });
      });
    });
  });
}

/** nsfwjs's MobileNetV2 as model.json + its shard in `dir` (once). */
function unpackNsfwjs(dir: string): string {
  if (fs.existsSync(path.join(dir, 'model.json'))) return dir;
  const require = createRequire(import.meta.url);
  const main = require.resolve('nsfwjs');
  const base = path.join(main.slice(0, main.lastIndexOf(`${path.sep}dist${path.sep}`)), 'dist', 'models', 'mobilenet_v2');
  const model = require(path.join(base, 'model.min.js')) as Record<string, unknown>;
  const shard = require(path.join(base, 'group1-shard1of1.min.js')) as string;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'group1-shard1of1'), Buffer.from(shard, 'base64'));
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(model));
  return dir;
}

const history = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'history.json'), 'utf8')) as HistoryRow[];
const medianOf = (rows: HistoryRow[]) => (rows.length ? median(rows.map((r) => r.seconds)) : null);

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    only: { type: 'string' }, seeds: { type: 'string' }, 'head-epochs': { type: 'string' }, 'fine-tune-epochs': { type: 'string' },
    rounds: { type: 'string' }, 'fashion-run': { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, reuse: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const only = (v.only as string | undefined)?.split(',').map((s) => s.trim()) ?? ROWS;
  for (const n of only) if (!ROWS.includes(n)) throw new OptionError(`--only: unknown row ${JSON.stringify(n)} (expected ${ROWS.join(', ')})`);
  const seeds = (v.seeds as string | undefined)?.split(',').map((s) => positiveInt('seeds', s.trim())!) ?? [1];
  const headEpochs = positiveInt('head-epochs', v['head-epochs'] as string | undefined);
  const fineTuneEpochs = positiveInt('fine-tune-epochs', v['fine-tune-epochs'] as string | undefined);
  const rounds = positiveInt('rounds', v.rounds as string | undefined) ?? 3;
  const out = (v.out as string | undefined) ?? path.join('runs', 'bench-transfer');
  reuse = v.reuse === true;
  fs.mkdirSync(out, { recursive: true });
  const load0 = os.loadavg()[0];
  const say = (m: string) => process.stderr.write(`${m}\n`);
  const tasks = only.filter((n) => Object.hasOwn(TASKS, n)).map((n) => TASKS[n]);
  const nsfw = tasks.some((t) => t.source === 'nsfwjs') || only.includes('speed-224') ? unpackNsfwjs(path.join(out, 'nsfwjs-mobilenet_v2')) : '';
  let fashionRun = v['fashion-run'] as string | undefined;
  let sourceCommand: string | null = null;
  if (tasks.some((t) => t.source === 'fashion-run') && !fashionRun) {
    fashionRun = path.join(out, 'fashion-v2-source');
    const args = fashionSourceArgs(3, 10000, fashionRun);
    sourceCommand = shellLine(args);
    say(`bench: mnist-100's source: ${sourceCommand}`);
    await mobilenet(args, `${fashionRun}.log`);
  }
  const results: VariantResult[] = [];
  for (const t of tasks) {
    const e: Epochs = { head: headEpochs ?? t.headEpochs, fineTune: fineTuneEpochs ?? t.fineTuneEpochs };
    for (const variant of VARIANTS) {
      const r: VariantResult = {
        task: t.name, variant, seeds, accuracies: [], minutes: [], epochs: e, headEpochSeconds: null, fineTuneEpochSeconds: null,
        scratchEpochSeconds: null, embedSeconds: null, command: '', elapsed: null,
      };
      if (variant === 'scratch-time') {
        const ft = results.find((x) => x.task === t.name && x.variant === 'fine-tune')!, sc = results.find((x) => x.task === t.name && x.variant === 'scratch')!;
        r.epochs = { ...e, sameTime: sameTimeEpochs(ft.elapsed!, sc.elapsed!, e.head + e.fineTune) };
      }
      for (const seed of seeds) {
        const dir = path.join(out, `${t.name}-${variant}-s${seed}`);
        const args = trainArgs(t, variant, r.epochs, seed, t.source === 'nsfwjs' ? nsfw : fashionRun!, dir);
        say(`bench: ${t.name} ${variant}, seed ${seed}: ${shellLine(args)}`);
        const run = await mobilenet(args, `${dir}.log`);
        const o = parseTrainOutput(run.text);
        r.accuracies.push(o.testAccuracy);
        r.minutes.push(run.seconds / 60);
        if (seed === seeds[0]) {
          r.command = shellLine(args);
          const h = history(dir);
          r.elapsed = h.at(-1)?.elapsed ?? null;
          if (variant.startsWith('scratch')) r.scratchEpochSeconds = medianOf(h);
          else {
            r.headEpochSeconds = medianOf(h.slice(0, e.head));
            r.fineTuneEpochSeconds = variant === 'fine-tune' ? medianOf(h.slice(e.head)) : null;
            r.embedSeconds = o.embedSeconds;
          }
        }
      }
      results.push(r);
    }
  }
  let speed: SpeedResult | null = null;
  if (only.includes('speed-224')) {
    const data = ['--dataset', 'fashion-mnist', '--input', '224x224x3', '--limit-train', '320', '--limit-test', '32', '--batch-size', '32'];
    const plan = (who: 'ours fine-tune' | 'ours every layer') => {
      const dir = path.join(out, `speed-224-${who === 'ours fine-tune' ? 'fine-tune' : 'every-layer'}`);
      const args = ['train', '--from', nsfw, '--preprocess', 'unit', '--no-augment', '--no-flip', ...data, '--epochs', '1',
        ...(who === 'ours fine-tune' ? ['--fine-tune-epochs', '1'] : ['--freeze', 'none']), '--out', dir, '--overwrite'];
      return {
        command: shellLine(args),
        run: async () => {
          const ips = parseTrainOutput((await mobilenet(args, `${dir}.log`, false)).text).epochImgPerSec.at(-1); // every round measures
          if (ips === undefined) throw new Error('no epoch line with img/s');
          return ips;
        },
      };
    };
    speed = await speedRows({ ours: plan, steps: 10, batch: 32, threads: getThreads() }, rounds, say);
  }
  const machine = `${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, MOBILENET_THREADS=${getThreads()}, `
    + `Node ${process.versions.node}, load average ${load0.toFixed(1)} at the start and ${os.loadavg()[0].toFixed(1)} at the end; `
    + `${new Date().toISOString().slice(0, 16)}Z`;
  if (v.json) {
    console.log(JSON.stringify({ machine, command: `npm run bench:transfer -- ${argv.join(' ')}`.trim(), sourceCommand, fashionRun: fashionRun ?? null, results, speed }));
    return 0;
  }
  console.log(`Transfer learning (${machine}; \`npm run bench:transfer -- ${argv.join(' ')}\`)`);
  if (results.length) {
    console.log(`\n${accuracyTable(results)}\n`);
    if (sourceCommand) console.log(`mnist-100's source: \`${sourceCommand}\`\n`);
    console.log(`Seconds per epoch (median, first seed):\n\n${epochTable(results)}`);
  }
  if (speed) console.log(`\nFine-tuning at 224×224×3, batch 32, ${getThreads()} threads${speed.torch ? `, torch ${speed.torch}` : ''}:\n\n${speedTable(speed)}`);
  return 0;
}

void runMain('bench', main);
