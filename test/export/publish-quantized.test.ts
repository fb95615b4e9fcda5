/** train --quantize: the published model has quantized weights, checkpoint/ stays float32, the run still loads. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readModelJson } from '../../src/format/manifest.js';
import { loadRun } from '../../src/run/run-dir.js';
import { train } from '../../src/train/train.js';
import { TINY, bandDataset } from '../train/fixture.js';

test('train with quantize publishes float16 weights and reports their test accuracy', async () => {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-trainq-'));
  try {
    const r = await train({ ...TINY, dataset: bandDataset(), epochs: 1, batchSize: 32, out, quantize: 'float16' });
    assert.equal(r.quantized?.dtype, 'float16');
    assert.ok(Math.abs(r.quantized!.test.accuracy - r.test!.accuracy) <= 1 / 30 + 1e-9, `${r.quantized!.test.accuracy} vs ${r.test!.accuracy}`);
    const files = await fs.readdir(out);
    assert.ok(files.includes('group1-shard1of1.bin') && !files.includes('weights.bin'), files.join(' '));
    const json = await readModelJson(path.join(out, 'model.json'));
    assert.ok(json.weightsManifest[0].weights.every((w) => w.quantization?.dtype === 'float16'));
    assert.ok((await fs.readdir(path.join(out, 'checkpoint'))).includes('weights.bin'), 'checkpoint stays float32');
    const run = await loadRun(out);
    assert.equal(run.model.outputs[0].shape[1], 3);
    run.model.dispose();
  } finally {
    await fs.rm(out, { recursive: true, force: true });
  }
});
