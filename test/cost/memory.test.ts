/**
 * Activation memory per image and the batch check (issue 19, item 7): a batch that cannot fit is one
 * OptionError naming the option before anything is allocated.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { activationBytesPerImage, checkBatchMemory } from '../../src/cost/memory.js';
import { OptionError } from '../../src/errors.js';
import { buildModel } from '../../src/models/presets.js';

await initBackend('cpu');
const model = buildModel('v2', { alpha: 0.35, inputShape: [8, 8, 1], classes: 3, seed: 1 });
const sizes = model.layers.map((l) => (l.outputShape as number[]).slice(1).reduce((a, b) => a * b, 1));

test('training counts every layer output, inference twice the largest (float32)', () => {
  assert.equal(activationBytesPerImage(model, 'train'), 4 * sizes.reduce((a, b) => a + b, 0));
  assert.equal(activationBytesPerImage(model, 'infer'), 8 * Math.max(...sizes));
});

test('a batch over the memory given is refused naming the option; one within it passes', () => {
  const perImage = activationBytesPerImage(model, 'train');
  assert.doesNotThrow(() => checkBatchMemory(model, 10, 'train', '--batch', 10 * perImage));
  assert.throws(() => checkBatchMemory(model, 11, 'train', '--batch', 10 * perImage), (e: unknown) => {
    assert.ok(e instanceof OptionError);
    assert.match(e.message, /^--batch 11 needs at least [\d.]+ MB for training activations \([\d.]+ MB an image\), more than this machine's memory/);
    return true;
  });
});
