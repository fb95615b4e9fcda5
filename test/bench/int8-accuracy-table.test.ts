/** bench:accuracy's int8 rows, the pure part: option parsing, top-1 and agreement, the table; and the script's option errors. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Int8AccuracyRow, agreement, int8Command, int8Table, parseInt8Options, pointsText, top1,
} from '../../src/bench/int8-accuracy-table.js';

test('parseInt8Options: off by default; --int8; --run implies it; methods, calibration images', () => {
  assert.deepEqual(parseInt8Options({}), { enabled: false, runs: [], methods: ['minmax', 'percentile', 'entropy'], calibrate: 256 });
  assert.equal(parseInt8Options({ int8: true }).enabled, true);
  assert.deepEqual(parseInt8Options({ run: 'a, b,' , 'int8-methods': 'entropy,minmax,entropy', calibrate: '64' }),
    { enabled: true, runs: ['a', 'b'], methods: ['entropy', 'minmax'], calibrate: 64 });
});

test('parseInt8Options: one-line errors for bad values and contradictions', () => {
  const bad: Array<[Record<string, string | boolean>, string[], RegExp]> = [
    [{ 'int8-methods': 'minmax' }, [], /--int8-methods needs --int8 or --run/],
    [{ calibrate: '10' }, [], /--calibrate needs --int8 or --run/],
    [{ int8: true, 'int8-methods': 'kl' }, [], /--int8-methods must list methods from minmax, percentile, entropy, got "kl"/],
    [{ int8: true, 'int8-methods': ',' }, [], /--int8-methods must list methods/],
    [{ int8: true, calibrate: '0' }, [], /--calibrate must be a positive integer, got "0"/],
    [{ run: '' }, [], /--run needs a run directory/],
    [{ run: 'r' }, ['only', 'epochs'], /--run scores existing runs without training: --only, --epochs cannot be combined with it/],
  ];
  for (const [v, flags, re] of bad) assert.throws(() => parseInt8Options(v, flags), (e: Error) => e.name === 'OptionError' && re.test(e.message), JSON.stringify(v));
  assert.doesNotThrow(() => parseInt8Options({ int8: true }, ['only', 'epochs'])); // --int8 after training: fine
});

test('top1 and agreement: the first largest logit; the share of equal predictions', () => {
  assert.deepEqual([...top1(Float32Array.of(0, 2, 1, 5, 5, -1, -3, -2, -4), 3)], [1, 0, 1]);
  assert.equal(agreement([1, 2, 3, 4], Int32Array.of(1, 0, 3, 4)), 0.75);
  assert.ok(Number.isNaN(agreement([], [])));
  assert.throws(() => agreement([1], [1, 2]), /1 vs 2 predictions/);
});

test('int8Table: a row per run and method with both accuracies, the change in points, agreement and commands', () => {
  const row = (method: Int8AccuracyRow['method'], int8Accuracy: number, agree: number): Int8AccuracyRow => ({
    run: 'v2-mnist-1ep s1', dir: 'runs/bench/v2-mnist-1ep-s1', arch: 'v2', dataset: 'mnist', method, calibration: 256, testImages: 10000,
    floatAccuracy: 0.9823, int8Accuracy, agreement: agree, int8Kind: 'int8', floatKind: 'engine',
    command: int8Command('runs/bench/v2-mnist-1ep-s1', method, 256),
  });
  const md = int8Table([row('minmax', 0.9826, 0.9986), row('entropy', 0.8684, 0.8741), row('percentile', 0.9823, 1)]).split('\n');
  assert.equal(md.length, 5);
  assert.match(md[0], /^\| run \| method \| calibration images \| test images \| float test accuracy \| int8 test accuracy \| int8 − float \(points\) \| top-1 agreement \|/);
  assert.equal(md[2], '| v2-mnist-1ep s1 | minmax | 256 | 10000 | 98.23% | 98.26% | +0.03 | 99.86% | int8 / engine | ' +
    '`mobilenet quantize runs/bench/v2-mnist-1ep-s1 --out runs/bench/v2-mnist-1ep-s1-int8 --method minmax --calibrate 256 && mobilenet eval runs/bench/v2-mnist-1ep-s1-int8` |');
  assert.match(md[3], /\| entropy \| 256 \| 10000 \| 98\.23% \| 86\.84% \| −11\.39 \| 87\.41% \|/);
  assert.match(md[4], /\| 98\.23% \| 98\.23% \| 0\.00 \| 100\.00% \|/);
  assert.deepEqual([pointsText(-0.0001), pointsText(0.00004), pointsText(-0.00004)], ['−0.01', '0.00', '0.00']);
  assert.match(int8Command('r', 'minmax', 8, 500), /mobilenet eval r-int8 --limit 500$/);
});

test('bench:accuracy refuses bad int8 options in one line before training anything', () => {
  const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/bench/scripts/accuracy.js');
  for (const [args, re] of [
    [['--run', 'x', '--epochs', '1'], /^bench: --run scores existing runs without training: --epochs cannot be combined with it$/],
    [['--int8-methods', 'minmax'], /^bench: --int8-methods needs --int8 or --run$/],
    [['--run', '/nonexistent/run-dir'], /^bench: run directory \/nonexistent\/run-dir does not exist$/],
  ] as Array<[string[], RegExp]>) {
    const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, MOBILENET_THREADS: '1' } });
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr.trim(), re, r.stderr);
  }
});
