/** The benchmark's markdown: the per-run table, the peers line, the thread-scaling table. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { selectCases } from '../../src/bench/cases.js';
import { PeerStatus } from '../../src/bench/peers.js';
import { HostInfo, machineLine, peakLine, renderPeers, renderReport, renderScaling, renderSuite, SPREAD_NOTE, SuiteReport } from '../../src/bench/render.js';
import { summarize } from '../../src/bench/rounds.js';
import { SuiteRow } from '../../src/bench/suite.js';

function row(name: string, over: Partial<SuiteRow>): SuiteRow {
  const c = selectCases(['v2'], [name])[0];
  return {
    ...c, backend: 'onednn', threads: 2, steps: 3, warmup: 1, imagesPerSecond: null, msPerStep: null,
    peers: {}, strongestPeer: null, strongestImagesPerSecond: null, ratio: null, ...over,
  };
}

const ROWS: SuiteRow[] = [
  row('train-28', {
    imagesPerSecond: 574.25, msPerStep: 222.9,
    peers: { 'pytorch-cl': { imagesPerSecond: 1030, msPerStep: 124.3 }, 'pytorch-nchw': { imagesPerSecond: 375, msPerStep: 341 }, onnxruntime: null },
    strongestPeer: 'pytorch-cl', strongestImagesPerSecond: 1030, ratio: 574.25 / 1030,
  }),
  row('latency-28', {
    imagesPerSecond: 95, msPerStep: 10.53, steps: 60, warmup: 20,
    peers: { 'pytorch-cl': { imagesPerSecond: null, msPerStep: null, note: 'pytorch-cl: boom' }, onnxruntime: { imagesPerSecond: 2249, msPerStep: 0.44 } },
    strongestPeer: 'onnxruntime', strongestImagesPerSecond: 2249, ratio: 95 / 2249,
  }),
  row('train-28', { backend: 'cpu', threads: 1, note: 'skipped: slow' }),
];

test('renderSuite: one line per row, a column per peer, ratio naming the strongest peer, shared footnotes', () => {
  const md = renderSuite(ROWS, ['pytorch-cl', 'pytorch-nchw', 'onnxruntime']);
  const lines = md.split('\n');
  assert.equal(lines[0], '| model | case | input | batch | backend | threads | ours img/s | ours ms/batch | GFLOP/s | of peak | PyTorch CL img/s | PyTorch NCHW img/s | onnxruntime img/s | ours / strongest peer |');
  assert.equal(lines[1], '|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  assert.equal(lines[2], '| V2 | train | 28×28×1 | 128 | onednn | 2 | 574.3 | 222.9 | — | — | 1,030.0 | 375.0 | n/a | 0.56× PyTorch CL |');
  assert.equal(lines[3], '| V2 | latency | 28×28×1 | 1 | onednn | 2 | 95.0 | 10.5 | — | — | — [1] | — | 2,249.0 | 0.04× onnxruntime |');
  assert.equal(lines[4], '| V2 | train | 28×28×1 | 128 | cpu [2] | 1 | — | — | — | — | — | — | — | — |');
  assert.deepEqual(lines.slice(5), ['', '[1] pytorch-cl: boom', '[2] skipped: slow']);
});

test('renderSuite with rounds: median (min–max), the ratio range, the roofline columns, the spread footnote', () => {
  const ours = summarize([100, 90, 130]); // spread 40%: flagged
  const peer = summarize([50, 48, 52]);
  const r = row('infer-224', {
    imagesPerSecond: ours!.median, msPerStep: 320, series: ours!, gflops: 19.5, peakShare: 0.2436, ratio: 2, ratioLow: 90 / 52, ratioHigh: 130 / 48,
    peers: { onnxruntime: { imagesPerSecond: 50, msPerStep: 640, series: peer! } }, strongestPeer: 'onnxruntime', strongestImagesPerSecond: 50,
    spread: ['ours'],
  });
  const lines = renderSuite([r], ['onnxruntime']).split('\n');
  assert.equal(lines[2], '| V2 | infer | 224×224×3 | 32 | onednn | 2 | 100.0 (90.0–130.0) [1] | 320.0 | 19.5 | 24% | 50.0 (48.0–52.0) | 2.00× onnxruntime (1.73–2.71) |');
  assert.deepEqual(lines.slice(3), ['', `[1] ${SPREAD_NOTE}`]);
  assert.match(SPREAD_NOTE, /^spread over 30% between rounds/);
});

test('renderSuite without peers has no peer columns', () => {
  const md = renderSuite([ROWS[0]], []);
  assert.match(md, /^\| model \| case \| input \| batch \| backend \| threads \| ours img\/s \| ours ms\/batch \| GFLOP\/s \| of peak \| ours \/ strongest peer \|$/m);
  assert.match(md, /^\| V2 \| train \| 28×28×1 \| 128 \| onednn \| 2 \| 574\.3 \| 222\.9 \| — \| — \| 0\.56× PyTorch CL \|$/m);
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

const HOST: HostInfo = { date: '2026-12-02T08:00:00.000Z', cpu: 'Test CPU', cores: 2, node: '20.0.0', loadAverage: [8.5, 7.25, 6] };

function report(threads: number, ips: number, ortIps: number): SuiteReport {
  return {
    machine: 'test machine', host: HOST, loadAverageEnd: [9, 8, 7], command: `npm run bench -- --threads ${threads}`, threads, steps: 3,
    warmup: 1, rounds: 5, latencyStepFactor: 20, peak: { gflops: 150.25, size: 2048, threads, repetitions: 3 },
    backends: [{ name: 'onednn', available: true }], peers: STATUS.map((p) => ({ ...p, available: true, version: 'v' })),
    rows: [row('latency-28', {
      threads, imagesPerSecond: ips, msPerStep: 1000 / ips,
      peers: { 'pytorch-cl': { imagesPerSecond: ips / 2, msPerStep: 1 }, 'pytorch-nchw': null, onnxruntime: { imagesPerSecond: ortIps, msPerStep: 1 } },
      strongestPeer: 'onnxruntime', strongestImagesPerSecond: ortIps, ratio: ips / ortIps,
    })],
  };
}

test('renderReport: method, peak, machine, load, command and step counts above the peers line and the table', () => {
  const md = renderReport(report(2, 100, 400));
  const head = md.split('\n').slice(0, 4);
  assert.deepEqual(head, [
    'Throughput, images/s: median (min–max) of 5 interleaved rounds, each 3 timed step(s) after 1 warm-up, batch-1 rows ×20; ' +
      'GFLOP/s = 2 × mult-adds × images/s (×3 training), peak 150.3 GFLOP/s (oneDNN sgemm 2048³, best of 3, 2 threads).',
    'Test CPU, 2 cores, Node 20.0.0; 2026-12-02T08:00Z; load average 8.50, 7.25, 6.00 at the start, 9.00, 8.00, 7.00 at the end.',
    'Command: `npm run bench -- --threads 2`',
    '',
  ]);
  assert.match(md, /^Peers: /m);
  assert.match(md, /^\| V2 \| latency \| 28×28×1 \| 1 \| onednn \| 2 \| 100\.0 \| 10\.0 \| — \| — \| 50\.0 \| n\/a \| 400\.0 \| 0\.25× onnxruntime \|$/m);
});

test('machineLine and peakLine', () => {
  assert.equal(machineLine(HOST), 'Test CPU, 2 cores, Node 20.0.0; 2026-12-02T08:00Z; load average 8.50, 7.25, 6.00');
  assert.equal(peakLine({ peak: null, peakNote: 'native addon unavailable' }), 'no measured peak (native addon unavailable)');
  assert.equal(peakLine({ peak: { gflops: 9.5, size: 512, threads: 1, repetitions: 3 } }), 'peak 9.50 GFLOP/s (oneDNN sgemm 512³, best of 3, 1 thread)');
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
  assert.match(md, /^### 1 thread\n\nThroughput, images\/s: median/m);
  assert.match(md, /^Command: `npm run bench -- --threads 1`$/m);
  assert.match(md, /^### 4 threads\n\nfailed: child exited 1: bench: boom$/m);
});
