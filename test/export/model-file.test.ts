/**
 * summary / cost PATH on a model we did not build: a Keras 2 MobileNetV2 (ZeroPadding2D, uint8 weights,
 * 224×224×3, 5 classes) as the tfjs-converter writes it, its Keras 3 rendering, and an unknown layer class.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadLayersModel } from '../../src/format/layers-format.js';
import { runCli } from '../helpers.js';
import { kerasV2Fixture, toKeras3, writeFixture } from './keras-fixture.js';

let tmp: string;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-modelfile-'));
});
after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/*
 * Expected counts, computed without the code under test:
 * - Parameters. Keras documents MobileNetV2(alpha=1.0, 224×224×3, 1000 classes) at 3,538,984 parameters,
 *   34,112 of them non-trainable (the BN moving means and variances). Only the Dense head depends on
 *   the class count: 1280×1000 + 1000 = 1,281,000 for 1000 classes, 1280×5 + 5 = 6,405 for 5. So:
 *   3,538,984 − 1,281,000 + 6,405 = 2,264,389 in total, 2,230,277 trainable, 34,112 non-trainable.
 *   ZeroPadding2D has no weights and changes no shape that a weight depends on.
 * - Mult-adds: the arithmetic below over the paper's Table 2 (explicit padding + 'valid' keeps the
 *   'same' output sizes for even inputs), checked against the literal 299,500,672.
 */
function v2MultAdds(size: number, classes: number): number {
  const div8 = (v: number) => Math.max(8, Math.floor((v + 4) / 8) * 8);
  let hw = size / 2;
  let macs = hw * hw * 3 * 3 * 3 * 32; // Conv1 3×3/2
  let c = 32;
  const table = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  for (const [t, ch, n, s] of table) {
    for (let i = 0; i < n; i++) {
      const e = t * c;
      if (t !== 1) macs += hw * hw * c * e; // expand 1×1
      if (i === 0 && s === 2) hw /= 2;
      macs += hw * hw * 9 * e; // depthwise 3×3
      macs += hw * hw * e * div8(ch); // project 1×1
      c = div8(ch);
    }
  }
  return macs + hw * hw * c * 1280 + 1280 * classes; // Conv_1, predictions
}

test('the independent mult-add arithmetic gives the published V2 figure', () => {
  assert.equal(v2MultAdds(224, 1000), 300_774_272); // README table / paper's 300M
  assert.equal(v2MultAdds(224, 5), 299_500_672);
});

for (const style of ['Keras 2', 'Keras 3'] as const) {
  test(`summary PATH: ${style} MobileNetV2 with ZeroPadding2D, uint8 weights, 224x224x3, 5 classes`, async () => {
    const fixture = kerasV2Fixture(224, 5);
    const dir = path.join(tmp, style.replace(' ', ''));
    const file = await writeFixture(dir, style === 'Keras 2' ? fixture : toKeras3(fixture));
    const r = runCli(['summary', dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.totalParams, 2_264_389);
    assert.equal(s.trainableParams, 2_230_277);
    assert.equal(s.nonTrainableParams, 34_112);
    assert.equal(s.multAdds, v2MultAdds(224, 5));
    assert.deepEqual([s.inputShape, s.classes, s.alpha], [[224, 224, 3], 5, null]);
    assert.equal(s.layers.filter((l: { type: string }) => l.type === 'ZeroPadding2D').length, 4);
    assert.deepEqual(s.source.weightDtypes, ['uint8']);
    assert.equal(s.source.topology, style === 'Keras 2' ? 'keras2' : 'keras3');
    assert.equal(s.notice, null);
    const text = runCli(['summary', file]);
    assert.match(text.stdout, /Total params: +2,264,389/);
    assert.match(text.stdout, /Mult-adds: +299,500,672/);
    const cost = runCli(['cost', file, '--json', '--no-paper']);
    assert.equal(cost.status, 0, cost.stderr);
    assert.equal(JSON.parse(cost.stdout).multAdds, 299_500_672);
  });
}

test('an unknown layer class is listed with its weight count and named in one notice line', async () => {
  const fixture = kerasV2Fixture(224, 5);
  const layers = (fixture.topology.model_config as { config: { layers: Array<{ class_name: string; name: string }> } }).config.layers;
  layers.find((l) => l.name === 'Conv_1_bn')!.class_name = 'SyncBatchNormalization';
  const dir = path.join(tmp, 'unknown');
  await writeFixture(dir, fixture);
  const r = runCli(['summary', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Conv_1_bn +SyncBatchNormalization +\[7, 7, 1280\] +5,120 +0$/m);
  assert.match(r.stdout, /Total params: +2,264,389/); // its 4×1280 weights still counted
  const notices = r.stdout.split('\n').filter((l) => l.startsWith('notice:'));
  assert.deepEqual(notices, ['notice: 1 layer of a class mobilenet does not know: SyncBatchNormalization (Conv_1_bn, 5,120 weights); ' +
    'counted with their weights and 0 mult-adds, output shape taken as their input\'s']);
  const j = JSON.parse(runCli(['summary', dir, '--json']).stdout);
  assert.deepEqual(j.source.unknownLayers, [{ name: 'Conv_1_bn', className: 'SyncBatchNormalization', weights: 5120 }]);
  // loading it for inference is refused, naming the file and the class
  await assert.rejects(loadLayersModel(dir), /unknown\/model\.json: unknown layer class SyncBatchNormalization \(Conv_1_bn\)/);
});

test('summary PATH with --arch is refused; a missing path is one line', () => {
  const r = runCli(['summary', tmp, '--arch', 'v2']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^mobilenet: --arch describes a model to build; it cannot be combined with PATH\n$/);
  const m = runCli(['summary', path.join(tmp, 'nope')]);
  assert.equal(m.status, 1);
  assert.match(m.stderr, /^mobilenet: .*nope does not exist\n$/);
});

test('a Keras 3 model.json loads for inference and computes what its Keras 2 twin does', async () => {
  const { initBackend } = await import('../../src/backend/index.js');
  const tf = await import('@tensorflow/tfjs-core');
  await initBackend('cpu');
  const fixture = kerasV2Fixture(32, 3);
  const [k2, k3] = [path.join(tmp, 'small-k2'), path.join(tmp, 'small-k3')];
  await writeFixture(k2, fixture);
  await writeFixture(k3, toKeras3(fixture));
  const [a, b] = [await loadLayersModel(k2), await loadLayersModel(k3)];
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
  const [ya, yb] = [(a.predict(x) as import('@tensorflow/tfjs-core').Tensor).dataSync(), (b.predict(x) as import('@tensorflow/tfjs-core').Tensor).dataSync()];
  assert.deepEqual(Array.from(yb), Array.from(ya));
  assert.equal(b.getLayer('block_1_pad').getClassName(), 'ZeroPadding2D');
});
