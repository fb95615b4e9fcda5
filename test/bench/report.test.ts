/** Pure parts of the benchmark: kernel grouping, the suite table, the peer's command line. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { groupKernels, renderProfile } from '../../src/bench/profile.js';
import { renderSuite, SUITE, SuiteRow } from '../../src/bench/suite.js';
import { peerArgs, peerScriptPath } from '../../src/bench/peer.js';

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

test('the suite covers the issue\'s cases: V1 and V2, mnist train 128 / infer 256, imagenet infer 32', () => {
  assert.deepEqual(SUITE.map((c) => `${c.arch} ${c.mode} ${c.preset} ${c.batch}`), [
    'v1 train mnist 128', 'v1 infer mnist 256', 'v1 infer imagenet 32',
    'v2 train mnist 128', 'v2 infer mnist 256', 'v2 infer imagenet 32',
  ]);
});

test('renderSuite: ratio column, dashes for missing values, shared footnotes', () => {
  const base = { arch: 'v1', preset: 'mnist', threads: 2, steps: 3, msPerStep: 100 } as const;
  const rows: SuiteRow[] = [
    { ...base, mode: 'train', batch: 128, backend: 'onednn', imagesPerSecond: 400, pytorchImagesPerSecond: 200, ratio: 2 },
    { ...base, mode: 'train', batch: 128, backend: 'cpu', threads: 1, imagesPerSecond: null, msPerStep: null, pytorchImagesPerSecond: null, ratio: null, note: 'skipped' },
    { ...base, mode: 'infer', batch: 256, backend: 'cpu', threads: 1, imagesPerSecond: 1.5, pytorchImagesPerSecond: null, ratio: null, note: 'skipped' },
  ];
  const md = renderSuite(rows);
  assert.match(md, /^\| V1 \| train \| 28×28×1 \| 128 \| onednn \| 2 \| 3 \| 400\.0 \| 200\.0 \| 2\.00× \|$/m);
  assert.match(md, /^\| V1 \| train \| 28×28×1 \| 128 \| cpu \[1\] \| 1 \| 3 \| — \| — \| — \|$/m);
  assert.match(md, /^\| V1 \| infer \| 28×28×1 \| 256 \| cpu \[1\] \| 1 \| 3 \| 1\.50 \| — \| — \|$/m);
  assert.equal(md.match(/^\[1\] skipped$/gm)?.length, 1);
});

test('peerArgs passes mode, arch, batch, threads and the imagenet shape', () => {
  const p = { python: '/usr/bin/python3', script: '/x/peer.py', torch: '1.13' };
  assert.deepEqual(peerArgs(p, { arch: 'v2', mode: 'infer', preset: 'imagenet', batch: 32, threads: 2, steps: 3, warmup: 1 }), [
    '/x/peer.py', '--mode', 'infer-bench', '--arch', 'v2', '--batch', '32', '--threads', '2', '--steps', '3', '--warmup', '1',
    '--input', '224', '--channels', '3', '--classes', '1000', '--json',
  ]);
  assert.equal(peerArgs(p, { arch: 'v1', mode: 'train', preset: 'mnist', batch: 128, threads: 1, steps: 1, warmup: 0 })[2], 'train-bench');
  assert.equal(peerScriptPath('/work/main'), '/work/shared/peers/pytorch_mobilenet.py');
});
