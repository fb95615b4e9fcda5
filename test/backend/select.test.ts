import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { getThreads, initBackend, nativeAvailable, setThreads } from '../../src/backend/index.js';
import { OptionError } from '../../src/errors.js';
import { SKIP } from './compare.js';

test('auto picks onednn when the addon is built and says so without a notice', { skip: SKIP }, async () => {
  assert.equal(nativeAvailable().available, true);
  assert.deepEqual(await initBackend('auto'), { name: 'onednn' });
  assert.equal(tf.getBackend(), 'onednn');
  assert.deepEqual(await initBackend('onednn'), { name: 'onednn' });
});

test('setThreads / getThreads change the addon thread count; bad counts are option errors', { skip: SKIP }, () => {
  const before = getThreads();
  assert.ok(before >= 1);
  assert.equal(setThreads(1), 1);
  assert.equal(getThreads(), 1);
  assert.equal(setThreads(before), before);
  assert.throws(() => setThreads(0), OptionError);
  assert.throws(() => setThreads(1.5), OptionError);
});

test('cpu and wasm can be chosen explicitly and compute', async () => {
  for (const name of ['cpu', 'wasm'] as const) {
    assert.deepEqual(await initBackend(name), { name });
    assert.equal(tf.getBackend(), name);
    const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1], [1]]));
    assert.deepEqual(Array.from(y.dataSync()), [3, 7]);
    y.dispose();
  }
});

test('an unknown backend name is an OptionError naming the choices', async () => {
  await assert.rejects(initBackend('gpu' as 'cpu'), (e: Error) => e instanceof OptionError && /onednn, cpu, wasm/.test(e.message));
});
