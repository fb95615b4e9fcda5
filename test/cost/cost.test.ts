import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { breakdownByKind } from '../../src/cost/breakdown.js';
import { modelCost } from '../../src/cost/model-cost.js';
import { paperTables } from '../../src/cost/paper-tables.js';
import { costReport, renderCost } from '../../src/cost/report.js';
import { separableComparison } from '../../src/cost/separable.js';
import { renderSummary, summaryJson } from '../../src/cost/summary.js';
import { buildModel } from '../../src/models/presets.js';

await initBackend('cpu');

/** input 5x5x3 → conv 3x3/2 (4) → BN → dw 3x3/1 ×2 → pw 1x1 (6) → GAP → dense (7). */
function tinyModel(): tfl.LayersModel {
  const x = tfl.input({ shape: [5, 5, 3] });
  let y = tfl.layers.conv2d({ name: 'c', filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x);
  y = tfl.layers.batchNormalization({ name: 'bn' }).apply(y);
  y = tfl.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: false }).apply(y);
  y = tfl.layers.reLU({ name: 'r' }).apply(y);
  y = tfl.layers.conv2d({ name: 'pw', filters: 6, kernelSize: 1, useBias: false }).apply(y);
  y = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(y);
  y = tfl.layers.dense({ name: 'fc', units: 7 }).apply(y);
  return tfl.model({ inputs: x, outputs: y as tfl.SymbolicTensor, name: 'tiny' });
}

test('per-layer mult-adds and params against hand counts', () => {
  const c = modelCost(tinyModel());
  const row = (n: string) => c.layers.find((l) => l.name === n)!;
  // conv: outH·outW·kH·kW·Cin·Cout = 3·3·3·3·3·4
  assert.equal(row('c').multAdds, 972);
  assert.deepEqual(row('c').outputShape, [3, 3, 4]);
  assert.equal(row('c').kernel, '3x3/2');
  assert.equal(row('c').params, 108);
  // BN: 0 MACs, γ β trainable, mean var not
  assert.equal(row('bn').multAdds, 0);
  assert.equal(row('bn').trainableParams, 8);
  assert.equal(row('bn').nonTrainableParams, 8);
  // depthwise: outH·outW·kH·kW·C·mult = 3·3·3·3·4·2
  assert.equal(row('dw').multAdds, 648);
  assert.equal(row('dw').params, 72);
  // pointwise: 3·3·1·1·8·6
  assert.equal(row('pw').multAdds, 432);
  // dense: in·out, params with bias
  assert.equal(row('fc').multAdds, 42);
  assert.equal(row('fc').params, 49);
  assert.equal(row('fc').weightParams, 42);
  assert.equal(row('gap').multAdds, 0);
  assert.equal(c.multAdds, 972 + 648 + 432 + 42);
  assert.equal(c.totalParams, 108 + 16 + 72 + 48 + 49);
  assert.equal(c.trainableParams + c.nonTrainableParams, c.totalParams);
});

test('separable comparison: a dw + pw pair against a standard conv, and the formula', () => {
  const s = separableComparison(tinyModel());
  assert.equal(s.blocks.length, 1);
  const b = s.blocks[0];
  assert.equal(b.standardMultAdds, 3 * 3 * 3 * 3 * 4 * 6); // same in (3x3x4) and out (3x3x6)
  assert.equal(b.separableMultAdds, 648 + 432);
  assert.equal(b.formula, 1 / 6 + 1 / 9);
  // depth multiplier 2 doubles both parts: the measured ratio is twice the formula here
  assert.ok(Math.abs(b.ratio - 2 * b.formula) < 1e-12);
});

test('V1: every block ratio equals 1/N + 1/Dk² and the full-convolution network is the paper\'s', () => {
  const m = buildModel('v1', {}, 'imagenet');
  const s = separableComparison(m);
  assert.equal(s.blocks.length, 13);
  for (const b of s.blocks) assert.ok(Math.abs(b.ratio - b.formula) < 1e-12, b.depthwise);
  // Paper Table 4: Conv MobileNet 4866M mult-adds, 29.3M params; MobileNet 569M, 4.2M
  assert.equal(Math.round(s.network.fullConvWeightParams / 1e5) / 10, 29.3);
  assert.ok(Math.abs(s.network.fullConvMultAdds / 1e6 - 4866) < 2);
  assert.equal(s.network.multAdds, 568_740_352);
});

test('V1 breakdown by layer type reproduces the paper\'s Table 2 shares', () => {
  const rows = breakdownByKind(modelCost(buildModel('v1', {}, 'imagenet')));
  const pct = (k: string, f: 'multAddsShare' | 'paramsShare') => Number((100 * rows.find((r) => r.kind === k)![f]).toFixed(2));
  assert.equal(pct('conv1x1', 'multAddsShare'), 94.86);
  assert.equal(pct('conv1x1', 'paramsShare'), 74.59);
  assert.equal(pct('depthwise', 'multAddsShare'), 3.06);
  assert.equal(pct('depthwise', 'paramsShare'), 1.06);
  assert.equal(pct('fc', 'multAddsShare'), 0.18);
  assert.equal(pct('fc', 'paramsShare'), 24.33);
  assert.equal(pct('conv', 'paramsShare'), 0.02);
  const total = rows.reduce((s, r) => s + r.multAddsShare, 0);
  assert.ok(Math.abs(total - 1) < 1e-12);
});

test('papers\' multiplier tables: every V1 row and V2 1.0 match; V2 1.4 matches the released model', () => {
  const rows = paperTables();
  assert.equal(rows.length, 9);
  for (const r of rows.filter((x) => !(x.arch === 'v2' && x.alpha === 1.4))) {
    assert.ok(r.multAddsMatch && r.paramsMatch, `${r.arch} ${r.alpha}-${r.resolution}`);
  }
  const v2 = rows.find((r) => r.arch === 'v2' && r.alpha === 1)!;
  assert.equal(v2.multAdds, 300_774_272);
  const big = rows.find((r) => r.arch === 'v2' && r.alpha === 1.4)!;
  assert.equal(Math.round(big.multAdds / 1e6), 582); // slim README: 582M, 6.06M
  assert.equal(Math.round(big.weightParams / 1e4) / 100, 6.06);
  assert.ok(big.note);
});

test('summary JSON has the documented keys and totals', () => {
  const m = buildModel('v2', {}, 'mnist');
  const s = summaryJson(m, { arch: 'v2', alpha: 1, classes: 10 });
  assert.deepEqual(Object.keys(s), ['arch', 'alpha', 'inputShape', 'classes', 'totalParams', 'trainableParams',
    'nonTrainableParams', 'multAdds', 'layers']);
  assert.deepEqual(s.inputShape, [28, 28, 1]);
  assert.equal(s.layers.reduce((a, l) => a + l.params, 0), s.totalParams);
  assert.equal(s.layers.reduce((a, l) => a + l.multAdds, 0), s.multAdds);
  assert.deepEqual(Object.keys(s.layers[1]), ['name', 'type', 'outputShape', 'params', 'multAdds']);
  const text = renderSummary(s);
  assert.match(text, /Total params: +2,270,218/);
  assert.match(renderSummary(s, 'markdown'), /^\| Layer \| Type \|/m);
});

test('cost report renders every section', () => {
  const r = costReport(buildModel('v1', {}, 'mnist'), { paperTables: false });
  const text = renderCost(r);
  for (const s of ['Standard vs depthwise-separable', 'Whole network', 'Breakdown by layer type', 'Mult-adds count']) {
    assert.ok(text.includes(s), s);
  }
  assert.match(renderCost(r, 'markdown'), /\| Block \| In → out \|/);
});
