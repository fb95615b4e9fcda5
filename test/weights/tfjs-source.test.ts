/**
 * TF.js layers models as weight sources. nsfwjs@4.4.0 ships a Keras 2.2.4 MobileNetV2 (uint8-quantized, its own
 * head; shards base64 in .min.js files): its backbone in our V2 (no top, avg pooling) gives stock
 * tf.loadLayersModel's `out_relu` features, pooled, within 1e-4 relative — as weights applied, and end to end
 * through `mobilenet pretrained` and `mobilenet embed` on PNG files. Run directories are sources too.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/presets.js';
import { pretrained } from '../../src/weights/pretrained.js';
import { applyWeights, readWeightSource } from '../../src/weights/index.js';
import { runCli } from '../helpers.js';
import { tmpDir } from './h5-fixtures.js';

const require = createRequire(import.meta.url);
const dir = tmpDir('tfjs-source');
const nsfw = path.join(dir, 'nsfwjs-mobilenet_v2');

/** nsfwjs's model as model.json + group1-shard1of1 in `out`, as tensorflowjs_converter wrote it. */
async function unpackNsfwjs(out: string): Promise<void> {
  const main = require.resolve('nsfwjs'); // …/node_modules/nsfwjs/dist/…
  const base = main.slice(0, main.lastIndexOf(`${path.sep}dist${path.sep}`));
  const model = require(path.join(base, 'dist/models/mobilenet_v2/model.min.js')) as Record<string, unknown>;
  const shard = require(path.join(base, 'dist/models/mobilenet_v2/group1-shard1of1.min.js')) as string;
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(path.join(out, 'model.json'), JSON.stringify(model));
  await fs.writeFile(path.join(out, 'group1-shard1of1'), Buffer.from(shard, 'base64'));
}

before(async () => {
  await initBackend('auto');
  await unpackNsfwjs(nsfw);
});
after(() => fs.rm(dir, { recursive: true, force: true }));

/** Stock tf.loadLayersModel's nsfwjs model, cut at `out_relu` ([B, 7, 7, 1280]). */
async function stockOutRelu(): Promise<tfl.LayersModel> {
  const json = JSON.parse(await fs.readFile(path.join(nsfw, 'model.json'), 'utf8'));
  const shard = await fs.readFile(path.join(nsfw, 'group1-shard1of1'));
  const stock = await tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
    weightData: shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength),
  }));
  return tfl.model({ inputs: stock.inputs, outputs: stock.getLayer('out_relu').output });
}

test("nsfwjs's MobileNetV2 backbone in our V2 gives stock tf.loadLayersModel's out_relu features, pooled, within 1e-4", async () => {
  const features = await stockOutRelu();

  const src = await readWeightSource(nsfw);
  assert.match(src.description, /^tfjs:/);
  assert.deepEqual([src.arch, src.alpha, src.includeTop, src.inputShape], ['v2', 1, false, [224, 224, 3]]);
  const ours = buildModel('v2', { inputShape: [224, 224, 3], includeTop: false, pooling: 'avg' });
  const r = applyWeights(ours, src);
  assert.equal(r.loaded.length, 104);
  assert.deepEqual(r.skipped, ['dense_1', 'dense_2', 'dense_3']);
  assert.match(r.notice!, /^notice: 3 layers of tfjs:.* not in the model, skipped: dense_1, dense_2, dense_3$/);

  const x = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 3); // [2, 224, 224, 3], tf preprocessing's range
  const want = tf.tidy(() => tf.mean(features.predict(x) as tf.Tensor, [1, 2]).arraySync() as number[][]); // [2, 1280]
  const got = tf.tidy(() => (ours.predict(x) as tf.Tensor).arraySync() as number[][]); // [2, 1280]
  const scale = Math.max(...want.flat().map(Math.abs));
  const worst = Math.max(...got.flat().map((v, i) => Math.abs(v - want.flat()[i])));
  assert.ok(scale > 0.1, `features are not all ~0 (max ${scale})`);
  assert.ok(worst / scale <= 1e-4, `max |ours − stock| / max |stock| = ${(worst / scale).toExponential(2)}`);
});

