/**
 * `export --format keras-h5`: read back with h5py exactly as Keras's legacy `load_weights` reads an .h5 (root
 * attributes layer_names, backend, keras_version; per layer weight_names; layers with weights matched in order),
 * the file holds our model's weights, under Keras names, in Keras's layer order; and it round-trips as a source.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { exportKerasH5 } from '../../src/export/keras-h5.js';
import { Arch, BuildOptions, buildModel } from '../../src/models/presets.js';
import { loadRun } from '../../src/run/run-dir.js';
import { applyWeights, readWeightSource } from '../../src/weights/index.js';
import { pretrained } from '../../src/weights/pretrained.js';
import { PYTHON, haveH5py, knownLayers, tmpDir, writeH5 } from '../weights/h5-fixtures.js';

const skip = haveH5py() ? false : 'h5py is not installed (Debian python3-h5py)';
const dir = tmpDir('export-keras-h5');
before(async () => { await initBackend('cpu'); await fs.mkdir(dir, { recursive: true }); });
after(() => fs.rm(dir, { recursive: true, force: true }));

/** Keras's legacy_h5_format.load_weights_from_hdf5_group, reading only: what it would assign, in order. */
const KERAS_READER = String.raw`
import json, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
dec = lambda v: v.decode('utf8') if hasattr(v, 'decode') else str(v)
assert 'backend' in f.attrs and 'keras_version' in f.attrs, 'backend/keras_version attributes'
names = [dec(n) for n in f.attrs['layer_names']]
filtered = [n for n in names if len(f[n].attrs['weight_names'])]
out, raw = [], []
for n in filtered:
    wn = [dec(w) for w in f[n].attrs['weight_names']]
    arrs = [np.asarray(f[n][w]) for w in wn]
    out.append({'layer': n, 'weights': wn, 'shapes': [list(a.shape) for a in arrs], 'dtypes': [str(a.dtype) for a in arrs]})
    raw += [a.astype('<f4').ravel() for a in arrs]
json.dump({'backend': dec(f.attrs['backend']), 'keras_version': dec(f.attrs['keras_version']), 'layer_names': names, 'layers': out}, open(sys.argv[2], 'w'))
np.concatenate(raw).tofile(sys.argv[3])
`;

const CASES: Array<{ arch: Arch; o: BuildOptions }> = [
  { arch: 'v1', o: { alpha: 0.25, activation: 'relu6' } },
  { arch: 'v2', o: { alpha: 0.35, includeTop: false, pooling: 'avg' } },
  { arch: 'v3-small', o: { alpha: 0.75 } },
];

for (const c of CASES) {
  test(`keras-h5 export of a ${c.arch} run reads back as Keras's load_weights reads it, and round-trips`, { skip }, async () => {
    const o = { inputShape: [32, 32, 3] as [number, number, number], ...c.o };
    const tag = `${c.arch}-${CASES.indexOf(c)}`;
    const known = knownLayers(buildModel(c.arch, o), undefined, 11);
    const src = path.join(dir, `${tag}-src.h5`);
    writeH5(src, known, 'keras2');
    const run = path.join(dir, `${tag}-run`);
    await pretrained({ arch: c.arch, weights: src, out: run, inputShape: o.inputShape, includeTop: o.includeTop, pooling: o.pooling });
    const file = path.join(dir, `${tag}.h5`);
    const r = await exportKerasH5(run, { out: file });
    assert.equal(r.layers, known.length);

    const [json, bin] = [path.join(dir, `${tag}.json`), path.join(dir, `${tag}.bin`)];
    execFileSync(PYTHON, ['-c', KERAS_READER, file, json, bin], { stdio: ['ignore', 'ignore', 'pipe'] });
    const read = JSON.parse(readFileSync(json, 'utf8'));
    const model = (await loadRun(run)).model;
    assert.equal(read.backend, 'tensorflow');
    assert.deepEqual(read.layer_names, model.layers.map((l) => l.name), 'every layer, in model order');
    assert.deepEqual(read.layers.map((l: { layer: string }) => l.layer), known.map((l) => l.name), "Keras's layer order");
    const values = new Float32Array(readFileSync(bin).buffer.slice(0));
    let at = 0;
    read.layers.forEach((l: { layer: string; weights: string[]; shapes: number[][]; dtypes: string[] }, i: number) => {
      assert.deepEqual(l.weights, known[i].weights.map((w) => w.name), `weight names of ${l.layer}`);
      l.shapes.forEach((s, k) => {
        const want = known[i].weights[k];
        assert.deepEqual(s, want.shape);
        assert.equal(l.dtypes[k], 'float32');
        assert.deepEqual(values.subarray(at, at + want.values.length), want.values, `${l.layer} ${l.weights[k]}`);
        at += want.values.length;
      });
    });
    assert.equal(at, values.length);

    const back = buildModel(c.arch, o);
    const res = applyWeights(back, await readWeightSource(file));
    assert.equal(res.loaded.length, known.length);
    await assert.rejects(exportKerasH5(run, { out: file }), /already exists; choose another path, or replace it with --overwrite/);
    await assert.rejects(exportKerasH5(run, { out: path.join(run, 'w.h5') }), /is inside the run directory .*; an export never writes into a run/);
    await assert.rejects(exportKerasH5(run, { out: dir }), /is a directory; give the name of the file to write/);
    await assert.rejects(exportKerasH5(run, { out: run }), /is the run directory itself/);
    await assert.rejects(exportKerasH5(run, { out: path.join(dir, 'x.weights.h5') }), /Keras 3 reads \*\.weights\.h5 as its own format/);
  });
}
