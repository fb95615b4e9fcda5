/** The suite's logic with fake measurements and fake peers: steps, peer cache, ratio against the strongest peer. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BackendName } from '../../src/backend/index.js';
import { LATENCY_STEP_FACTOR, selectCases, SuiteCase } from '../../src/bench/cases.js';
import { Measurement } from '../../src/bench/measure.js';
import { PeerName, PeerRunner } from '../../src/bench/peers.js';
import { PeerRequest } from '../../src/bench/peer.js';
import { runSuite, StepCounts, strongestPeer } from '../../src/bench/suite.js';

/** Threads per backend as the fakes report them: 2 on onednn, 1 elsewhere. */
const THREADS = (b: BackendName) => (b === 'onednn' ? 2 : 1);

/** Our fake: images/s by backend, threads 2 on onednn and 1 elsewhere; records its calls. */
function fakeMeasure(rate: Partial<Record<BackendName, number>>, calls: string[] = []) {
  return async (c: SuiteCase, backend: BackendName, n: StepCounts): Promise<Measurement> => {
    calls.push(`${c.arch} ${c.name} ${backend} ${n.steps}/${n.warmup}`);
    const ips = rate[backend];
    if (ips === undefined) throw new Error(`no kernel for ${backend}\nsecond line`);
    return {
      arch: c.arch, mode: c.mode, backend, batch: c.batch, imagesPerSecond: ips, msPerStep: (1000 * c.batch) / ips,
      threads: backend === 'onednn' ? 2 : 1, preset: c.preset, steps: n.steps, engine: backend === 'onednn',
    };
  };
}

/** A fake peer with a fixed rate (or a failure), recording its requests. */
function fakePeer(name: PeerName, ips: number | Error, modes: Array<'train' | 'infer'> = ['train', 'infer'], calls: PeerRequest[] = []): PeerRunner {
  return {
    name, modes,
    measure: async (q) => {
      calls.push(q);
      if (ips instanceof Error) throw ips;
      return { imagesPerSecond: ips, msPerStep: (1000 * q.batch) / ips };
    },
  };
}

test('the ratio is against the strongest peer of the row, which it names', async () => {
  const rows = await runSuite({
    cases: selectCases(['v1'], ['infer-28']), backends: ['onednn'], steps: 3, warmup: 1, cpuTrain: false, rounds: 1, threadsOf: THREADS,
    measure: fakeMeasure({ onednn: 150 }),
    peers: [fakePeer('pytorch-cl', 100), fakePeer('pytorch-nchw', 300), fakePeer('onnxruntime', 200, ['infer'])],
  });
  assert.equal(rows.length, 1);
  const r = rows[0];
  assert.deepEqual(Object.fromEntries(Object.entries(r.peers).map(([k, v]) => [k, v?.imagesPerSecond])),
    { 'pytorch-cl': 100, 'pytorch-nchw': 300, onnxruntime: 200 });
  assert.equal(r.strongestPeer, 'pytorch-nchw');
  assert.equal(r.strongestImagesPerSecond, 300);
  assert.equal(r.ratio, 0.5);
  assert.equal(r.threads, 2);
});

test('an inference-only peer is null on training rows and not the strongest there', async () => {
  const ort: PeerRequest[] = [];
  const rows = await runSuite({
    cases: selectCases(['v2'], ['train-28', 'infer-224']), backends: ['onednn'], steps: 2, warmup: 0, cpuTrain: false, rounds: 1, threadsOf: THREADS,
    measure: fakeMeasure({ onednn: 90 }),
    peers: [fakePeer('pytorch-cl', 60), fakePeer('onnxruntime', 900, ['infer'], ort)],
  });
  assert.equal(rows[0].peers.onnxruntime, null);
  assert.equal(rows[0].strongestPeer, 'pytorch-cl');
  assert.equal(rows[0].ratio, 1.5);
  assert.equal(rows[1].strongestPeer, 'onnxruntime');
  assert.equal(rows[1].ratio, 0.1);
  assert.deepEqual(ort.map((q) => [q.arch, q.mode, q.preset, q.batch]), [['v2', 'infer', 'imagenet', 32]]);
});

