/**
 * `node dist/src/bench/scripts/torch-parity.js [--arch v1|v2] [--steps N] [--batch N] [--lr X] [--seed N]
 *   [--dir DIR] [--python PATH] [--graph-only] [--json]`
 *
 * Our training step against PyTorch's on identical weights and data: builds the model (mnist preset,
 * logits head; V1 without its 1e-3 dropout, which draws from an unseeded generator), writes its graph and
 * initial weights, runs `--steps` steps of our real training step (Adam, softmax cross-entropy, batch
 * statistics) on the first MNIST training images, records losses, step-1 gradients, final weights, moving
 * statistics and inference logits, then runs scripts/torch/parity.py, which replays the same steps in a
 * PyTorch replica and measures how far apart they are and how much each PyTorch convention (symmetric
 * padding, BN eps 1e-5, unbiased moving variance, Adam eps 1e-8) changes the same steps.
 * `--graph-only` writes DIR/graph.json and stops (the recipe experiments of scripts/torch/ use it).
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BackendChoice, initBackend } from '../../backend/index.js';
import { oneOf, parseCommandArgs, positiveInt, positiveNumber } from '../../args.js';
import { iterateBatches } from '../../data/batches.js';
import { loadDataset } from '../../data/datasets.js';
import { MobileNetError } from '../../errors.js';
import { buildModel } from '../../models/presets.js';
import { crossEntropyFromLogits } from '../../evaluate/loss.js';
import { makeOptimizer } from '../../train/optimizer.js';
import { trainStep, trainableVariables } from '../../train/step.js';
import { batchNormLayers } from '../../train/precise-bn.js';
import { describeGraph, writeFloats, writeWeights } from '../torch-graph.js';
import { runMain } from '../../run-main.js';

const HELP = `usage: node dist/src/bench/scripts/torch-parity.js [options]
  --arch v1|v2      (default v2)
  --steps N         training steps compared (default 3)
  --batch N         images per step (default 64)
  --lr X            Adam learning rate (default 1e-3)
  --seed N          initialisation (default 1)
  --dir DIR         where the exchanged files go (default a temporary folder)
  --python PATH     Python with torch (default /usr/bin/python3)
  --graph-only      only write DIR/graph.json (for scripts/torch/recipe.py)
  --backend NAME    auto|onednn|cpu (default auto; cpu is pure JS: use --steps 1 --batch 16)
  --json            print the comparison as one JSON object`;

/** The first steps × batch training images, normalised: x [S·B, H, W, C], y [S·B]. */
function firstImages(ds: Awaited<ReturnType<typeof loadDataset>>, n: number): { x: Float32Array; y: Int32Array } {
  const batch = iterateBatches(ds.train, { batchSize: n, mean: ds.mean, std: ds.std }).next().value!;
  return { x: batch.x, y: batch.y };
}

