/**
 * The files the bad-input cases run against, made in a scratch folder: a small trained run (V2 alpha 0.35 on
 * an 8×8 band dataset) and broken copies of it (model, meta, weights, checkpoint), an unfinished start, a one-class
 * folder, a folder too small for a test split, a file, a foreign folder, bad images.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { writeBandFolder } from '../cli-train/folder.js';
import { runCli } from '../helpers.js';
import { pngBomb } from './http-cases.js';

type Json = Record<string, any>;

async function editJson(file: string, edit: (j: Json) => void): Promise<void> {
  const j = JSON.parse(await fs.readFile(file, 'utf8')) as Json;
  edit(j);
  await fs.writeFile(file, JSON.stringify(j));
}

/** Copies `root/run` to `root/name` and applies `edit` to the copy. */
async function variant(root: string, name: string, edit: (dir: string) => Promise<void>): Promise<void> {
  const dir = path.join(root, name);
  await fs.cp(path.join(root, 'run'), dir, { recursive: true });
  await edit(dir);
}

const layers = (j: Json): Json[] => j.modelTopology.config.layers;
const meta = (dir: string, edit: (m: Json) => void) => editJson(path.join(dir, 'meta.json'), edit);
const model = (dir: string, edit: (m: Json) => void) => editJson(path.join(dir, 'model.json'), edit);

