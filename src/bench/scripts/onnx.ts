/**
 * onnxruntime-node on our exported ONNX (input layouts, folding on/off, optimisation levels) beside the same
 * architecture exported by PyTorch (the peer), so the export's layout and folding choices rest on figures.
 * Random weights (speed does not depend on them), random input, same batch and thread count.
 *
 *   node dist/src/bench/scripts/onnx.js [--arch v1|v2] [--input 28|224] [--batch N] [--steps N] [--rounds N] [--threads N] [--json]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../backend/index.js';
import { measureOnnxModel, measureOnnxRuntime } from '../onnx-runtime.js';
import { buildModel } from '../../models/presets.js';

const { values: v } = parseArgs({
  options: {
    arch: { type: 'string', default: 'v2' }, input: { type: 'string', default: '28' }, batch: { type: 'string' },
    steps: { type: 'string', default: '10' }, threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' },
    json: { type: 'boolean' },
  },
});
const arch = v.arch as 'v1' | 'v2';
const size = Number(v.input);
const shape: [number, number, number] = size === 28 ? [28, 28, 1] : [size, size, 3];
const batch = Number(v.batch ?? (size === 28 ? 256 : 32));
const common = { batch, steps: Number(v.steps), warmup: 2, threads: Number(v.threads) };

await initBackend('cpu');
const model = buildModel(arch, { inputShape: shape, classes: size === 28 ? 10 : 1000, classifierActivation: null, seed: 1 }, size === 28 ? 'mnist' : 'imagenet');
const rows: Array<{ variant: string; imagesPerSecond: number; msPerStep: number }> = [];
const add = (variant: string, r: { imagesPerSecond: number; msPerStep: number }) => {
  rows.push({ variant, imagesPerSecond: r.imagesPerSecond, msPerStep: r.msPerStep });
  if (!v.json) console.error(`${variant.padEnd(44)} ${r.imagesPerSecond.toFixed(1).padStart(9)} img/s  ${r.msPerStep.toFixed(2)} ms/run`);
};

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-onnx-bench-'));
const peer = path.join(tmp, 'peer.onnx');
// ../shared/peers beside the repository (a worktree under wt/ has it two levels up)
const script = ['..', path.join('..', '..')].map((up) => path.resolve(up, 'shared', 'peers', 'pytorch_mobilenet.py'))
  .find((p) => existsSync(p)) ?? 'pytorch_mobilenet.py';
const py = spawnSync('/usr/bin/python3', [script, '--mode', 'onnx-export', '--arch', arch,
  '--input', String(size), '--channels', String(shape[2]), '--classes', size === 28 ? '10' : '1000', '--out', peer], { encoding: 'utf8' });
const havePeer = py.status === 0;
if (!havePeer && !v.json) console.error(`(no PyTorch peer export: ${py.stderr.trim().split('\n').pop()})`);

// Rounds with the variants interleaved, so a load change on the machine hits them alike; each variant's best
// round is kept (other jobs only ever slow a run down).
for (let round = 0; round < Number(v.rounds); round++) {
  add('ours, NHWC input (default), folded, ort all', await measureOnnxRuntime(model, common));
  add('ours, NCHW input, folded, ort all', await measureOnnxRuntime(model, { ...common, inputLayout: 'nchw' }));
  add('ours, NHWC input, not folded, ort all', await measureOnnxRuntime(model, { ...common, fold: false }));
  add('ours, NHWC input, folded, ort basic', await measureOnnxRuntime(model, { ...common, optimization: 'basic' }));
  if (havePeer) add('PyTorch export (NCHW), ort all', await measureOnnxModel(peer, [shape[2], size, size], common));
}
const best = new Map<string, (typeof rows)[number]>();
for (const r of rows) if (!best.has(r.variant) || best.get(r.variant)!.imagesPerSecond < r.imagesPerSecond) best.set(r.variant, r);
const result = { arch, input: shape, batch, threads: common.threads, steps: common.steps, rows: [...best.values()] };
if (v.json) console.log(JSON.stringify(result));
else for (const r of best.values()) console.log(`| ${arch.toUpperCase()} | ${shape.join('×')} | ${batch} | ${r.variant} | ${r.imagesPerSecond.toFixed(1)} |`);
await fs.rm(tmp, { recursive: true, force: true });
