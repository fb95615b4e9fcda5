/**
 * Keras-layout .h5 files written by h5py from known arrays load into our builders to exactly those arrays and
 * the same outputs: V1, V2, V3 (Keras 2's V3 names, as Keras's released files, and Keras 3's), with and
 * without top, in the save_weights, model.save and Keras 3 .weights.h5 layouts. Bad files are one DataError
 * and leave the model untouched.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { DataError } from '../../src/errors.js';
import { Arch, BuildOptions, buildModel } from '../../src/models/presets.js';
import { applyWeights, keras2V3Name, readWeightSource } from '../../src/weights/index.js';
import { FixtureLayer, haveH5py, knownLayers, tmpDir, writeH5 } from './h5-fixtures.js';

const skip = haveH5py() ? false : 'h5py is not installed (Debian python3-h5py; scripts/setup.sh installs it)';
const dir = tmpDir('keras-h5');
before(async () => { await initBackend('cpu'); await fs.mkdir(dir, { recursive: true }); });
after(() => fs.rm(dir, { recursive: true, force: true }));

interface Case { arch: Arch; o: BuildOptions; layout: 'keras2' | 'model' | 'keras3'; keras2Names?: boolean }
const small = (o: BuildOptions): BuildOptions => ({ inputShape: [32, 32, 3], ...o });
const CASES: Case[] = [
  { arch: 'v1', o: small({ alpha: 0.25, activation: 'relu6' }), layout: 'keras2' },
  { arch: 'v1', o: small({ alpha: 0.25, activation: 'relu6', includeTop: false, pooling: 'avg' }), layout: 'model' },
  { arch: 'v2', o: small({ alpha: 0.35 }), layout: 'keras2' },
  { arch: 'v2', o: small({ alpha: 0.35, includeTop: false, pooling: 'avg' }), layout: 'keras3' },
  { arch: 'v3-small', o: small({ alpha: 0.75 }), layout: 'keras2', keras2Names: true },
  { arch: 'v3-large', o: small({ alpha: 0.75, includeTop: false, pooling: 'avg' }), layout: 'keras3' },
  { arch: 'v3-large', o: small({ alpha: 0.75, minimalistic: true, includeTop: false, pooling: 'max' }), layout: 'keras2', keras2Names: true },
];

function reference(arch: Arch, o: BuildOptions, layers: FixtureLayer[]): tfl.LayersModel {
  const m = buildModel(arch, o);
  m.layers.filter((l) => l.weights.length).forEach((l, i) => l.setWeights(layers[i].weights.map((w) => tf.tensor(w.values, w.shape))));
  return m;
}

for (const c of CASES) {
  const tag = `${c.arch} ${JSON.stringify(c.o)} ${c.layout}${c.keras2Names ? ' (Keras 2 V3 names)' : ''}`;
  test(`h5py-written ${tag}: exact arrays, same outputs`, { skip }, async () => {
    const built = buildModel(c.arch, c.o);
    const layers = knownLayers(built, c.keras2Names ? (n) => keras2V3Name(n) ?? n : undefined);
    if (c.keras2Names) assert.ok(layers.some((l) => l.name.includes('/')), 'Keras 2 V3 names have slashes');
    const file = path.join(dir, `${c.arch}-${c.layout}-${CASES.indexOf(c)}.h5`);
    writeH5(file, layers, c.layout);
    const src = await readWeightSource(file);
    assert.equal(src.arch, c.arch);
    assert.equal(src.alpha, c.o.alpha);
    assert.equal(src.includeTop, c.o.includeTop ?? true);
    const r = applyWeights(built, src);
    assert.equal(r.loaded.length, layers.length);
    assert.deepEqual(r.skipped, []);
    built.layers.filter((l) => l.weights.length).forEach((l, i) => l.weights.forEach((w, k) =>
      assert.deepEqual(w.read().dataSync(), layers[i].weights[k].values, `weight ${w.name}`)));
    const ref = reference(c.arch, c.o, layers);
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 7); // [2, 32, 32, 3]
    const a = (built.predict(x) as tf.Tensor).dataSync();
    const b = (ref.predict(x) as tf.Tensor).dataSync();
    assert.deepEqual(a, b);
  });
}

test('another head in the source is skipped with one notice line; another alpha is one line and writes nothing', { skip }, async () => {
  const withTop = buildModel('v2', small({ alpha: 0.35 }));
  const file = path.join(dir, 'v2-top.h5');
  writeH5(file, knownLayers(withTop), 'keras2');
  const src = await readWeightSource(file);
  const noTop = buildModel('v2', small({ alpha: 0.35, includeTop: false, pooling: 'avg' }));
  const r = applyWeights(noTop, src);
  assert.deepEqual(r.skipped, ['predictions']);
  assert.match(r.notice!, /^notice: 1 layer of keras-h5:.* not in the model, skipped: predictions$/);
  const wider = buildModel('v2', small({ alpha: 0.5 }));
  const before = wider.weights.map((w) => w.read().dataSync().slice());
  assert.throws(() => applyWeights(wider, src), (e: Error) => e instanceof DataError &&
    /^keras-h5:\S+: layer \S+: \S+ is \[[\d, ]+\] in the model, \[[\d, ]+\] in the source; nothing was loaded$/.test(e.message) && !e.message.includes('\n'));
  wider.weights.forEach((w, i) => assert.deepEqual(w.read().dataSync(), before[i], 'nothing written'));
  const v1 = buildModel('v1', small({ alpha: 0.25 }));
  assert.throws(() => applyWeights(v1, src), /no weights for layer conv1 \[3, 3, 3, 8\].*missing from the source\); nothing was loaded/);
});

test('bad files: non-HDF5, truncated, HDF5 without Keras weights — one DataError each', { skip }, async () => {
  const text = path.join(dir, 'not.h5');
  await fs.writeFile(text, 'hello, not HDF5\n');
  await assert.rejects(readWeightSource(text), /not\.h5 is not an HDF5 file \(no HDF5 signature\)/);
  const good = path.join(dir, 'good.h5');
  writeH5(good, knownLayers(buildModel('v2', small({ alpha: 0.35 }))), 'keras2');
  const bytes = await fs.readFile(good);
  const cut = path.join(dir, 'cut.h5');
  await fs.writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await assert.rejects(readWeightSource(cut), (e: Error) => e instanceof DataError && /cut\.h5: cannot open the HDF5 file: truncated file/.test(e.message) && !e.message.includes('\n'));
  const empty = path.join(dir, 'empty.h5');
  writeH5(empty, [], 'keras3');
  await assert.rejects(readWeightSource(empty), /empty\.h5 holds no weights/);
});
