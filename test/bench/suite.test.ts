/** The suite's logic with fake measurements and fake peers: steps, peer cache, ratio against the strongest peer. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BackendName } from '../../src/backend/index.js';
import { LATENCY_STEP_FACTOR, selectCases, SuiteCase } from '../../src/bench/cases.js';
import { Measurement } from '../../src/bench/measure.js';
import { PeerName, PeerRunner } from '../../src/bench/peers.js';
import { PeerRequest } from '../../src/bench/peer.js';
import { runSuite, StepCounts, strongestPeer } from '../../src/bench/suite.js';

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
    cases: selectCases(['v1'], ['infer-28']), backends: ['onednn'], steps: 3, warmup: 1, cpuTrain: false,
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
    cases: selectCases(['v2'], ['train', 'infer-224']), backends: ['onednn'], steps: 2, warmup: 0, cpuTrain: false,
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
    cases: selectCases(['v1'], ['infer-28']), backends: ['onednn'], steps: 1, warmup: 0, cpuTrain: false,
    measure: fakeMeasure({ onednn: 50 }),
    peers: [fakePeer('pytorch-cl', new Error('torch crashed\ntraceback')), fakePeer('pytorch-nchw', 25)],
  });
  assert.deepEqual(rows[0].peers['pytorch-cl'], { imagesPerSecond: null, msPerStep: null, note: 'pytorch-cl: torch crashed' });
  assert.equal(rows[0].strongestPeer, 'pytorch-nchw');
  assert.equal(rows[0].ratio, 2);
  const alone = await runSuite({
    cases: selectCases(['v1'], ['infer-28']), backends: ['onednn'], steps: 1, warmup: 0, cpuTrain: false,
    measure: fakeMeasure({ onednn: 50 }), peers: [fakePeer('pytorch-cl', new Error('x'))],
  });
  assert.equal(alone[0].strongestPeer, null);
  assert.equal(alone[0].ratio, null);
});

test('each peer runs once per case and thread count; skipped rows run nothing; a failed row still gets its peers', async () => {
  const calls: PeerRequest[] = [];
  const ours: string[] = [];
  const rows = await runSuite({
    cases: selectCases(['v1'], ['train', 'infer-28']), backends: ['onednn', 'wasm', 'cpu'], steps: 3, warmup: 1, cpuTrain: false,
    measure: fakeMeasure({ onednn: 400, cpu: 2 }, ours), peers: [fakePeer('pytorch-cl', 100, ['train', 'infer'], calls)],
  });
  assert.deepEqual(rows.map((r) => `${r.name} ${r.backend} ${r.imagesPerSecond} ${r.ratio}`), [
    'train onednn 400 4', 'train wasm null null', 'train cpu null null',
    'infer-28 onednn 400 4', 'infer-28 wasm null null', 'infer-28 cpu 2 0.02',
  ]);
  assert.match(rows[1].note!, /^failed: no kernel for wasm$/);
  assert.match(rows[2].note!, /^skipped: the pure-JS cpu backend trains/);
  assert.deepEqual(rows[2].peers, {});
  assert.deepEqual(ours, ['v1 train onednn 3/1', 'v1 train wasm 3/1', 'v1 infer-28 onednn 3/1', 'v1 infer-28 wasm 3/1', 'v1 infer-28 cpu 1/0']);
  // train: onednn at 2 threads, wasm at 1; infer-28: the same two thread counts, cpu reuses wasm's 1-thread figure.
  assert.deepEqual(calls.map((q) => `${q.mode} ${q.batch} ${q.threads}`), ['train 128 2', 'train 128 1', 'infer 256 2', 'infer 256 1']);
});

test('batch-1 rows run LATENCY_STEP_FACTOR times the steps, ours and the peers; cpu keeps one step', async () => {
  const calls: PeerRequest[] = [];
  const ours: string[] = [];
  await runSuite({
    cases: selectCases(['v2'], ['latency-224']), backends: ['onednn', 'cpu'], steps: 3, warmup: 2, cpuTrain: false,
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
