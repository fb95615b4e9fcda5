/** The PyTorch peer's plumbing, with a fake python: discovery, command line, JSON parsing, errors, ONNX export caching. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportOnnx, findPeer, onnxFileName, Peer, peerArgs, peerScriptCandidates, runPeer } from '../../src/bench/peer.js';
import { DataError } from '../../src/errors.js';

/**
 * A stand-in for python: `-c …` prints a torch version; a bench prints images/s 200 for
 * --memory-format contiguous and 100 otherwise; onnx-export writes its --out file; FAIL=1 fails.
 */
function fakePython(dir: string): string {
  const file = path.join(dir, 'python');
  fs.writeFileSync(file, `#!/bin/sh
if [ -n "$FAIL" ]; then echo "Traceback (most recent call last):" >&2; echo "RuntimeError: boom" >&2; exit 1; fi
if [ "$1" = "-c" ]; then echo "9.9.9+fake"; exit 0; fi
fmt=channels_last; out=""; mode=""
while [ $# -gt 0 ]; do
  case "$1" in --memory-format) fmt=$2; shift;; --out) out=$2; shift;; --mode) mode=$2; shift;; esac; shift
done
if [ "$mode" = onnx-export ]; then echo onnx > "$out"; echo '{"out": "x"}'; exit 0; fi
if [ "$fmt" = contiguous ]; then ips=200; else ips=100; fi
echo "arch v1 (a human line first)"
echo "{\\"images_per_s\\": $ips, \\"ms_per_step\\": 5.5, \\"threads\\": 2}"
`, { mode: 0o755 });
  return file;
}

function setUp(): { dir: string; env: NodeJS.ProcessEnv; script: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mobilenet-peer-test-'));
  const script = path.join(dir, 'pytorch_mobilenet.py');
  fs.writeFileSync(script, '# fake');
  return { dir, script, env: { ...process.env, MOBILENET_PEER_PYTHON: fakePython(dir), MOBILENET_PEER_SCRIPT: script } };
}

const REQ = { arch: 'v2', mode: 'infer', preset: 'imagenet', batch: 32, threads: 2, steps: 3, warmup: 1 } as const;

test('peerArgs: mode, arch, batch, threads, steps, the preset\'s shape and the memory format', () => {
  const p: Peer = { python: 'python3', script: '/x/peer.py', torch: '1.13' };
  assert.deepEqual(peerArgs(p, REQ, 'contiguous'), [
    '/x/peer.py', '--mode', 'infer-bench', '--arch', 'v2', '--batch', '32', '--threads', '2', '--steps', '3', '--warmup', '1',
    '--input', '224', '--channels', '3', '--classes', '1000', '--memory-format', 'contiguous', '--json',
  ]);
  const train = peerArgs(p, { ...REQ, mode: 'train', preset: 'mnist', batch: 128 });
  assert.equal(train[2], 'train-bench');
  assert.deepEqual(train.slice(13, 21), ['--input', '28', '--channels', '1', '--classes', '10', '--memory-format', 'channels_last']);
});

test('the peer script is looked for beside the repository, inside it, then above it; MOBILENET_PEER_SCRIPT overrides', () => {
  const c = peerScriptCandidates('/work/wt/bench', {});
  assert.deepEqual(c, [
    '/work/wt/shared/peers/pytorch_mobilenet.py', '/work/wt/bench/shared/peers/pytorch_mobilenet.py',
    '/work/shared/peers/pytorch_mobilenet.py', '/shared/peers/pytorch_mobilenet.py',
  ]);
  assert.deepEqual(peerScriptCandidates('/work/main', { MOBILENET_PEER_SCRIPT: '/opt/p.py' }), ['/opt/p.py']);
});

test('findPeer uses MOBILENET_PEER_PYTHON and reports the torch version; runPeer parses the last JSON line per memory format', () => {
  const { dir, env, script } = setUp();
  try {
    const p = findPeer('/nonexistent', env);
    assert.ok(!('missing' in p), JSON.stringify(p));
    assert.deepEqual(p, { python: env.MOBILENET_PEER_PYTHON, script, torch: '9.9.9+fake' });
    assert.deepEqual(runPeer(p, REQ), { imagesPerSecond: 100, msPerStep: 5.5 });
    assert.deepEqual(runPeer(p, REQ, 'contiguous'), { imagesPerSecond: 200, msPerStep: 5.5 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('findPeer says why when the python cannot import torch or the script is missing', () => {
  const { dir, env } = setUp();
  try {
    const bad = findPeer('/nonexistent', { ...env, FAIL: '1' });
    assert.ok('missing' in bad);
    assert.match(bad.missing, /no python that imports torch and torchvision among .*python \(MOBILENET_PEER_PYTHON names one/);
    const noScript = findPeer('/nonexistent', { ...env, MOBILENET_PEER_SCRIPT: path.join(dir, 'nope.py') });
    assert.ok('missing' in noScript);
    assert.match(noScript.missing, /^peer script not found \(.*nope\.py/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing peer is one DataError line with the last line of its stderr', () => {
  const { dir, env, script } = setUp();
  try {
    const p: Peer = { python: env.MOBILENET_PEER_PYTHON!, script, torch: 'x' };
    process.env.FAIL = '1';
    assert.throws(() => runPeer(p, REQ, 'contiguous'),
      (e: Error) => e instanceof DataError && e.message === 'PyTorch peer failed (v2 infer batch 32, contiguous): RuntimeError: boom');
    assert.throws(() => runPeer({ ...p, python: path.join(dir, 'no-python') }, REQ),
      (e: Error) => e instanceof DataError && /^PyTorch peer failed \(v2 infer batch 32, channels_last\): .*ENOENT/.test(e.message));
  } finally {
    delete process.env.FAIL;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exportOnnx writes through a temporary name, reuses an existing file, and leaves nothing behind when it fails', () => {
  const { dir, env, script } = setUp();
  try {
    const p: Peer = { python: env.MOBILENET_PEER_PYTHON!, script, torch: 'x' };
    const out = path.join(dir, 'onnx');
    const file = exportOnnx(p, 'v1', 'mnist', out);
    assert.equal(file, path.join(out, onnxFileName('v1', 'mnist')));
    assert.equal(path.basename(file), 'v1-28x28x1-10.onnx');
    assert.equal(fs.readFileSync(file, 'utf8'), 'onnx\n');
    fs.writeFileSync(file, 'kept');
    process.env.FAIL = '1'; // would fail if it ran again
    assert.equal(exportOnnx(p, 'v1', 'mnist', out), file);
    assert.equal(fs.readFileSync(file, 'utf8'), 'kept');
    assert.throws(() => exportOnnx(p, 'v2', 'imagenet', out), /PyTorch peer failed \(v2 ONNX export\): RuntimeError: boom/);
    assert.deepEqual(fs.readdirSync(out), ['v1-28x28x1-10.onnx']);
  } finally {
    delete process.env.FAIL;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
