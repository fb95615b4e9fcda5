/**
 * The int8 rows of `npm run bench`: the row arithmetic with fake figures (strongest of onnxruntime float and int8,
 * the ratios and their ranges, failures), the interleaved rounds, the table; and one real row (V2 28×28 batch 1,
 * one round of one step) where the native addon and onnxruntime-node are there: all four contestants measured; and
 * that onnxruntime runs the bench's int8 V1 with its int8 kernels only (without BN statistics it kept ten float convs).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import onnxProto from 'onnx-proto';
import { initBackend, nativeAvailable } from '../../src/backend/index.js';
import {
  INT8_CONTESTANTS, Int8RowMeta, calibrateBatchNorm, int8RowOf, measureInt8Row, quantizeForBench, renderInt8Rows, runInt8Rounds,
} from '../../src/bench/int8-rows.js';
import { randomInput } from '../../src/bench/int8.js';
import { loadOrt } from '../../src/bench/ort.js';
import { isWeightOp } from '../../src/engine/int8-ir.js';
import { convertInt8ToOnnx } from '../../src/export/onnx/qdq.js';
import { buildModel } from '../../src/models/presets.js';

const META: Int8RowMeta = { arch: 'v2', preset: 'mnist', batch: 256, threads: 2, steps: 3, warmup: 1, rounds: 3 };

test('int8RowOf: medians; the ratio counts against the faster onnxruntime figure, int8 or float', () => {
  const fast8 = int8RowOf(META, {
    int8: { samples: [900, 1000, 1100] }, float: { samples: [400, 500, 600] },
    ortFloat: { samples: [300, 250, 350] }, ortInt8: { samples: [600, 400, 500] },
  });
  assert.deepEqual([fast8.int8, fast8.float, fast8.ortFloat, fast8.ortInt8], [1000, 500, 300, 500]);
  assert.equal(fast8.strongestPeer, 'ortInt8');
  assert.equal(fast8.ratio, 2);
  assert.deepEqual([fast8.ratioLow, fast8.ratioHigh], [900 / 600, 1100 / 400]);
  assert.deepEqual([fast8.vsFloat, fast8.vsFloatLow, fast8.vsFloatHigh], [2, 900 / 600, 1100 / 400]);
  assert.equal(fast8.vsOrtFloat, 1000 / 300);
  assert.equal(fast8.vsOrtInt8, 2);
  assert.equal(fast8.series.ortInt8?.median, 500);
  assert.equal(fast8.notes, undefined);
  const fastF = int8RowOf(META, { int8: { samples: [1000] }, float: { samples: [500] }, ortFloat: { samples: [800] }, ortInt8: { samples: [400] } });
  assert.equal(fastF.strongestPeer, 'ortFloat');
  assert.equal(fastF.ratio, 1000 / 800);
});

test('int8RowOf: a failed contestant is a note and leaves the other peer the strongest; the spread flag', () => {
  const r = int8RowOf(META, {
    int8: { samples: [1000, 500, 1500] }, float: { samples: [500] }, ortFloat: { samples: [300] },
    ortInt8: { samples: [], failure: 'onnxruntime: no QLinearConv' },
  });
  assert.equal(r.ortInt8, null);
  assert.equal(r.vsOrtInt8, null);
  assert.equal(r.strongestPeer, 'ortFloat');
  assert.equal(r.ratio, 1000 / 300);
  assert.deepEqual(r.notes, ['onnxruntime int8: onnxruntime: no QLinearConv']);
  assert.deepEqual(r.spread, ['int8']);
  const partial = int8RowOf(META, { int8: { samples: [1000], failure: 'boom' } });
  assert.deepEqual(partial.notes, ['ours int8: boom (in some rounds; the figures are of the others)']);
  assert.deepEqual([partial.strongestPeer, partial.ratio, partial.vsFloat], [null, null, null]);
  const none = int8RowOf(META, { int8: { samples: [], failure: 'x' }, ortFloat: { samples: [10] } });
  assert.deepEqual([none.int8, none.strongestPeer, none.ratio], [null, 'ortFloat', null]);
});

test('runInt8Rounds: int8, float, ort float, ort int8 in each round; a throwing timer is tallied, not thrown', async () => {
  const order: string[] = [];
  let n = 0;
  const timer = (w: string, fail = false) => async () => {
    order.push(w);
    if (fail && n++ === 0) throw new Error('first round failed\nstack');
    return 100;
  };
  const t = await runInt8Rounds({ ortInt8: timer('ortInt8', true), int8: timer('int8'), float: timer('float'), ortFloat: timer('ortFloat') }, 2);
  assert.deepEqual(order, [...INT8_CONTESTANTS, ...INT8_CONTESTANTS]);
  assert.deepEqual(t.int8, { samples: [100, 100] });
  assert.deepEqual(t.ortInt8, { samples: [100], failure: 'first round failed' });
  const only = await runInt8Rounds({ int8: timer('int8') }, 1);
  assert.deepEqual(Object.keys(only), ['int8']);
});

test('renderInt8Rows: a column per contestant with min–max, int8 / float and int8 / strongest peer named, notes', () => {
  const a = int8RowOf(META, {
    int8: { samples: [900, 1000, 1100] }, float: { samples: [480, 500, 520] },
    ortFloat: { samples: [300, 290, 310] }, ortInt8: { samples: [520, 480, 500] },
  });
  const b = int8RowOf({ ...META, preset: 'imagenet', batch: 1, rounds: 1 }, {
    int8: { samples: [50] }, float: { samples: [20] }, ortFloat: { samples: [40] }, ortInt8: { samples: [], failure: 'bad' },
  });
  const md = renderInt8Rows([a, b]).split('\n');
  assert.match(md[2], /\| ours int8 \| ours float \| onnxruntime float \| onnxruntime int8 \| int8 \/ ours float \| int8 \/ strongest peer \|$/);
  assert.equal(md[4], '| v2 | 28×28×1 | 256 | 2 | 1000 (900–1100) | 500 (480–520) | 300 (290–310) | 500 (480–520) | 2.00× (1.73–2.29) | 2.00× onnxruntime int8 (1.73–2.29) |');
  assert.equal(md[5], '| v2 | 224×224×3 | 1 | 2 | 50.0 | 20.0 | 40.0 | – | 2.50× | 1.25× onnxruntime float |');
  assert.deepEqual(md.slice(6), ['', 'v2 imagenet batch 1: onnxruntime int8: bad']);
  const wide = renderInt8Rows([int8RowOf(META, { int8: { samples: [500, 1000, 1500] }, float: { samples: [500] } })]).split('\n');
  assert.match(wide[4], /\| 1000 \(500–1500\) \* \| 500 \| – \| – \| 2\.00× \(1\.00–3\.00\) \| – \|$/);
  assert.match(wide[6], /^\* spread over 30% between rounds/);
});

test('measureInt8Row: one real row, every contestant measured (native addon and onnxruntime-node)', async (t) => {
  if (!nativeAvailable().available) return t.skip('no native addon');
  const ort = await loadOrt();
  if ('missing' in ort) return t.skip(ort.missing);
  const r = await measureInt8Row('v2', 'mnist', 1, { steps: 1, warmup: 1, rounds: 1 });
  assert.equal(r.notes, undefined, JSON.stringify(r.notes));
  for (const w of INT8_CONTESTANTS) assert.ok((r[w] ?? 0) > 0, `${w}: ${r[w]}`);
  assert.ok(r.strongestPeer === 'ortFloat' || r.strongestPeer === 'ortInt8');
  assert.equal(r.ratio, r.int8! / Math.max(r.ortFloat!, r.ortInt8!));
});

test('the bench model (BN statistics from random images): onnxruntime runs every V1 weight op as QLinearConv', async (t) => {
  const loaded = await loadOrt();
  if ('missing' in loaded) return t.skip(loaded.missing);
  await initBackend('auto');
  const model = buildModel('v1', { classifierActivation: null, seed: 1 }, 'mnist');
  calibrateBatchNorm(model, randomInput(8 * 784), [28, 28, 1]);
  const m = quantizeForBench(model, 784);
  model.dispose();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-int8-rows-'));
  try {
    const file = path.join(dir, 'optimized.onnx');
    const s = await loaded.ort.InferenceSession.create(convertInt8ToOnnx(m).bytes, {
      graphOptimizationLevel: 'all', intraOpNumThreads: 1, optimizedModelFilePath: file, logSeverityLevel: 3,
    });
    await s.release();
    const ops = onnxProto.onnx.ModelProto.decode(await fs.readFile(file)).graph!.node!.map((n) => n.opType ?? '');
    assert.equal(ops.filter((o) => o === 'QLinearConv').length, m.ops.filter(isWeightOp).length, ops.join(' '));
    assert.ok(!ops.some((o) => o === 'Conv' || o === 'FusedConv'), ops.join(' '));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
