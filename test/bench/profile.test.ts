/** The profiler's pure parts: kernel grouping and its table. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { groupKernels, renderProfile } from '../../src/bench/profile.js';

test('groupKernels sums per kernel name, sorts by total, and computes the share of the step', () => {
  const rows = groupKernels([
    { name: 'Add', kernelTimeMs: 1 }, { name: 'Conv2D', kernelTimeMs: 10 }, { name: 'Add', kernelTimeMs: 2 },
    { name: 'Mul', kernelTimeMs: { error: 'no timer' } },
  ], 20);
  assert.deepEqual(rows.map((r) => [r.name, r.calls, r.totalMs, r.pctOfStep]), [
    ['Conv2D', 1, 10, 50], ['Add', 2, 3, 15], ['Mul', 1, 0, 0],
  ]);
  const text = renderProfile({ arch: 'v1', backend: 'cpu', batch: 4, stepMs: 20, kernelMs: 13, kernels: rows }, 1);
  assert.match(text, /^Conv2D +1 +10\.0 +10\.00 +50\.0$/m);
  assert.match(text, /^\(2 other kernels\) +3 +3\.0/m);
  assert.match(text, /^\(outside kernels.*7\.0 +0\.00 +35\.0$/m);
});

test('groupKernels drops records that are not kernels of the backend (customGrad scopes)', () => {
  const rows = groupKernels([{ name: 'fusedConv2d__op', kernelTimeMs: 5 }, { name: 'Conv2D', kernelTimeMs: 4 }], 10, 'cpu');
  assert.deepEqual(rows.map((r) => r.name), ['Conv2D']);
});
