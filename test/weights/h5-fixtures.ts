/**
 * Keras-layout HDF5 files written by h5py (Debian python3-h5py) from known arrays, as Keras writes them:
 * 'keras2' (save_weights / weights='imagenet': root layer_names, backend, keras_version; a group per layer with
 * weight_names), 'model' (model.save: the same under model_weights/), 'keras3' (.weights.h5: layers/NAME/vars/i).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';

export const PYTHON = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** Whether h5py is importable (the tests that need it are skipped with a reason otherwise). */
export function haveH5py(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import h5py'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface FixtureLayer { name: string; weights: Array<{ name: string; shape: number[]; values: Float32Array }> }

const WRITER = String.raw`
import json, sys, h5py, numpy as np
spec = json.load(open(sys.argv[1])); raw = np.fromfile(sys.argv[2], dtype='<f4'); layout = spec['layout']
with h5py.File(sys.argv[3], 'w') as f:
    at = 0
    def arr(w):
        global at
        n = int(np.prod(w['shape'])) if w['shape'] else 1
        a = raw[at:at + n].reshape(w['shape']); at += n; return a
    if layout == 'keras3':
        top = f.create_group('layers')
        for l in spec['layers']:
            g = top.create_group(l['name']).create_group('vars')
            for i, w in enumerate(l['weights']): g.create_dataset(str(i), data=arr(w))
        f.create_group('vars'); f.create_group('optimizer').create_group('vars')
    else:
        root = f.create_group('model_weights') if layout == 'model' else f
        if layout == 'model': f.attrs['model_config'] = json.dumps({'class_name': 'Functional'}).encode()
        root.attrs['layer_names'] = [l['name'].encode() for l in spec['layers']]
        root.attrs['backend'] = b'tensorflow'; root.attrs['keras_version'] = b'2.13.1'
        for l in spec['layers']:
            g = root.create_group(l['name'])
            g.attrs['weight_names'] = [w['name'].encode() for w in l['weights']]
            for w in l['weights']: g.create_dataset(w['name'], data=arr(w))
`;

/** Writes `layers` into `file` in `layout` with h5py. */
export function writeH5(file: string, layers: FixtureLayer[], layout: 'keras2' | 'model' | 'keras3'): void {
  const dir = path.dirname(file);
  const spec = path.join(dir, `${path.basename(file)}.spec.json`);
  const bin = path.join(dir, `${path.basename(file)}.bin`);
  writeFileSync(spec, JSON.stringify({ layout, layers: layers.map((l) => ({ name: l.name, weights: l.weights.map((w) => ({ name: w.name, shape: w.shape })) })) }));
  const total = layers.reduce((s, l) => s + l.weights.reduce((t, w) => t + w.values.length, 0), 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const l of layers) for (const w of l.weights) { all.set(w.values, at); at += w.values.length; }
  writeFileSync(bin, Buffer.from(all.buffer));
  execFileSync(PYTHON, ['-c', WRITER, spec, bin, file], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Known arrays for every weight of `model` (deterministic, distinct per weight), in Keras's names. */
export function knownLayers(model: tfl.LayersModel, rename: (n: string) => string = (n) => n, seed = 1): FixtureLayer[] {
  let s = seed;
  const next = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  return model.layers.filter((l) => l.weights.length).map((l) => ({
    name: rename(l.name),
    weights: l.weights.map((w) => {
      const n = (w.shape as number[]).reduce((a, b) => a * b, 1);
      const short = (w.originalName ?? w.name).split('/').pop()!;
      // variances positive, as BN needs; everything else in [-0.5, 0.5)
      const values = Float32Array.from({ length: n }, () => (short === 'moving_variance' ? 0.5 + next() : next() - 0.5));
      return { name: `${rename(l.name)}/${short}:0`, shape: w.shape as number[], values };
    }),
  }));
}

export const tmpDir = (tag: string) => path.join(os.tmpdir(), `mobilenet-${tag}-${process.pid}-${Date.now()}`);
