import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { breakdownByKind } from '../../src/cost/breakdown.js';
import { modelCost } from '../../src/cost/model-cost.js';
import { paperTables } from '../../src/cost/paper-tables.js';
import { costReport, renderCost } from '../../src/cost/report.js';
import { separableComparison } from '../../src/cost/separable.js';
import { buildModel } from '../../src/models/presets.js';

await initBackend('cpu');

test('V3 mult-adds at 224x224x3: Large 216.59M (released table 217M), Small 56.51M (paper 56M)', () => {
  assert.equal(modelCost(buildModel('v3-large')).multAdds, 216_589_760);
  assert.equal(modelCost(buildModel('v3-small')).multAdds, 56_510_400);
});

test('V3 separable comparison: every block from depthwise to project, across hard-swish and SE', () => {
  for (const [arch, blocks] of [['v3-large', 15], ['v3-small', 11]] as const) {
    const s = separableComparison(buildModel(arch));
    assert.equal(s.blocks.length, blocks, arch);
    for (const b of s.blocks) {
      assert.equal(b.pointwise, b.depthwise.replace(/depthwise$/, 'project'));
      assert.ok(Math.abs(b.ratio - b.formula) < 1e-12, b.depthwise);
    }
    const five = s.blocks.find((b) => b.depthwise === 'expanded_conv_3_depthwise')!;
    assert.equal(five.kernel, 5);
    assert.ok(s.network.fullConvMultAdds > 5 * s.network.multAdds);
  }
});

test('V3 breakdown names the 5x5 depthwise kernels; SE convs and the head count as fully connected', () => {
  const rows = breakdownByKind(modelCost(buildModel('v3-large')));
  const dw = rows.find((r) => r.kind === 'depthwise')!;
  assert.equal(dw.label, 'Conv DW 3x3, 5x5');
  assert.equal(dw.layers, 15);
  assert.equal(rows.find((r) => r.kind === 'fc')!.layers, 2 * 8 + 2); // 8 SE blocks, conv_2, logits
  assert.equal(breakdownByKind(modelCost(buildModel('v2'))).find((r) => r.kind === 'depthwise')!.label, 'Conv DW 3x3');
});

test('V3 paper tables: Table 3 and the released Large rows match, except where the notes explain', () => {
  const rows = paperTables('v3-small');
  assert.equal(rows.length, 10);
  const explained = (r: (typeof rows)[number]) => r.note !== undefined;
  for (const r of rows.filter((x) => !explained(x))) {
    assert.ok(r.multAddsMatch && r.paramsMatch, `${r.table} ${r.arch} ${r.alpha}`);
  }
  const large = rows.find((r) => r.table === 'V3 Table 3' && r.arch === 'v3-large' && r.alpha === 1)!;
  assert.equal(large.multAddsMatch, false, 'paper 219M vs 216.59M');
  assert.equal(large.paramsMatch, true);
  const released = rows.find((r) => r.table === 'V3 released' && r.arch === 'v3-large' && r.alpha === 1 && !r.minimalistic)!;
  assert.equal(released.multAddsMatch, true, 'released 217M');
  const minimal = rows.find((r) => r.minimalistic && r.arch === 'v3-large')!;
  assert.equal(Math.round(minimal.multAdds / 1e6), 209);
  const text = renderCost(costReport(buildModel('v3-small', {}, 'mnist'), { arch: 'v3-small' }));
  assert.match(text, /V3 Table 3 +v3-small 0\.75-224 +44M +43\.40M +yes +2\.0M +2\.028M +yes/);
  assert.match(text, /cannot be of the released architecture/);
  assert.equal(paperTables('v2').length, 9, 'V1/V2 archs keep the V1 and V2 tables');
});
