import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { OptionError } from '../../src/errors.js';
import { mobileNetV3Large } from '../../src/models/mobilenet-v3-large.js';
import { mobileNetV3Small } from '../../src/models/mobilenet-v3-small.js';
import { buildModel } from '../../src/models/presets.js';
import { hardSigmoid, hardSwish } from '../../src/models/v3-blocks.js';
import { trainableCount } from '../helpers.js';

await initBackend('cpu');

/**
 * Keras' counts (224×224×3 input, 1000 classes): [arch, alpha, minimalistic, includeTop, total, trainable].
 * Derived without this builder by scripts/keras-v3-params.py (Keras 3 mobilenet_v3.py's arithmetic,
 * transcribed); they agree with the published Keras summaries — MobileNetV3Large 5,507,432 total /
 * 5,483,032 trainable / 24,400 non-trainable, MobileNetV3Small 2,554,968 / 2,542,856 / 12,112, no top
 * 2,996,352 (Large) and 939,120 (Small), Small 0.75 no top 583,160 — and with torchvision 0.14.1
 * (mobilenet_v3_large 5,483,032 and mobilenet_v3_small 2,542,856 parameters = Keras' trainable ones).
 */
const KERAS: Array<[string, number, boolean, boolean, number, number]> = [
  ['v3-large', 1, false, true, 5_507_432, 5_483_032],
  ['v3-large', 1, false, false, 2_996_352, 2_971_952],
  ['v3-large', 1, true, true, 3_948_688, 3_924_288],
  ['v3-large', 1, true, false, 1_437_608, 1_413_208],
  ['v3-large', 0.75, false, true, 4_012_616, 3_993_528],
  ['v3-large', 0.75, false, false, 1_808_736, 1_789_648],
  ['v3-large', 0.75, true, true, 3_069_400, 3_050_312],
  ['v3-large', 0.75, true, false, 865_520, 846_432],
  ['v3-small', 1, false, true, 2_554_968, 2_542_856],
  ['v3-small', 1, false, false, 939_120, 927_008],
  ['v3-small', 1, true, true, 2_056_848, 2_044_736],
  ['v3-small', 1, true, false, 441_000, 428_888],
  ['v3-small', 0.75, false, true, 2_051_552, 2_041_872],
  ['v3-small', 0.75, false, false, 583_160, 573_480],
  ['v3-small', 0.75, true, true, 1_742_192, 1_732_512],
  ['v3-small', 0.75, true, false, 273_800, 264_120],
];

for (const [arch, alpha, minimalistic, includeTop, total, trainable] of KERAS) {
  const what = `${arch} alpha ${alpha}${minimalistic ? ' minimalistic' : ''}${includeTop ? '' : ' no top'}`;
  test(`${what}: Keras parameter counts (${total.toLocaleString('en-US')})`, () => {
    const m = buildModel(arch, { alpha, minimalistic, includeTop });
    assert.equal(m.countParams(), total);
    assert.equal(trainableCount(m), trainable);
    m.dispose();
  });
}

test('V3 at 224x224x3: Keras names, shapes, preprocessing layer and head', () => {
  const large = mobileNetV3Large();
  assert.equal(large.name, 'MobileNetV3Large');
  assert.equal(large.layers[1].name, 'rescaling');
  assert.deepEqual(large.layers[1].getConfig().scale, 1 / 127.5);
  assert.equal(large.layers[1].getConfig().offset, -1);
  for (const name of ['conv', 'conv_bn', 'expanded_conv_depthwise', 'expanded_conv_project', 'expanded_conv_1_expand',
    'expanded_conv_3_squeeze_excite_conv', 'expanded_conv_3_squeeze_excite_conv_1', 'expanded_conv_14_add',
    'conv_1', 'conv_1_bn', 'conv_2', 'logits', 'predictions']) {
    assert.ok(large.getLayer(name), `layer ${name}`);
  }
  assert.deepEqual(large.getLayer('conv_1').outputShape, [null, 7, 7, 960]);
  assert.deepEqual(large.getLayer('conv_2').outputShape, [null, 1, 1, 1280]);
  assert.deepEqual(large.getLayer('expanded_conv_12_depthwise').getConfig().kernelSize, [5, 5]);
  assert.deepEqual(large.outputs[0].shape, [null, 1000]);
  assert.equal((large.getLayer('dropout').getConfig() as { rate: number }).rate, 0.2);
  const small = mobileNetV3Small();
  assert.equal(small.name, 'MobileNetV3Small');
  assert.deepEqual(small.getLayer('conv_1').outputShape, [null, 7, 7, 576]);
  assert.deepEqual(small.getLayer('conv_2').outputShape, [null, 1, 1, 1024]);
  assert.ok(small.getLayer('expanded_conv_squeeze_excite_mul'), 'Small block 0 has SE');
  assert.throws(() => large.getLayer('expanded_conv_squeeze_excite_mul'), 'Large block 0 has none');
  large.dispose();
  small.dispose();
});

test('minimalistic: 3x3 kernels, ReLU only, no squeeze-and-excitation, same widths', () => {
  const m = mobileNetV3Large({ minimalistic: true });
  const types = new Set(m.layers.map((l) => l.getClassName()));
  assert.ok(!types.has('Multiply'), 'no hard-swish or SE multiply');
  assert.deepEqual(m.layers.filter((l) => l.getClassName() === 'Rescaling').map((l) => l.name), ['rescaling']);
  assert.ok(!m.layers.some((l) => /squeeze_excite|hard_swish/.test(l.name)));
  for (const l of m.layers.filter((x) => x.getClassName() === 'DepthwiseConv2D')) {
    assert.deepEqual(l.getConfig().kernelSize, [3, 3], l.name);
  }
  assert.deepEqual(m.getLayer('conv_1').outputShape, [null, 7, 7, 960]);
  m.dispose();
});