test("mobilenet pretrained --weights <nsfwjs> --no-top, then mobilenet embed: stock out_relu features, pooled, within 1e-4", async () => {
  const run = path.join(dir, 'run-embed');
  const p = runCli(['pretrained', '--arch', 'v2', '--weights', nsfw, '--no-top', '--pooling', 'avg', '--out', run]);
  assert.equal(p.status, 0, p.stderr);
  const files: string[] = [];
  const raw: Uint8Array[] = [];
  for (const k of [1, 2]) { // random RGB pixels, 224×224 (no resize): the stock input is pixel / 127.5 − 1 (Keras's tf mode)
    let s = k;
    const px = Uint8Array.from({ length: 224 * 224 * 3 }, () => { s = (s * 1103515245 + 12345) % 2147483648; return s >> 23; });
    files.push(path.join(dir, `random-${k}.png`));
    raw.push(px);
    await fs.writeFile(files.at(-1)!, await sharp(px, { raw: { width: 224, height: 224, channels: 3 } }).png().toBuffer());
  }
  const e = runCli(['embed', run, ...files, '--json', '--batch-size', '2']);
  assert.equal(e.status, 0, e.stderr);
  const got = files.map((f) => (JSON.parse(e.stdout) as Record<string, number[]>)[f]);
  const features = await stockOutRelu();
  const x = tf.tensor4d(Float32Array.from(raw.flatMap((px) => Array.from(px)), (v) => v / 127.5 - 1), [2, 224, 224, 3]);
  const want = tf.tidy(() => tf.mean(features.predict(x) as tf.Tensor, [1, 2]).arraySync() as number[][]); // [2, 1280]
  x.dispose();
  assert.deepEqual(got.map((g) => g.length), [1280, 1280]);
  const scale = Math.max(...want.flat().map(Math.abs));
  const worst = Math.max(...got.flat().map((v, i) => Math.abs(v - want.flat()[i])));
  assert.ok(scale > 0.1, `features are not all ~0 (max ${scale})`);
  assert.ok(worst / scale <= 1e-4, `max |embed − stock| / max |stock| = ${(worst / scale).toExponential(2)}`);
});

test('a run directory is a source: pretrained from nsfwjs, then from that run, gives the same weights', async () => {
  const a = path.join(dir, 'run-a');
  const r = await pretrained({ arch: 'v2', weights: nsfw, out: a, includeTop: false, pooling: 'avg', inputShape: [96, 96, 3] });
  assert.equal(r.meta.preprocess, 'tf');
  assert.deepEqual(r.meta.normalization, { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  assert.equal(r.meta.output, 'features');
  assert.match(r.notice!, /skipped: dense_1, dense_2, dense_3/);
  const src = await readWeightSource(a);
  assert.deepEqual([src.description, src.arch, src.preprocess, src.includeTop], [`run:${a}`, 'v2', 'tf', false]);
  const b = path.join(dir, 'run-b');
  const r2 = await pretrained({ arch: 'v2', weights: a, out: b, includeTop: false, pooling: 'max' });
  assert.equal(r2.notice, undefined);
  const [sa, sb] = [src, await readWeightSource(b)];
  for (const [name, ws] of sa.layers) ws.forEach((w, i) => assert.deepEqual(sb.layers.get(name)![i].values, w.values, name));
  await assert.rejects(pretrained({ arch: 'v2', weights: a, out: path.join(dir, 'run-c'), preprocess: 'torch', includeTop: false, pooling: 'avg' }),
    /takes tf preprocessing \(recorded with it\); --preprocess torch would feed it other inputs/);
  await assert.rejects(fs.stat(path.join(dir, 'run-c')));
});