/** Builds every fixture under `root` (the cases run with it as their working directory). */
export async function makeFixtures(root: string): Promise<void> {
  await writeBandFolder(path.join(root, 'bands'));
  const t = runCli(['train', '--arch', 'v2', '--alpha', '0.35', '--dataset', 'folder:bands', '--input', '8x8x1', '--batch-size', '6',
    '--epochs', '1', '--out', 'run'], { cwd: root, timeout: 240_000 });
  if (t.status !== 0) throw new Error(`fixture training failed: ${t.stderr}`);

  await variant(root, 'run-typo', (d) => model(d, (j) => {
    layers(j).find((l) => l.name === 'predictions')!.inbound_nodes[0][0][0] = 'gap_TYPO';
  }));
  await variant(root, 'run-removed-layer', (d) => model(d, (j) => {
    j.modelTopology.config.layers = layers(j).filter((l) => l.name !== 'global_average_pooling2d');
  }));
  await variant(root, 'run-no-output', (d) => model(d, (j) => { j.modelTopology.config.output_layers = []; }));
  await variant(root, 'run-cycle', (d) => model(d, (j) => {
    layers(j).find((l) => l.name === 'Conv1')!.inbound_nodes[0][0][0] = 'bn_Conv1';
  }));
  await variant(root, 'run-duplicate-name', (d) => model(d, (j) => {
    const [, second, third] = layers(j);
    second.name = third.name;
    second.config.name = third.name;
  }));
  await variant(root, 'run-zero-input', (d) => model(d, (j) => { layers(j)[0].config.batch_input_shape = [null, 0, -3, 1]; }));
  await variant(root, 'run-zero-stride', (d) => model(d, (j) => { layers(j).find((l) => l.name === 'Conv1')!.config.strides = [0, 0]; }));
  await variant(root, 'run-shape-string', (d) => meta(d, (m) => { m.inputShape = 'abc'; }));
  await variant(root, 'run-shape-wrong', (d) => meta(d, (m) => { m.inputShape = [16, 16, 1]; }));
  await variant(root, 'run-labels', (d) => meta(d, (m) => { m.labels = ['top', 'bottom']; }));
  await variant(root, 'run-std0', (d) => meta(d, (m) => { m.normalization.std = [0]; }));
  await variant(root, 'run-build-options', (d) => meta(d, (m) => { m.buildOptions.alpha = -1; }));
  await variant(root, 'run-corrupt-model', (d) => fs.writeFile(path.join(d, 'model.json'), '{"modelTopology": null}'));
  await variant(root, 'run-bad-meta', (d) => fs.writeFile(path.join(d, 'meta.json'), '{"format": '));
  await variant(root, 'run-nan', async (d) => {
    const w = await fs.readFile(path.join(d, 'weights.bin'));
    w.writeFloatLE(Number.NaN, 0);
    await fs.writeFile(path.join(d, 'weights.bin'), w);
  });
  await variant(root, 'run-short-weights', async (d) => {
    const w = await fs.readFile(path.join(d, 'weights.bin'));
    await fs.writeFile(path.join(d, 'weights.bin'), w.subarray(0, w.length - 4));
  });
  await variant(root, 'run-weights-dir', async (d) => {
    await fs.rm(path.join(d, 'weights.bin'));
    await fs.mkdir(path.join(d, 'weights.bin'));
  });
  await variant(root, 'run-logits-softmax', (d) => meta(d, (m) => { m.output = 'logits'; }));
  await variant(root, 'run-probs-linear', (d) => model(d, (j) => {
    layers(j).find((l) => l.name === 'predictions')!.config.activation = 'linear';
  }));
  await variant(root, 'run-no-data', (d) => meta(d, (m) => { m.dataset = 'folder:gone'; }));
  const q = runCli(['quantize', 'run', '--out', 'run-int8', '--calibrate', '24'], { cwd: root, timeout: 120_000 });
  if (q.status !== 0) throw new Error(`fixture quantization failed: ${q.stderr}`);
  const int8 = (name: string, edit: (dir: string) => Promise<void>) => fs.cp(path.join(root, 'run-int8'), path.join(root, name), { recursive: true }).then(() => edit(path.join(root, name)));
  await int8('run-int8-bad-scale', (d) => editJson(path.join(d, 'int8.json'), (j) => { j.tensors[3].scale = -1; }));
  await int8('run-int8-truncated', (d) => fs.writeFile(path.join(d, 'int8.json'), '{"format": "mobilenet-int8/1", "ops": ['));
  await int8('run-int8-short-bin', async (d) => {
    const b = await fs.readFile(path.join(d, 'int8.bin'));
    await fs.writeFile(path.join(d, 'int8.bin'), b.subarray(0, b.length - 16));
  });
  await variant(root, 'run-selu', (d) => model(d, (j) => {
    layers(j).find((l) => l.name === 'Conv1')!.config.activation = 'selu';
  }));
  await variant(root, 'run-history', (d) => fs.writeFile(path.join(d, 'history.json'), '[{"epoch": 1,'));

  const state = (d: string, edit: (st: Json) => void) => editJson(path.join(d, 'checkpoint', 'state.json'), edit);
  // the band folder with its classes renamed a, b, c (the run's are bottom, middle, top), and a run whose state points there
  for (const split of ['train', 'test']) {
    for (const [from, to] of [['bottom', 'a'], ['middle', 'b'], ['top', 'c']]) {
      await fs.cp(path.join(root, 'bands', split, from), path.join(root, 'bands-renamed', split, to), { recursive: true });
    }
  }
  await variant(root, 'run-renamed-data', (d) => state(d, (st) => { st.meta.dataset = 'folder:bands-renamed'; }));
  await variant(root, 'run-ck-nan', async (d) => {
    const w = await fs.readFile(path.join(d, 'checkpoint', 'weights.bin'));
    w.writeFloatLE(Number.NaN, 0);
    await fs.writeFile(path.join(d, 'checkpoint', 'weights.bin'), w);
  });
  await variant(root, 'run-ck-step', (d) => state(d, (st) => { st.globalStep = 'abc'; }));
  await variant(root, 'run-ck-epoch', (d) => state(d, (st) => { st.epoch = -3; }));
  await variant(root, 'run-ck-rng', (d) => state(d, (st) => { st.epochRng = [1, 2]; }));
  // killed during its first checkpoint: only a half-written checkpoint.tmp/
  await fs.mkdir(path.join(root, 'run-unfinished', 'checkpoint.tmp'), { recursive: true });
  await fs.writeFile(path.join(root, 'run-unfinished', 'checkpoint.tmp', 'weights.bin'), Buffer.alloc(100));

  await fs.mkdir(path.join(root, 'one-class', 'a'), { recursive: true });
  const png = await sharp(new Uint8Array(64), { raw: { width: 8, height: 8, channels: 1 } }).png().toBuffer();
  await fs.writeFile(path.join(root, 'one-class', 'a', '0.png'), png);
  await fs.writeFile(path.join(root, 'one-class', 'a', '1.png'), png);
  await fs.writeFile(path.join(root, 'digit.png'), png);
  for (const c of ['bottom', 'middle', 'top']) { // 2 images a class: the 20% hold-out leaves no test image
    await fs.mkdir(path.join(root, 'two-a-class', c), { recursive: true });
    for (const i of [0, 1]) await fs.writeFile(path.join(root, 'two-a-class', c, `${i}.png`), png);
  }
  await fs.writeFile(path.join(root, 'not-an-image.png'), 'hello');
  await fs.writeFile(path.join(root, 'bomb.png'), pngBomb(16000, 16000));
  await fs.writeFile(path.join(root, 'big.png'), '');
  await fs.truncate(path.join(root, 'big.png'), 5 * 1024 * 1024 + 1); // sparse: 5 MiB + 1 byte of zeros
  await fs.writeFile(path.join(root, 'notes.txt'), 'a file');
  await fs.mkdir(path.join(root, 'photos'));
  await fs.writeFile(path.join(root, 'photos', 'holiday.jpg'), 'jpeg');

  // weight files: the run's weights as Keras HDF5 (a V2 alpha 0.35), a truncated copy, a text file named .h5
  const k = runCli(['export', 'run', '--format', 'keras-h5', '--out', 'v2-a035.h5'], { cwd: root, timeout: 60_000 });
  if (k.status !== 0) throw new Error(`fixture keras-h5 export failed: ${k.stderr}`);
  const h5 = await fs.readFile(path.join(root, 'v2-a035.h5'));
  await fs.writeFile(path.join(root, 'cut.h5'), h5.subarray(0, h5.length >> 1));
  await fs.writeFile(path.join(root, 'not-hdf5.h5'), 'these are not weights\n');
}