test('a failing peer gets a one-line note and no say in the ratio; with no peer left the ratio is null', async () => {
  const rows = await runSuite({
    cases: selectCases(['v1'], ['infer-28']), backends: ['onednn'], steps: 1, warmup: 0, cpuTrain: false, rounds: 1, threadsOf: THREADS,
    measure: fakeMeasure({ onednn: 50 }),
    peers: [fakePeer('pytorch-cl', new Error('torch crashed\ntraceback')), fakePeer('pytorch-nchw', 25)],
  });
  assert.deepEqual(rows[0].peers['pytorch-cl'], { imagesPerSecond: null, msPerStep: null, note: 'pytorch-cl: torch crashed' });
  assert.equal(rows[0].strongestPeer, 'pytorch-nchw');
  assert.equal(rows[0].ratio, 2);
  const alone = await runSuite({
    cases: selectCases(['v1'], ['infer-28']), backends: ['onednn'], steps: 1, warmup: 0, cpuTrain: false, rounds: 1, threadsOf: THREADS,
    measure: fakeMeasure({ onednn: 50 }), peers: [fakePeer('pytorch-cl', new Error('x'))],
  });
  assert.equal(alone[0].strongestPeer, null);
  assert.equal(alone[0].ratio, null);
});

test('each peer runs once per case and thread count; skipped rows run nothing; a failed row still gets its peers', async () => {
  const calls: PeerRequest[] = [];
  const ours: string[] = [];
  const rows = await runSuite({
    cases: selectCases(['v1'], ['train-28', 'infer-28']), backends: ['onednn', 'wasm', 'cpu'], steps: 3, warmup: 1, cpuTrain: false, rounds: 1, threadsOf: THREADS,
    measure: fakeMeasure({ onednn: 400, cpu: 2 }, ours), peers: [fakePeer('pytorch-cl', 100, ['train', 'infer'], calls)],
  });
  assert.deepEqual(rows.map((r) => `${r.name} ${r.backend} ${r.imagesPerSecond} ${r.ratio}`), [
    'train-28 onednn 400 4', 'train-28 wasm null null', 'train-28 cpu null null',
    'infer-28 onednn 400 4', 'infer-28 wasm null null', 'infer-28 cpu 2 0.02',
  ]);
  assert.match(rows[1].note!, /^failed: no kernel for wasm$/);
  assert.match(rows[2].note!, /^skipped: the pure-JS cpu backend trains/);
  assert.deepEqual(rows[2].peers, {});
  assert.deepEqual(ours, ['v1 train-28 onednn 3/1', 'v1 train-28 wasm 3/1', 'v1 infer-28 onednn 3/1', 'v1 infer-28 wasm 3/1', 'v1 infer-28 cpu 1/0']);
  // train: onednn at 2 threads, wasm at 1; infer-28: the same two thread counts, cpu reuses wasm's 1-thread figure.
  assert.deepEqual(calls.map((q) => `${q.mode} ${q.batch} ${q.threads}`), ['train 128 2', 'train 128 1', 'infer 256 2', 'infer 256 1']);
});

test('batch-1 rows run LATENCY_STEP_FACTOR times the steps, ours and the peers; cpu keeps one step', async () => {
  const calls: PeerRequest[] = [];
  const ours: string[] = [];
  await runSuite({
    cases: selectCases(['v2'], ['latency-224']), backends: ['onednn', 'cpu'], steps: 3, warmup: 2, cpuTrain: false, rounds: 1, threadsOf: THREADS,
    measure: fakeMeasure({ onednn: 30, cpu: 0.5 }, ours), peers: [fakePeer('onnxruntime', 300, ['infer'], calls)],
  });
  const f = LATENCY_STEP_FACTOR;
  assert.deepEqual(ours, [`v2 latency-224 onednn ${3 * f}/${2 * f}`, 'v2 latency-224 cpu 1/0']);
  assert.deepEqual(calls.map((q) => [q.batch, q.steps, q.warmup]), [[1, 3 * f, 2 * f], [1, 3 * f, 2 * f]]);
});

test('strongestPeer ignores nulls and failed cells', () => {
  assert.deepEqual(strongestPeer({}), { name: null, imagesPerSecond: null });
  assert.deepEqual(strongestPeer({
    onnxruntime: null, 'pytorch-cl': { imagesPerSecond: null, msPerStep: null, note: 'x' }, 'pytorch-nchw': { imagesPerSecond: 7, msPerStep: 1 },
  }), { name: 'pytorch-nchw', imagesPerSecond: 7 });
});

/** A fake whose rate follows a list, one value per call; records the order of all calls in `log`. */
function listMeasure(rates: number[], log: string[]) {
  let i = 0;
  return async (c: SuiteCase, backend: BackendName, n: StepCounts): Promise<Measurement> => {
    log.push(`ours ${backend}`);
    const ips = rates[i++ % rates.length];
    return {
      arch: c.arch, mode: c.mode, backend, batch: c.batch, imagesPerSecond: ips, msPerStep: (1000 * c.batch) / ips,
      threads: THREADS(backend), preset: c.preset, steps: n.steps, engine: true,
    };
  };
}

