/**
 * The files the bad-input cases run against, made in a scratch folder: a small trained run (V2 alpha 0.35 on
 * an 8×8 band dataset) and broken copies of it, a one-class folder, a file, a foreign folder, bad images.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { writeBandFolder } from '../cli-train/folder.js';
import { runCli } from '../helpers.js';

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
  await variant(root, 'run-selu', (d) => model(d, (j) => {
    layers(j).find((l) => l.name === 'Conv1')!.config.activation = 'selu';
  }));
  await variant(root, 'run-history', (d) => fs.writeFile(path.join(d, 'history.json'), '[{"epoch": 1,'));

  await fs.mkdir(path.join(root, 'one-class', 'a'), { recursive: true });
  const png = await sharp(new Uint8Array(64), { raw: { width: 8, height: 8, channels: 1 } }).png().toBuffer();
  await fs.writeFile(path.join(root, 'one-class', 'a', '0.png'), png);
  await fs.writeFile(path.join(root, 'one-class', 'a', '1.png'), png);
  await fs.writeFile(path.join(root, 'digit.png'), png);
  await fs.writeFile(path.join(root, 'not-an-image.png'), 'hello');
  await fs.writeFile(path.join(root, 'notes.txt'), 'a file');
  await fs.mkdir(path.join(root, 'photos'));
  await fs.writeFile(path.join(root, 'photos', 'holiday.jpg'), 'jpeg');
}
