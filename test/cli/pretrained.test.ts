/**
 * `mobilenet pretrained` writes a run that predict, summary, cost and export take like a trained one: ImageNet
 * labels by name, Keras's preprocessing recorded; a no-top run is a feature extractor that predict refuses in one line.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/presets.js';
import { IMAGENET_LABELS } from '../../src/weights/labels.js';
import { runCli } from '../helpers.js';
import { haveH5py, knownLayers, tmpDir, writeH5 } from '../weights/h5-fixtures.js';

const skip = haveH5py() ? false : 'h5py is not installed (Debian python3-h5py)';
const dir = tmpDir('cli-pretrained');
const file = path.join(dir, 'v2.h5');
before(async () => {
  await fs.mkdir(dir, { recursive: true });
  if (skip) return;
  await initBackend('cpu');
  writeH5(file, knownLayers(buildModel('v2', { alpha: 0.35, inputShape: [96, 96, 3] }), undefined, 5), 'keras2');
  await fs.writeFile(path.join(dir, 'cat.png'), await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c08040' } }).png().toBuffer());
});
after(() => fs.rm(dir, { recursive: true, force: true }));

test('pretrained → predict shows ImageNet names; summary, cost and keras-h5 export take the run', { skip }, async () => {
  const run = path.join(dir, 'run');
  const p = runCli(['pretrained', '--arch', 'v2', '--weights', file, '--input', '96x96x3', '--out', run]);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /^wrote .*run: MobileNet v2 alpha 0\.35 96x96x3, 1000 classes, 105 layers from keras-h5:.*v2\.h5, preprocess tf\n$/);
  const meta = JSON.parse(await fs.readFile(path.join(run, 'meta.json'), 'utf8'));
  assert.deepEqual([meta.preprocess, meta.normalization, meta.output, meta.buildOptions.alpha], ['tf', { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }, 'probabilities', 0.35]);
  assert.equal(meta.labels[281], 'tabby');
  const pr = runCli(['predict', run, path.join(dir, 'cat.png'), '--json', '--backend', 'cpu']);
  assert.equal(pr.status, 0, pr.stderr);
  const top = JSON.parse(pr.stdout)[0].top as Array<{ label: string }>;
  assert.ok(top.length === 3 && top.every((t) => IMAGENET_LABELS.includes(t.label)), JSON.stringify(top));
  for (const cmd of ['summary', 'cost']) {
    const r = runCli([cmd, run]);
    assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
  }
  const e = runCli(['export', run, '--format', 'keras-h5', '--out', path.join(dir, 'back.h5')]);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /105 layers with weights, Keras 2 HDF5 layout\): model\.load_weights/);
});

test('--no-top --pooling avg: a feature extractor; predict refuses it in one line', { skip }, async () => {
  const run = path.join(dir, 'features');
  const p = runCli(['pretrained', '--arch', 'v2', '--weights', file, '--input', '96x96x3', '--no-top', '--pooling', 'avg', '--out', run]);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stderr, /^notice: 1 layer of keras-h5:.* not in the model, skipped: predictions$/m);
  assert.match(p.stdout, /features \(avg pooling\)/);
  const pr = runCli(['predict', run, path.join(dir, 'cat.png'), '--backend', 'cpu']);
  assert.equal(pr.status, 1);
  assert.match(pr.stderr, /^mobilenet: .*features is a feature extractor without classifier \(output "features"\): it has no classes to predict; give it a head with train --from, or take its features with embed$/m);
});