/** Step-1 loss, logits and gradients, leaving the moving statistics as they were. */
function probe(model: tfl.LayersModel, xs: tf.Tensor4D, ys: tf.Tensor1D) {
  const bns = batchNormLayers(model);
  const saved = bns.map((l) => [l.movingMean.read().clone(), l.movingVariance.read().clone()]);
  const vars = trainableVariables(model);
  let logits: Float32Array = new Float32Array();
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(xs, { training: true }) as tf.Tensor2D; // [B, K]
    logits = out.dataSync() as Float32Array;
    return crossEntropyFromLogits(out, ys);
  }, vars);
  bns.forEach((l, i) => { l.movingMean.write(saved[i][0]); l.movingVariance.write(saved[i][1]); saved[i].forEach((t) => t.dispose()); });
  const loss = value.dataSync()[0];
  value.dispose();
  return { loss, logits, grads };
}

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    arch: { type: 'string' }, steps: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' },
    seed: { type: 'string' }, dir: { type: 'string' }, python: { type: 'string' }, 'graph-only': { type: 'boolean' },
    json: { type: 'boolean' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (v.help) { console.log(HELP); return 0; }
  const arch = oneOf('arch', v.arch as string | undefined, ['v1', 'v2'] as const) ?? 'v2';
  const steps = positiveInt('steps', v.steps as string | undefined) ?? 3;
  const batch = positiveInt('batch', v.batch as string | undefined) ?? 64;
  const lr = positiveNumber('lr', v.lr as string | undefined) ?? 1e-3;
  const seed = positiveInt('seed', v.seed as string | undefined) ?? 1;
  const dir = (v.dir as string | undefined) ?? await fs.mkdtemp(path.join(os.tmpdir(), 'torch-parity-'));
  await fs.mkdir(dir, { recursive: true });
  const be = await initBackend((oneOf('backend', v.backend as string | undefined, ['auto', 'onednn', 'cpu'] as const) ?? 'auto') as BackendChoice);
  const model = buildModel(arch, { seed, classifierActivation: null, ...(arch === 'v1' ? { dropout: 0 } : {}) }, 'mnist');
  await fs.writeFile(path.join(dir, 'graph.json'), JSON.stringify(describeGraph(model)));
  if (v['graph-only']) { console.log(path.join(dir, 'graph.json')); return 0; }
  await writeWeights(model, dir, 'init');
  const ds = await loadDataset('mnist');
  const { x, y } = firstImages(ds, steps * batch);
  await writeFloats(dir, 'x', x);
  await writeFloats(dir, 'y', y);
  const shape = ds.train.shape;
  const per = batch * shape[0] * shape[1] * shape[2];
  const xs0 = tf.tensor4d(x.subarray(0, per), [batch, ...shape]); // [B, H, W, C]
  const ys0 = tf.tensor1d(y.subarray(0, batch), 'int32'); // [B]
  const p = probe(model, xs0, ys0);
  await writeFloats(dir, 'logits0', p.logits);
  const gradModel = { weights: model.trainableWeights.map((w) => ({ originalName: w.originalName, shape: w.shape, read: () => p.grads[(w.read() as tf.Variable).name] })) };
  await writeWeights(gradModel as never, dir, 'grads');
  tf.dispose(Object.values(p.grads));
  const opt = makeOptimizer('adam', lr);
  const vars = trainableVariables(model);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    losses.push(trainStep(model, opt, vars, x.subarray(s * per, (s + 1) * per), y.subarray(s * batch, (s + 1) * batch), shape, 0).loss);
  }
  await writeWeights(model, dir, 'final');
  const evalLogits = tf.tidy(() => (model.apply(xs0, { training: false }) as tf.Tensor).dataSync() as Float32Array);
  await writeFloats(dir, 'logits_eval', evalLogits);
  tf.dispose([xs0, ys0]);
  await fs.writeFile(path.join(dir, 'meta.json'), JSON.stringify({ arch, steps, batch, lr, seed, loss0: p.loss, losses, backend: be.name }));
  const python = (v.python as string | undefined) ?? '/usr/bin/python3';
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), '../../../../scripts/torch/parity.py');
  const r = spawnSync(python, [script, dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new MobileNetError(`${python} ${script} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  if (v.json) console.log(JSON.stringify({ backend: be.name, dir, ...out }));
  else console.log(render(out, be.name));
  return 0;
}

type Side = {
  loss0: number; losses: number[]; logits0Rel: number; evalLogitsRel: number; evalArgmaxAgree: number;
  gradsStep1: Worst; weightsAfter: Worst; movingStatsAfter: Worst;
};
type Worst = { maxRel: number; at: string; medianRel: number };

function render(o: Record<string, unknown>, backend: string): string {
  const p = o.parity as { reference: { loss0: number; losses: number[] }; ours: Side; torchFloat32: Side; leftOut: string[] };
  const c = o.conventions as Record<string, Record<string, number>>;
  const e = (n: number) => n.toExponential(2);
  const w = (x: Worst) => `${e(x.medianRel)} / ${e(x.maxRel)} (${x.at})`;
  const row = (name: string, f: (s: Side) => string) => `| ${name} | ${f(p.ours)} | ${f(p.torchFloat32)} |`;
  const losses = (l: number[]) => l.map((x) => x.toFixed(6)).join(', ');
  return [
    `${String(o.arch).toUpperCase()} (mnist preset), ${String(o.steps)} Adam steps of ${String(o.batch)} MNIST images, lr ${String(o.lr)}; ` +
      `ours on ${backend} (float32); PyTorch ${String(o.torch)} replica with our conventions in float64 as the reference`,
    '', `Reference losses: ${p.reference.loss0.toFixed(6)} before step 1; ${losses(p.reference.losses)} at the steps.`,
    '', 'Relative L2 difference from the float64 reference (median / worst over tensors):', '',
    '| quantity | ours (TF.js, float32) | PyTorch replica, float32 |', '|---|---:|---:|',
    row('loss before step 1', (s) => s.loss0.toFixed(6)),
    row('losses of the steps', (s) => losses(s.losses)),
    row('training-mode logits, step 1', (s) => e(s.logits0Rel)),
    row('gradients, step 1', (s) => w(s.gradsStep1)),
    row('weights after the steps', (s) => w(s.weightsAfter)),
    row('moving statistics after', (s) => w(s.movingStatsAfter)),
    row('inference logits after', (s) => `${e(s.evalLogitsRel)} (arg-max agrees ${(100 * s.evalArgmaxAgree).toFixed(1)}%)`),
    '', `Left out (gradient 0 analytically, rounding noise only): ${p.leftOut.length} tensors (${p.leftOut.slice(0, 3).join(', ')}…).`,
    '', 'Each PyTorch convention alone, against the float64 replica with ours (same weights, data and steps):', '',
    '| convention | logits step 1 | grads step 1 (median) | weights after (median) | moving var after (median) | inference logits after |',
    '|---|---:|---:|---:|---:|---:|',
    ...Object.entries(c).map(([k, r]) => `| ${k} | ${e(r.logits0Rel)} | ${e(r.gradsStep1MedianRel)} | ${e(r.weightsAfterMedianRel)} | ${e(r.movingVarAfterMedianRel)} | ${e(r.evalLogitsRel)} |`),
  ].join('\n');
}

void runMain('torch-parity', main);
