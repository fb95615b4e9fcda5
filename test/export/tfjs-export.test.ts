/**
 * export --format tfjs: the converter's file layout and manifest, loaded by stock tf.loadLayersModel over
 * HTTP (tfjs' own manifest parsing, shard fetching and dequantization), sizes, and bad input.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadLayersModel } from '../../src/format/layers-format.js';
import { exportTfjs } from '../../src/export/tfjs-export.js';
import { runCli } from '../helpers.js';
import { makeRunDir, removeDir } from '../serve/fixture.js';

let dir: string;
const outs: string[] = [];

before(async () => {
  dir = await makeRunDir(); // V2 alpha 0.35, 28x28x1, BN-calibrated, weights.bin + meta.json
});
after(async () => {
  for (const d of [dir, ...outs]) await removeDir(d);
});

/** Serves a directory on 127.0.0.1; returns its URL and a close function. */
async function serveDir(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    try {
      const body = await fs.readFile(path.join(root, path.basename(req.url ?? '')));
      res.writeHead(200).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const input = () => tf.randomNormal([8, 28, 28, 1], 0, 1, 'float32', 11) as tf.Tensor4D;

for (const dtype of ['float16', 'uint8', 'uint16'] as const) {
  test(`${dtype}: converter manifest; stock tf.loadLayersModel over HTTP reads it; weights within one rounding step`, async () => {
    const out = `${dir}-${dtype}`;
    outs.push(out);
    const r = await exportTfjs(dir, { quantize: dtype });
    assert.equal(r.dir, out);
    assert.deepEqual(r.files, ['model.json', 'group1-shard1of1.bin']);
    const json = JSON.parse(await fs.readFile(path.join(out, 'model.json'), 'utf8'));
    assert.deepEqual(Object.keys(json), ['format', 'generatedBy', 'convertedBy', 'modelTopology', 'weightsManifest']);
    assert.equal(json.format, 'layers-model');
    assert.equal(json.weightsManifest.length, 1);
    assert.deepEqual(Object.keys(json.weightsManifest[0]), ['paths', 'weights']);
    assert.deepEqual(json.weightsManifest[0].paths, ['group1-shard1of1.bin']);
    for (const w of json.weightsManifest[0].weights) {
      assert.deepEqual(Object.keys(w), ['name', 'shape', 'dtype', 'quantization']);
      assert.equal(w.dtype, 'float32');
      const keys = dtype === 'float16' ? ['dtype', 'original_dtype'] : ['dtype', 'min', 'scale', 'original_dtype'];
      assert.deepEqual(Object.keys(w.quantization), keys);
      assert.equal(w.quantization.dtype, dtype);
    }
    // meta.json and history.json come along: the export is a run directory
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(out, 'meta.json'), 'utf8')), JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')));

    const float = await loadLayersModel(dir);
    const ours = await loadLayersModel(out);
    const srv = await serveDir(out);
    try {
      const stock = await tfl.loadLayersModel(`${srv.url}/model.json`);
      const x = input();
      const [a, b] = [ours.predict(x) as tf.Tensor, stock.predict(x) as tf.Tensor];
      // the stock loader dequantizes exactly as ours (both are tfjs-core's decodeWeights)
      assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-5);
      // each weight dequantized within half a step (uint) or float16 rounding of the original
      const fw = float.getWeights();
      stock.getWeights().forEach((w, i) => {
        const spec = json.weightsManifest[0].weights[i];
        const d = tf.max(tf.abs(tf.sub(w, fw[i]))).dataSync()[0];
        const bound = dtype === 'float16' ? tf.max(tf.abs(fw[i])).dataSync()[0] * 2 ** -11 + 6e-8 : spec.quantization.scale / 2 + 1e-7;
        assert.ok(d <= bound * 1.0001, `${spec.name}: off by ${d} > ${bound}`);
      });
      tf.dispose([x, a, b]);
      stock.dispose();
    } finally {
      await srv.close();
      float.dispose();
      ours.dispose();
    }
  });
}

test('sizes on disk: float16 and uint16 halve the weights, uint8 quarters them', async () => {
  const size = async (d: string, f: string) => (await fs.stat(path.join(d, f))).size;
  const f32 = await size(dir, 'weights.bin');
  assert.equal(await size(`${dir}-float16`, 'group1-shard1of1.bin'), f32 / 2);
  assert.equal(await size(`${dir}-uint16`, 'group1-shard1of1.bin'), f32 / 2);
  assert.equal(await size(`${dir}-uint8`, 'group1-shard1of1.bin'), f32 / 4);
});

