/** The benchmark's cases and the --arch / --case filters. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { selectCases, splitList, SUITE } from '../../src/bench/cases.js';
import { OptionError } from '../../src/errors.js';

const label = (c: { arch: string; name: string; mode: string; preset: string; batch: number }) => `${c.arch} ${c.name} ${c.mode} ${c.preset} ${c.batch}`;

test('the suite: V1, V2, V3-Small, V3-Large, each with two training sizes, two inference sizes and two batch-1 latency rows', () => {
  assert.deepEqual(SUITE.map(label), ['v1', 'v2', 'v3-small', 'v3-large'].flatMap((a) => [
    `${a} train-28 train mnist 128`, `${a} train-224 train imagenet 32`, `${a} infer-28 infer mnist 256`, `${a} infer-224 infer imagenet 32`,
    `${a} latency-28 infer mnist 1`, `${a} latency-224 infer imagenet 1`,
  ]));
  assert.deepEqual(SUITE.filter((c) => c.latency).map((c) => c.batch), [1, 1, 1, 1, 1, 1, 1, 1]);
});

test('selectCases filters by architecture, by case name and by case family', () => {
  assert.equal(selectCases().length, 24);
  assert.deepEqual(selectCases(['v2'], ['train-28']).map(label), ['v2 train-28 train mnist 128']);
  assert.deepEqual(selectCases(['v2'], ['train']).map(label), ['v2 train-28 train mnist 128', 'v2 train-224 train imagenet 32']);
  assert.deepEqual(selectCases(undefined, ['latency']).map((c) => `${c.arch} ${c.name}`),
    ['v1 latency-28', 'v1 latency-224', 'v2 latency-28', 'v2 latency-224', 'v3-small latency-28', 'v3-small latency-224',
      'v3-large latency-28', 'v3-large latency-224']);
  assert.deepEqual(selectCases(['v1'], ['infer-224', 'latency-28']).map((c) => c.name), ['infer-224', 'latency-28']);
  assert.deepEqual(selectCases([], []).length, 24, 'empty lists do not filter');
});

test('selectCases names an unknown architecture or case', () => {
  assert.throws(() => selectCases(['v3']), (e: Error) => e instanceof OptionError && /--arch must list architectures from v1, v2, v3-small, v3-large, got "v3"/.test(e.message));
  assert.throws(() => selectCases(undefined, ['infer-96']),
    (e: Error) => e instanceof OptionError && /--case must list cases from train-28, train-224, infer-28, infer-224, latency-28, latency-224 \(or train, infer, latency\), got "infer-96"/.test(e.message));
});

test('splitList trims and drops empty entries', () => {
  assert.equal(splitList(undefined), undefined);
  assert.deepEqual(splitList(' v1, v2 ,'), ['v1', 'v2']);
});
