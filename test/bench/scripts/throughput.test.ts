/** `npm run bench` end to end: option errors, one tiny real run (JSON and markdown), --threads, the scaling mode, a fake peer. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nativeAvailable } from '../../../src/backend/index.js';
import { ROOT } from '../../helpers.js';

const SCRIPT = path.join(ROOT, 'dist', 'src', 'bench', 'scripts', 'throughput.js');

function bench(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The smallest real case: V2, batch 1, 28×28×1, one step. */
const TINY = ['--arch', 'v2', '--case', 'latency-28', '--steps', '1', '--warmup', '0'];
const BACKEND = nativeAvailable().available ? 'onednn' : 'cpu';

const BAD: Array<[string[], RegExp]> = [
  [['--threads', '0'], /--threads must be a positive integer or a comma list of them \(e\.g\. 1,2,4,8,16\), got "0"/],
  [['--threads', '1,,2'], /--threads must be a positive integer/],
  [['--threads', 'two'], /--threads must be a positive integer/],
  [['--case', 'infer-96'], /--case must list cases from train-28, train-224, infer-28, infer-224, latency-28, latency-224/],
  [['--arch', 'v3'], /--arch must list architectures from v1, v2, v3-small, v3-large, got "v3"/],
  [['--peers', 'tensorflow'], /--peers must list peers from pytorch-cl, pytorch-nchw, onnxruntime, onnxruntime-ours \(or be none\), got "tensorflow"/],
  [['--no-peer', '--peers', 'onnxruntime'], /--no-peer and --peers cannot be combined/],
  [['--backend', 'gpu'], /--backend must list backends from onednn, wasm, cpu, got "gpu"/],
  [['--steps', '0'], /--steps must be a positive integer/],
  [['--rounds', '0'], /--rounds must be a positive integer/],
  [['--warmup=-1'], /--warmup must be a non-negative integer/],
  [['--bogus'], /Unknown option '--bogus'/],
];

test('bad options: one line on stderr, exit 2, nothing on stdout', () => {
  for (const [args, re] of BAD) {
    const r = bench(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], /^bench: /);
    assert.match(lines[0], re);
  }
});

test('--help lists the new options', () => {
  const r = bench(['--help']);
  assert.equal(r.status, 0);
  for (const o of ['--threads N', '--arch a,b', '--case a,b', '--peers a,b', 'MOBILENET_PEER_PYTHON']) assert.ok(r.stdout.includes(o), o);
});

test('--json: one object with the documented keys and one row per selected case; --threads sets the thread count', () => {
  const r = bench([...TINY, '--backend', BACKEND, '--no-peer', '--threads', '1', '--rounds', '2', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j).filter((k) => k !== 'peakNote'), [
    'machine', 'host', 'loadAverageEnd', 'command', 'threads', 'steps', 'warmup', 'rounds', 'latencyStepFactor', 'peak', 'backends', 'peers', 'rows', 'int8',
  ]);
  assert.deepEqual(Object.keys(j.host), ['date', 'cpu', 'cores', 'node', 'loadAverage']);
  assert.equal(j.host.loadAverage.length, 3);
  assert.equal(j.rounds, 2);
  if (BACKEND === 'onednn') assert.ok(j.peak.gflops > 0 && j.peak.size === 2048 && j.peak.threads === 1, JSON.stringify(j.peak));
  assert.equal(j.command, `npm run bench -- ${[...TINY, '--backend', BACKEND, '--no-peer', '--threads', '1', '--rounds', '2', '--json'].join(' ')}`);
  assert.deepEqual([j.threads, j.steps, j.warmup, j.peers], [1, 1, 0, []]);
  assert.equal(j.rows.length, 1);
  const row = j.rows[0];
  assert.deepEqual(Object.keys(row), [
    'arch', 'name', 'mode', 'preset', 'batch', 'latency', 'backend', 'threads', 'steps', 'warmup', 'imagesPerSecond', 'msPerStep',
    'peers', 'strongestPeer', 'strongestImagesPerSecond', 'ratio', 'series', 'gflops', ...(BACKEND === 'onednn' ? ['peakShare'] : []),
  ].concat(row.spread ? ['spread'] : []));
  assert.equal(row.series.samples.length, 2);
  assert.ok(row.gflops > 0);
  assert.deepEqual([row.arch, row.name, row.batch, row.backend, row.threads, row.peers, row.ratio], ['v2', 'latency-28', 1, BACKEND, 1, {}, null]);
  assert.ok(row.imagesPerSecond > 0 && row.msPerStep > 0, r.stdout);
  assert.equal(row.steps, BACKEND === 'cpu' ? 1 : j.latencyStepFactor);
});

test('markdown with a fake PyTorch peer: both layouts as columns, the ratio against the faster one', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobilenet-bench-test-'));
  try {
    const python = path.join(dir, 'python');
    fs.writeFileSync(python, `#!/bin/sh
if [ "$1" = "-c" ]; then echo "0.0-fake"; exit 0; fi
case "$*" in *contiguous*) echo '{"images_per_s": 1000000, "ms_per_step": 0.001}';; *) echo '{"images_per_s": 500000, "ms_per_step": 0.002}';; esac
`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'peer.py'), '# fake');
    const r = bench([...TINY, '--backend', BACKEND, '--peers', 'pytorch-cl,pytorch-nchw', '--rounds', '2'],
      { MOBILENET_PEER_PYTHON: python, MOBILENET_PEER_SCRIPT: path.join(dir, 'peer.py') });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Peers: PyTorch CL: torch 0\.0-fake, channels_last; PyTorch NCHW: torch 0\.0-fake, contiguous\.$/m);
    assert.match(r.stdout, /^\| model \| case \| input \| batch \| backend \| threads \| ours img\/s \| ours ms\/batch \| GFLOP\/s \| of peak \| PyTorch CL img\/s \| PyTorch NCHW img\/s \| ours \/ strongest peer \|$/m);
    const rate = '[\\d,.]+ \\([\\d,.]+–[\\d,.]+\\)( \\[\\d\\])?';
    assert.match(r.stdout, new RegExp(`^\\| V2 \\| latency \\| 28×28×1 \\| 1 \\| ${BACKEND} \\| \\d+ \\| ${rate} \\| [\\d,.]+ \\| [\\d,.]+ \\| (?:[\\d.]+%|—) \\| ` +
      '500,000\\.0 \\(500,000\\.0–500,000\\.0\\) \\| 1,000,000\\.0 \\(1,000,000\\.0–1,000,000\\.0\\) \\| 0\\.00× PyTorch NCHW \\(0\\.00–0\\.00\\) \\|$', 'm'));
    assert.match(r.stdout, /^Throughput, images\/s: median \(min–max\) of 2 interleaved rounds/m);
    assert.match(r.stdout, /load average [\d.]+, [\d.]+, [\d.]+ at the start/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--threads 1,2 runs the table once per thread count, each in its own process', () => {
  const r = bench([...TINY, '--backend', BACKEND, '--no-peer', '--threads', '1,2', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j), ['machine', 'command', 'threads', 'runs']);
  assert.deepEqual(j.threads, [1, 2]);
  assert.deepEqual(j.runs.map((x: { threads: number }) => x.threads), [1, 2]);
  const rowThreads = j.runs.map((x: { rows: Array<{ threads: number }> }) => x.rows[0].threads);
  assert.deepEqual(rowThreads, BACKEND === 'onednn' ? [1, 2] : [1, 1]);
  assert.match(r.stderr, /bench: --- 2 threads ---/);
});
