/** The benchmark's markdown: the per-run table, the peers line, the thread-scaling table. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { selectCases } from '../../src/bench/cases.js';
import { PeerStatus } from '../../src/bench/peers.js';
import { renderPeers, renderReport, renderScaling, renderSuite, SuiteReport } from '../../src/bench/render.js';
import { SuiteRow } from '../../src/bench/suite.js';

function row(name: string, over: Partial<SuiteRow>): SuiteRow {
  const c = selectCases(['v2'], [name])[0];
  return {
    ...c, backend: 'onednn', threads: 2, steps: 3, warmup: 1, imagesPerSecond: null, msPerStep: null,
    peers: {}, strongestPeer: null, strongestImagesPerSecond: null, ratio: null, ...over,
  };
}

const ROWS: SuiteRow[] = [
  row('train', {
    imagesPerSecond: 574.25, msPerStep: 222.9,
    peers: { 'pytorch-cl': { imagesPerSecond: 1030, msPerStep: 124.3 }, 'pytorch-nchw': { imagesPerSecond: 375, msPerStep: 341 }, onnxruntime: null },
    strongestPeer: 'pytorch-cl', strongestImagesPerSecond: 1030, ratio: 574.25 / 1030,
  }),
  row('latency-28', {
    imagesPerSecond: 95, msPerStep: 10.53, steps: 60, warmup: 20,
    peers: { 'pytorch-cl': { imagesPerSecond: null, msPerStep: null, note: 'pytorch-cl: boom' }, onnxruntime: { imagesPerSecond: 2249, msPerStep: 0.44 } },
    strongestPeer: 'onnxruntime', strongestImagesPerSecond: 2249, ratio: 95 / 2249,
  }),
  row('train', { backend: 'cpu', threads: 1, note: 'skipped: slow' }),
];

test('renderSuite: one line per row, a column per peer, ratio naming the strongest peer, shared footnotes', () => {
  const md = renderSuite(ROWS, ['pytorch-cl', 'pytorch-nchw', 'onnxruntime']);
  const lines = md.split('\n');
  assert.equal(lines[0], '| model | case | input | batch | backend | threads | ours img/s | ours ms/batch | PyTorch CL img/s | PyTorch NCHW img/s | onnxruntime img/s | ours / strongest peer |');
  assert.equal(lines[1], '|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  assert.equal(lines[2], '| V2 | train | 28×28×1 | 128 | onednn | 2 | 574.3 | 222.9 | 1,030.0 | 375.0 | n/a | 0.56× PyTorch CL |');
  assert.equal(lines[3], '| V2 | latency | 28×28×1 | 1 | onednn | 2 | 95.0 | 10.5 | — [1] | — | 2,249.0 | 0.04× onnxruntime |');
  assert.equal(lines[4], '| V2 | train | 28×28×1 | 128 | cpu [2] | 1 | — | — | — | — | — | — |');
  assert.deepEqual(lines.slice(5), ['', '[1] pytorch-cl: boom', '[2] skipped: slow']);
});

test('renderSuite without peers has no peer columns', () => {
  const md = renderSuite([ROWS[0]], []);
  assert.match(md, /^\| model \| case \| input \| batch \| backend \| threads \| ours img\/s \| ours ms\/batch \| ours \/ strongest peer \|$/m);
  assert.match(md, /^\| V2 \| train \| 28×28×1 \| 128 \| onednn \| 2 \| 574\.3 \| 222\.9 \| 0\.56× PyTorch CL \|$/m);
});

const STATUS: PeerStatus[] = [
  { name: 'pytorch-cl', label: 'PyTorch CL', available: true, version: 'torch 2.11, channels_last' },
  { name: 'pytorch-nchw', label: 'PyTorch NCHW', available: false, reason: 'no torch' },
  { name: 'onnxruntime', label: 'onnxruntime', available: false, reason: 'no torch' },
];

test('renderPeers lists versions and groups the missing peers by reason', () => {
  assert.equal(renderPeers(STATUS), 'Peers: PyTorch CL: torch 2.11, channels_last; PyTorch NCHW, onnxruntime: unavailable (no torch).');
  assert.equal(renderPeers([]), 'Peers: none (--peers none).');
});

function report(threads: number, ips: number, ortIps: number): SuiteReport {
  return {
    machine: 'test machine', command: `npm run bench -- --threads ${threads}`, threads, steps: 3, warmup: 1, latencyStepFactor: 20,
    backends: [{ name: 'onednn', available: true }], peers: STATUS.map((p) => ({ ...p, available: true, version: 'v' })),
    rows: [row('latency-28', {
      threads, imagesPerSecond: ips, msPerStep: 1000 / ips,
      peers: { 'pytorch-cl': { imagesPerSecond: ips / 2, msPerStep: 1 }, 'pytorch-nchw': null, onnxruntime: { imagesPerSecond: ortIps, msPerStep: 1 } },
      strongestPeer: 'onnxruntime', strongestImagesPerSecond: ortIps, ratio: ips / ortIps,
    })],
  };
}

test('renderReport: machine, command and step counts above the peers line and the table', () => {
  const md = renderReport(report(2, 100, 400));
  assert.match(md, /^Throughput, images\/s \(test machine; `npm run bench -- --threads 2`; 3 timed step\(s\) after 1 warm-up, batch-1 rows ×20\):\n\nPeers: /);
  assert.match(md, /^\| V2 \| latency \| 28×28×1 \| 1 \| onednn \| 2 \| 100\.0 \| 10\.0 \| 50\.0 \| n\/a \| 400\.0 \| 0\.25× onnxruntime \|$/m);
});

test('renderScaling: one wide table (ours, each peer, the ratio; a column per thread count), failed runs, then each run', () => {
  const md = renderScaling({
    machine: 'm', command: 'npm run bench -- --threads 1,2,4', threads: [1, 2, 4],
    runs: [report(1, 40, 100), report(2, 70, 180), { threads: 4, error: 'child exited 1: bench: boom' }],
  });
  const table = md.split('\n').filter((l) => l.startsWith('| '));
  assert.deepEqual(table.slice(0, 5), [
    '| model | case | input | batch | who | 1 thread | 2 threads | 4 threads |',
    '| V2 | latency | 28×28×1 | 1 | ours (onednn) | 40.0 | 70.0 | — |',
    '| V2 | latency | 28×28×1 | 1 | PyTorch CL | 20.0 | 35.0 | — |',
    '| V2 | latency | 28×28×1 | 1 | PyTorch NCHW | n/a | n/a | — |',
    '| V2 | latency | 28×28×1 | 1 | onnxruntime | 100.0 | 180.0 | — |',
  ]);
  assert.equal(table[5], '| V2 | latency | 28×28×1 | 1 | ours / strongest | 0.40× onnxruntime | 0.39× onnxruntime | — |');
  assert.match(md, /^### 1 thread\n\nThroughput, images\/s \(test machine; `npm run bench -- --threads 1`/m);
  assert.match(md, /^### 4 threads\n\nfailed: child exited 1: bench: boom$/m);
});