test('no top: pooling avg/max named as Keras, 4-D feature map without; alpha > 1 widens conv_2', () => {
  assert.deepEqual(buildModel('v3-small', { includeTop: false }).outputs[0].shape, [null, 7, 7, 576]);
  const avg = buildModel('v3-small', { includeTop: false, pooling: 'avg' });
  assert.equal(avg.layers[avg.layers.length - 1].name, 'avg_pool');
  assert.deepEqual(avg.outputs[0].shape, [null, 576]);
  const max = buildModel('v3-large', { includeTop: false, pooling: 'max' });
  assert.equal(max.layers[max.layers.length - 1].name, 'max_pool');
  const wide = buildModel('v3-large', { alpha: 1.25, inputShape: [64, 64, 3] });
  assert.deepEqual(wide.getLayer('conv_2').outputShape, [null, 1, 1, 1600]);
  const lean = buildModel('v3-large', { alpha: 0.5, inputShape: [64, 64, 3] });
  assert.deepEqual(lean.getLayer('conv_2').outputShape, [null, 1, 1, 1280], 'not scaled for alpha < 1');
});

test('mnist preset: 28x28x1 builds (Keras refuses < 32x32), 10 classes, no Rescaling, BN momentum 0.9', () => {
  for (const arch of ['v3-small', 'v3-large']) {
    const m = buildModel(arch, {}, 'mnist');
    assert.deepEqual(m.inputs[0].shape, [null, 28, 28, 1]);
    assert.deepEqual(m.outputs[0].shape, [null, 10]);
    assert.deepEqual(m.getLayer('conv_1').outputShape.slice(1, 3), [1, 1]);
    assert.ok(!m.layers.some((l) => l.getClassName() === 'Rescaling' && l.name === 'rescaling'));
    assert.equal((m.getLayer('conv_bn').getConfig() as { momentum: number }).momentum, 0.9);
    const y = m.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 10]);
    y.dispose();
    m.dispose();
  }
  for (const shape of [[1, 1, 3], [31, 17, 3]] as Array<[number, number, number]>) {
    assert.deepEqual(buildModel('v3-small', { inputShape: shape, classes: 4 }).outputs[0].shape, [null, 4]);
  }
  const imagenet = buildModel('v3-small', {}, 'imagenet');
  assert.equal(imagenet.layers[1].name, 'rescaling');
  assert.equal((imagenet.getLayer('conv_bn').getConfig() as { momentum: number }).momentum, 0.999);
});

test('hard-sigmoid and hard-swish layers compute relu6(x + 3)/6 and x·relu6(x + 3)/6 (not 0.2x + 0.5)', () => {
  const values = [-7, -3, -2.5, -1, -0.2, 0, 0.5, 1, 2.9, 3, 4, 100];
  const input = tfl.input({ shape: [values.length] });
  const m = tfl.model({ inputs: input, outputs: [hardSigmoid(input, 'hs'), hardSwish(input, 'hw')] });
  const [hs, hw] = (m.predict(tf.tensor2d([values])) as tf.Tensor[]).map((t) => Array.from(t.dataSync()));
  const relu6 = (v: number) => Math.min(Math.max(v, 0), 6);
  values.forEach((v, i) => {
    assert.ok(Math.abs(hs[i] - relu6(v + 3) / 6) < 1e-6, `hard_sigmoid(${v}) = ${hs[i]}`);
    assert.ok(Math.abs(hw[i] - v * relu6(v + 3) / 6) < 1e-5 * Math.max(1, Math.abs(v)), `hard_swish(${v}) = ${hw[i]}`);
  });
  assert.deepEqual(m.layers.slice(1).map((l) => l.getClassName()), ['Rescaling', 'Rescaling', 'ReLU', 'ReLU', 'Multiply']);
});

test('the same seed builds the same weights; dropoutRate 0 leaves the dropout out', () => {
  const a = buildModel('v3-small', { seed: 5 }, 'mnist');
  const b = buildModel('v3-small', { seed: 5 }, 'mnist');
  a.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), b.getWeights()[i].dataSync()));
  assert.throws(() => buildModel('v3-small', { dropoutRate: 0 }, 'mnist').getLayer('dropout'));
});

test('bad V3 options throw OptionError naming the option', () => {
  const bad: Array<[() => unknown, RegExp]> = [
    [() => mobileNetV3Small({ dropoutRate: 1 }), /dropoutRate must be in \[0, 1\), got 1/],
    [() => mobileNetV3Large({ minimalistic: 'yes' as unknown as boolean }), /minimalistic must be true or false/],
    [() => mobileNetV3Large({ includePreprocessing: 1 as unknown as boolean }), /includePreprocessing must be true or false/],
    [() => mobileNetV3Small({ alpha: 0 }), /alpha must be a positive number/],
    [() => buildModel('v3-small', { dropout: 0.1 }), /MobileNet V1 options \(dropout\) do not apply to v3-small/],
    [() => buildModel('v2', { minimalistic: true }), /MobileNet V3 options \(minimalistic\) do not apply to v2/],
  ];
  for (const [f, re] of bad) assert.throws(f, (e: unknown) => e instanceof OptionError && re.test((e as Error).message));
});
