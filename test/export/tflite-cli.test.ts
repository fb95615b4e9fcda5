/**
 * `mobilenet export --format tflite|onnx` on run directories: a float run → model.tflite with the run's labels
 * in its metadata; a quantized run (meta.json "quantization", int8.json + int8.bin) → int8 TFLite and a QDQ ONNX;
 * a float run with --quantize int8 → quantized in memory and exported as int8 (TFLite and QDQ ONNX, nothing else
 * written); --quantize int8 on an int8 run is refused; a layer TFLite has no op for → one line naming it, exit 1,
 * nothing written.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readMeta, writeMeta } from '../../src/run/run-dir.js';
import { writeInt8Model } from '../../src/run/int8-files.js';
import { tinyInt8Model } from '../engine/int8-fixture.js';
import { runCli } from '../helpers.js';
import { makeRunDir, removeDir } from '../serve/fixture.js';

let run: string;
let int8: string;
before(async () => {
  run = await makeRunDir();
  int8 = `${run}-int8`;
  await fs.mkdir(int8);
  for (const f of ['model.json', 'weights.bin']) await fs.copyFile(path.join(run, f), path.join(int8, f));
  const meta = await readMeta(run);
  await writeMeta(int8, { ...meta, inputShape: [6, 6, 3], quantization: { kind: 'int8', file: 'int8.json', from: run } });
  await writeInt8Model(int8, tinyInt8Model(3));
});
after(async () => {
  await removeDir(run);
  await removeDir(int8);
});

test('a float run → DIR/model.tflite, float32, the labels in its metadata', () => {
  const r = runCli(['export', run, '--format', 'tflite', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.file, path.join(run, 'model.tflite'));
  assert.equal(j.dtype, 'float32');
  assert.deepEqual(j.inputShape, [1, 28, 28, 1]);
  assert.equal(j.outputName, 'logits');
  return fs.readFile(j.file).then((b) => {
    assert.equal(b.subarray(4, 8).toString('latin1'), 'TFL3');
    assert.ok(b.includes('"labels":"[\\"0\\",\\"1\\"'), 'labels in the metadata');
  });
});

test('a quantized run → int8 TFLite and QDQ ONNX; an opset without per-axis DequantizeLinear is refused', () => {
  const t = runCli(['export', int8, '--format', 'tflite', '--json']);
  assert.equal(t.status, 0, t.stderr);
  const tj = JSON.parse(t.stdout);
  assert.equal(tj.dtype, 'int8');
  assert.equal(tj.ops[0], 'QUANTIZE');
  const o = runCli(['export', int8, '--format', 'onnx', '--json']);
  assert.equal(o.status, 0, o.stderr);
  const oj = JSON.parse(o.stdout);
  assert.equal(oj.dtype, 'int8');
  assert.ok(oj.ops.includes('QuantizeLinear') && oj.ops.includes('DequantizeLinear'));
  const bad = runCli(['export', int8, '--format', 'onnx', '--opset', '11', '--out', path.join(int8, 'x.onnx')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /int8 \(QDQ\) export needs opset 13-17/);
  assert.ok(!existsSync(path.join(int8, 'x.onnx')));
});

test('export --quantize int8 on a float run: calibrated in memory, int8 TFLite and QDQ ONNX, the run untouched', async () => {
  const before = (await fs.readdir(run)).sort();
  const t = runCli(['export', run, '--format', 'tflite', '--quantize', 'int8', '--calibrate', '16', '--json']);
  assert.equal(t.status, 0, t.stderr);
  const tj = JSON.parse(t.stdout);
  assert.equal(tj.file, path.join(run, 'model-int8.tflite'));
  assert.equal(tj.dtype, 'int8');
  assert.equal(tj.ops[0], 'QUANTIZE');
  assert.ok(tj.ops.includes('CONV_2D') && !tj.ops.includes('MUL'), `int8 ops: ${tj.ops.join(' ')}`);
  const out = path.join(path.dirname(run), 'q.onnx');
  const o = runCli(['export', run, '--format', 'onnx', '--quantize', 'int8', '--calibrate', '16', '--method', 'percentile', '--out', out]);
  assert.equal(o.status, 0, o.stderr);
  assert.match(o.stdout, /int8 QDQ/);
  assert.match(o.stderr, /calibrating on 16 images of mnist \(percentile\)/);
  const b = await fs.readFile(out);
  assert.ok(b.includes('QuantizeLinear') && b.includes('percentile calibration on 16 images'));
  assert.deepEqual((await fs.readdir(run)).sort(), [...before, 'model-int8.tflite'].sort(), 'only the export written');
  await fs.rm(out);
  await fs.rm(tj.file);
  const again = runCli(['export', int8, '--format', 'onnx', '--quantize', 'int8', '--out', out]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /is an int8 run already \(mobilenet quantize\); export it without --quantize int8/);
  assert.ok(!existsSync(out));
});

test('a layer TFLite has no op for: one line naming it, exit 1, no file', async () => {
  const j = JSON.parse(await fs.readFile(path.join(run, 'model.json'), 'utf8'));
  j.modelTopology.config.layers.find((l: { name: string }) => l.name === 'predictions').config.activation = 'softsign';
  await fs.writeFile(path.join(run, 'model.json'), JSON.stringify(j));
  const out = path.join(path.dirname(run), 'softsign.tflite'); // outside the run: an export never writes into one
  const r = runCli(['export', run, '--format', 'tflite', '--out', out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^mobilenet: layer predictions: activation "softsign" has no TFLite op/m);
  assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  assert.ok(!existsSync(out), 'nothing written');
});
