/** bench:transfer's commands, output parsing and tables (src/bench/transfer-rows.ts), on the CLI's own line formats. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { TASKS, VariantResult, accuracyTable, epochTable, parseTrainOutput, sameTimeEpochs, shellLine, trainArgs } from '../../src/bench/transfer-rows.js';

const E = { head: 20, fineTune: 5 };

test('the three variants: head, head + fine-tune, and scratch with the same epochs (head + fine-tune) on the same data', () => {
  const t = TASKS['fashion-100'];
  const head = trainArgs(t, 'head', E, 1, 'src', 'o');
  const ft = trainArgs(t, 'fine-tune', E, 1, 'src', 'o');
  const scratch = trainArgs(t, 'scratch', E, 1, 'src', 'o');
  const at = (a: string[], flag: string) => (a.includes(flag) ? a[a.indexOf(flag) + 1] : undefined);
  assert.equal(at(head, '--from'), 'src');
  assert.equal(at(head, '--fine-tune-epochs'), undefined);
  assert.equal(at(ft, '--fine-tune-epochs'), '5');
  assert.equal(at(ft, '--epochs'), '20');
  assert.equal(at(scratch, '--from'), undefined);
  assert.equal(at(scratch, '--epochs'), '25');
  assert.deepEqual([at(scratch, '--arch'), at(scratch, '--stem-stride')], ['v2', '2']); // nsfwjs's network: V2, stride-2 stem
  for (const a of [head, ft, scratch]) {
    assert.deepEqual([at(a, '--dataset'), at(a, '--input'), at(a, '--per-class'), at(a, '--seed')], ['fashion-mnist', '96x96x3', '100', '1']);
  }
  assert.equal(shellLine(['train', '--out', 'a b']), 'mobilenet train --out "a b"');
  // scratch-time: the epochs that fit in the fine-tune run's time (78 s of training; scratch 25 epochs in 500 s: 20 s each)
  assert.equal(sameTimeEpochs(78, 500, 25), 4);
  assert.equal(sameTimeEpochs(1, 500, 25), 1);
  assert.equal(at(trainArgs(t, 'scratch-time', { ...E, sameTime: 4 }, 1, 'src', 'o'), '--epochs'), '4');
  assert.throws(() => trainArgs(t, 'scratch-time', E, 1, 'src', 'o'), /needs the fine-tune and scratch runs first/);
});

test('parseTrainOutput reads the final test accuracy, each epoch\'s img/s and the embedding seconds; a cut-short run throws', () => {
  const text = [
    'transfer: backbone features of 1000 training images computed once (2.6 s); the head trains on them',
    'epoch 1/2 step 32/32  loss 1.7076  acc 75.0%  6432.1 img/s  ETA 0:00',
    'epoch 1/2  train loss 1.5768 acc 60.50%  val loss   –    acc    –     lr 2.79e-7  0.2s (6,429.9 img/s, epoch end 0.5 s)',
    'epoch 2/2  train loss 1.3508 acc 65.90%  val loss   –    acc    –     lr 2.41e-7  11.0s (138.1 img/s, plan set-up 3.8 s, epoch end 0.9 s)',
    'done: test accuracy 72.18%, loss 0.9104; run directory /tmp/tb/probe',
  ].join('\n');
  const o = parseTrainOutput(text);
  assert.ok(Math.abs(o.testAccuracy - 0.7218) < 1e-12, String(o.testAccuracy));
  assert.deepEqual(o.epochImgPerSec, [6429.9, 138.1]);
  assert.equal(o.embedSeconds, 2.6);
  assert.throws(() => parseTrainOutput(text.split('\n').slice(0, 3).join('\n')), /no final test accuracy/);
});

test('the tables: gain over scratch in points, seconds per epoch and their ratios', () => {
  const base = { seeds: [1], epochs: E, minutes: [1], headEpochSeconds: null, fineTuneEpochSeconds: null, scratchEpochSeconds: null, embedSeconds: null, command: 'c', elapsed: null };
  const rs: VariantResult[] = [
    { ...base, task: 't', variant: 'head', accuracies: [0.8], headEpochSeconds: 0.2 },
    { ...base, task: 't', variant: 'fine-tune', accuracies: [0.85], headEpochSeconds: 0.25, fineTuneEpochSeconds: 10, embedSeconds: 3 },
    { ...base, task: 't', variant: 'scratch', accuracies: [0.7], scratchEpochSeconds: 20 },
    { ...base, task: 't', variant: 'scratch-time', accuracies: [0.6], epochs: { ...E, sameTime: 3 } },
  ];
  const a = accuracyTable(rs);
  assert.match(a, /\| t \| head \| 20 \+ 0 \| 80\.00% \| \+10\.00 points \|/);
  assert.match(a, /\| t \| fine-tune \| 20 \+ 5 \| 85\.00% \| \+15\.00 points \|/);
  assert.match(a, /\| t \| scratch \| 25 \| 70\.00% \|  \|/);
  assert.match(a, /\| t \| scratch-time \| 3 \(fine-tune's time\) \| 60\.00% \|  \|/);
  assert.match(epochTable(rs), /\| t \| 0\.25 \| 3\.0 \| 10\.0 \| 20\.0 \| 40× \| 80× \|/);
});