function listPeer(name: PeerName, rates: Array<number | Error>, log: string[], modes: Array<'train' | 'infer'> = ['train', 'infer']): PeerRunner {
  let i = 0;
  return {
    name, modes,
    measure: async (q) => {
      log.push(name);
      const v = rates[i++ % rates.length];
      if (v instanceof Error) throw v;
      return { imagesPerSecond: v, msPerStep: (1000 * q.batch) / v };
    },
  };
}

test('rounds interleave ours and every peer; figures are medians with their range; the ratio has its range', async () => {
  const log: string[] = [];
  const rows = await runSuite({
    cases: selectCases(['v2'], ['infer-28']), backends: ['onednn'], steps: 2, warmup: 1, cpuTrain: false, rounds: 3, threadsOf: THREADS,
    measure: listMeasure([300, 200, 250], log),
    peers: [listPeer('pytorch-cl', [100, 110, 90], log), listPeer('onnxruntime', [150, 100, 140], log, ['infer'])],
    multAdds: () => 5e6, peakGflops: 100,
  });
  assert.deepEqual(log, ['ours onednn', 'pytorch-cl', 'onnxruntime', 'ours onednn', 'pytorch-cl', 'onnxruntime', 'ours onednn', 'pytorch-cl', 'onnxruntime']);
  const r = rows[0];
  assert.equal(r.imagesPerSecond, 250);
  assert.equal(r.msPerStep, (1000 * 256) / 250);
  assert.deepEqual([r.series?.min, r.series?.max, r.series?.samples], [200, 300, [300, 200, 250]]);
  assert.equal(r.peers['pytorch-cl']?.imagesPerSecond, 100);
  assert.equal(r.peers.onnxruntime?.imagesPerSecond, 140);
  assert.equal(r.strongestPeer, 'onnxruntime');
  assert.equal(r.ratio, 250 / 140);
  assert.equal(r.ratioLow, 200 / 150);
  assert.equal(r.ratioHigh, 300 / 100);
  assert.equal(r.gflops, (2 * 5e6 * 250) / 1e9);
  assert.equal(r.peakShare, r.gflops! / 100);
  // ours: (300 − 200) / 250 = 40%; onnxruntime: 50 / 140 = 36%; PyTorch: 20 / 100 = 20%
  assert.deepEqual(r.spread, ['ours', 'onnxruntime']);
});

test('a training row counts 3× the FLOPs; a row within 30% has no spread flag', async () => {
  const rows = await runSuite({
    cases: selectCases(['v1'], ['train-224']), backends: ['onednn'], steps: 1, warmup: 0, cpuTrain: false, rounds: 2, threadsOf: THREADS,
    measure: listMeasure([40, 44], []), peers: [listPeer('pytorch-cl', [20, 21], [])], multAdds: () => 570e6,
  });
  const r = rows[0];
  assert.equal(r.imagesPerSecond, 42);
  assert.equal(r.gflops, (6 * 570e6 * 42) / 1e9);
  assert.equal(r.peakShare, undefined, 'no peak: no share');
  assert.equal(r.spread, undefined);
  assert.deepEqual([r.batch, r.preset], [32, 'imagenet']);
});

test('a peer failing in one round: the median of the others, and a note saying so; failing in all: null with the note', async () => {
  const rows = await runSuite({
    cases: selectCases(['v1'], ['infer-28']), backends: ['onednn'], steps: 1, warmup: 0, cpuTrain: false, rounds: 3, threadsOf: THREADS,
    measure: listMeasure([100], []),
    peers: [listPeer('pytorch-cl', [50, new Error('killed\ntrace'), 70], []), listPeer('pytorch-nchw', [new Error('no torch')], [])],
  });
  const cl = rows[0].peers['pytorch-cl']!;
  assert.equal(cl.imagesPerSecond, 60);
  assert.equal(cl.note, 'pytorch-cl: killed (in some rounds; the figures are of the others)');
  assert.deepEqual(rows[0].peers['pytorch-nchw'], { imagesPerSecond: null, msPerStep: null, note: 'pytorch-nchw: no torch' });
  assert.equal(rows[0].ratio, 100 / 60);
});

test('the cpu backend is measured in the first round only', async () => {
  const log: string[] = [];
  await runSuite({
    cases: selectCases(['v1'], ['infer-28']), backends: ['onednn', 'cpu'], steps: 1, warmup: 0, cpuTrain: false, rounds: 2, threadsOf: THREADS,
    measure: listMeasure([100], log), peers: [listPeer('pytorch-cl', [50], log)],
  });
  assert.deepEqual(log, ['ours onednn', 'ours cpu', 'pytorch-cl', 'pytorch-cl', 'ours onednn', 'pytorch-cl', 'pytorch-cl']);
});