test('shards are cut at shardBytes and named groupN-shardIofK.bin; the loader reads them back', async () => {
  const out = `${dir}-sharded`;
  outs.push(out);
  const r = await exportTfjs(dir, { out, quantize: 'uint8', shardBytes: 150_000 });
  assert.deepEqual(r.files, ['model.json', 'group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin']);
  const sizes = await Promise.all(r.files.slice(1).map(async (f) => (await fs.stat(path.join(out, f))).size));
  assert.deepEqual(sizes.slice(0, 2), [150_000, 150_000]);
  assert.ok(sizes[2] > 0 && sizes[2] <= 150_000);
  const m = await loadLayersModel(out);
  assert.equal(m.countParams(), 422_730);
  m.dispose();
});

test('eval and predict accept a quantized run', () => {
  const r = runCli(['eval', `${dir}-uint8`, '--limit', '200', '--json', '--backend', 'cpu']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).accuracy >= 0);
});

test('bad input: missing shard, corrupt manifest, unknown layer, truncated shard → one line naming the file', async () => {
  const bad = `${dir}-bad`;
  outs.push(bad);
  await exportTfjs(dir, { out: bad, quantize: 'uint8' });
  const json = path.join(bad, 'model.json');
  const original = await fs.readFile(json, 'utf8');
  const expectOne = async (pattern: RegExp) => {
    await assert.rejects(loadLayersModel(bad), pattern);
    for (const cmd of [['eval', bad, '--limit', '10'], ['summary', bad]]) {
      const r = runCli([...cmd, '--backend', 'cpu'].filter((a) => cmd[0] === 'eval' || a !== '--backend' && a !== 'cpu'));
      assert.equal(r.status, 1, `${cmd[0]}: ${r.stderr}`);
      assert.match(r.stderr, /^mobilenet: /);
      assert.match(r.stderr.trim(), pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  };
  await fs.rename(path.join(bad, 'group1-shard1of1.bin'), path.join(bad, 'moved.bin'));
  await expectOne(/missing weights shard .*group1-shard1of1\.bin/);
  await fs.rename(path.join(bad, 'moved.bin'), path.join(bad, 'group1-shard1of1.bin'));

  await fs.writeFile(json, JSON.stringify({ ...JSON.parse(original), weightsManifest: JSON.parse(original).weightsManifest[0] }));
  await expectOne(/model\.json: corrupt weights manifest/);
  await fs.writeFile(json, original.replace('"dtype":"uint8"', '"dtype":"int4"'));
  await expectOne(/model\.json: weightsManifest entry .* unsupported quantization dtype "int4"/);
  await fs.writeFile(json, original.slice(0, 1000));
  await expectOne(/model\.json is not valid JSON/);
  await fs.writeFile(json, original);

  const shard = path.join(bad, 'group1-shard1of1.bin');
  const bytes = await fs.readFile(shard);
  await fs.writeFile(shard, bytes.subarray(0, bytes.length - 7));
  await expectOne(/group1-shard1of1\.bin are \d+ bytes, .*model\.json expects \d+/);
  await fs.writeFile(shard, bytes);

  await fs.writeFile(json, original.replace('"class_name":"GlobalAveragePooling2D"', '"class_name":"MysteryPooling"'));
  await assert.rejects(loadLayersModel(bad), /model\.json: unknown layer class MysteryPooling \(global_average_pooling2d\)/);
  await fs.writeFile(json, original);
});

test('export refuses to replace the run itself or a directory that is not a model', async () => {
  await assert.rejects(exportTfjs(dir, { out: dir, quantize: 'uint8' }), /is the run directory itself/);
  const other = `${dir}-other`;
  outs.push(other);
  await fs.mkdir(other);
  await fs.writeFile(path.join(other, 'precious.txt'), 'keep me');
  const r = runCli(['export', dir, '--format', 'tfjs', '--quantize', 'uint8', '--out', other]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^mobilenet: --out .* holds no model\.json; refusing to replace it \(choose another path\)\n$/);
  assert.equal(await fs.readFile(path.join(other, 'precious.txt'), 'utf8'), 'keep me');
});
