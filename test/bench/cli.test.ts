/** `mobilenet bench`: error paths (one line, exit 2) and one tiny real measurement's JSON. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { runCli } from '../helpers.js';

test('bench --json prints exactly the documented keys for one tiny measurement', () => {
  const r = runCli(['bench', '--arch', 'v2', '--mode', 'infer', '--batch', '2', '--steps', '1', '--warmup', '0', '--alpha', '0.35', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, r.stdout);
  const j = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(j), ['arch', 'mode', 'backend', 'engine', 'batch', 'imagesPerSecond', 'threads']);
  assert.deepEqual([j.arch, j.mode, j.batch], ['v2', 'infer', 2]);
  assert.ok(['onednn', 'cpu', 'wasm'].includes(j.backend), j.backend);
  assert.ok(Number.isFinite(j.imagesPerSecond) && j.imagesPerSecond > 0, String(j.imagesPerSecond));
  assert.ok(Number.isInteger(j.threads) && j.threads >= 1, String(j.threads));
});

test('bench without --json prints one readable line naming the backend', () => {
  const r = runCli(['bench', '--arch', 'v1', '--mode', 'train', '--batch', '2', '--steps', '1', '--warmup', '0', '--alpha', '0.25', '--backend', 'cpu']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^v1 training on cpu \(mnist, batch 2, 1 thread\): [\d.]+ images\/s, [\d.]+ ms\/step over 1 step\n$/);
});

test('bench takes --arch v3-small|v3-large and --minimalistic', () => {
  for (const extra of [[], ['--minimalistic']]) {
    const r = runCli(['bench', '--arch', 'v3-small', '--mode', 'train', '--batch', '4', '--steps', '1', '--warmup', '0', '--alpha', '0.35', ...extra, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual([j.arch, j.mode, j.batch], ['v3-small', 'train', 4]);
    assert.ok(j.imagesPerSecond > 0);
  }
  const large = runCli(['bench', '--arch', 'v3-large', '--mode', 'infer', '--batch', '2', '--steps', '1', '--warmup', '0', '--json']);
  assert.equal(large.status, 0, large.stderr);
});

const BAD: Array<[string[], RegExp]> = [
  [['bench', '--mode', 'train'], /--arch is required/],
  [['bench', '--arch', 'v3', '--mode', 'train'], /--arch must be one of v1, v2, v3-small, v3-large, got "v3"/],
  [['bench', '--arch', 'v2', '--mode', 'train', '--minimalistic'], /--minimalistic is a V3 option/],
  [['bench', '--arch', 'v1'], /--mode is required/],
  [['bench', '--arch', 'v1', '--mode', 'fit'], /--mode must be one of train, infer, got "fit"/],
  [['bench', '--arch', 'v1', '--mode', 'train', '--batch', '0'], /--batch must be an integer in 1\.\.65536, got "0"/],
  [['bench', '--arch', 'v1', '--mode', 'train', '--batch', '1.5'], /--batch must be an integer in 1\.\.65536/],
  [['bench', '--arch', 'v1', '--mode', 'train', '--steps', 'x'], /--steps must be an integer in 1\.\.100000/],
  [['bench', '--arch', 'v1', '--mode', 'train', '--warmup=-1'], /--warmup must be an integer in 0\.\.100000/],
  [['bench', '--arch', 'v1', '--mode', 'train', '--alpha', '0'], /--alpha must be a number in \(0, 4\]/],
  [['bench', '--arch', 'v1', '--mode', 'infer', '--preset', 'cifar'], /--preset must be one of mnist, imagenet/],
  [['bench', '--arch', 'v1', '--mode', 'infer', '--backend', 'gpu'], /--backend must be one of onednn, wasm, cpu, auto/],
  [['bench', '--arch', 'v1', '--mode', 'infer', '--bogus'], /Unknown option '--bogus'/],
  [['bench', '--arch', 'v1', '--mode', 'infer', 'extra'], /Unexpected argument 'extra'/],
];

test('bad options: one line on stderr, exit 2, nothing on stdout', () => {
  for (const [args, re] of BAD) {
    const r = runCli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], re);
    assert.match(lines[0], /^mobilenet: /);
  }
});

test('bench --help exits 0 and lists the options', () => {
  const r = runCli(['bench', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--mode train\|infer/);
});
