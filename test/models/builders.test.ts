import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { makeDivisible } from '../../src/models/blocks.js';
import { mobileNetV1 } from '../../src/models/mobilenet-v1.js';
import { mobileNetV2 } from '../../src/models/mobilenet-v2.js';
import { buildModel } from '../../src/models/presets.js';
import { OptionError } from '../../src/errors.js';
import { trainableCount } from '../helpers.js';

await initBackend('cpu');

test('V1 at 224x224x3, 1000 classes: Keras parameter counts', () => {
  const m = mobileNetV1();
  assert.equal(m.countParams(), 4_253_864);
  assert.equal(trainableCount(m), 4_231_976);
  assert.equal(m.name, 'mobilenet_1.00_224');
  assert.deepEqual(m.outputs[0].shape, [null, 1000]);
});

test('V2 at 224x224x3, 1000 classes: Keras parameter counts', () => {
  const m = mobileNetV2();
  assert.equal(m.countParams(), 3_538_984);
  assert.equal(trainableCount(m), 3_504_872);
  assert.equal(m.name, 'mobilenetv2_1.00_224');
});

// Expected figures from torchvision 0.14.1 mobilenet_v2(width_mult=α): trainable parameters and BN running
// statistics (Debian python3-torchvision, counted on this machine). An independent implementation of the same network.
const V2_TORCHVISION: Array<[number, number, number]> = [
  [0.35, 1_677_128, 14_080], [0.5, 1_968_680, 18_544], [0.75, 2_636_424, 26_640],
  [1.0, 3_504_872, 34_112], [1.3, 5_386_792, 44_256], [1.4, 6_108_776, 47_936],
];

for (const [alpha, trainable, stats] of V2_TORCHVISION) {
  test(`V2 alpha ${alpha}: same counts as torchvision`, () => {
    const m = mobileNetV2({ alpha });
    assert.equal(trainableCount(m), trainable);
    assert.equal(m.countParams() - trainable, stats);
  });
}

/** V1 parameter count derived from the paper's table, independently of the builder. */
function v1Expected(alpha: number, inC: number, classes: number, dm = 1): number {
  const w = (c: number) => Math.floor(c * alpha);
  let c = w(32);
  let n = 3 * 3 * inC * c + 4 * c; // stem conv + BN (γ, β, mean, var)
  for (const f of [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024]) {
    const o = w(f);
    n += 9 * c * dm + 4 * c * dm + c * dm * o + 4 * o; // dw + BN + pw + BN
    c = o;
  }
  return n + c * classes + classes; // conv_preds with bias
}

for (const alpha of [0.25, 0.5, 0.75, 1]) {
  test(`V1 alpha ${alpha}: parameter count as the table says`, () => {
    assert.equal(mobileNetV1({ alpha }).countParams(), v1Expected(alpha, 3, 1000));
  });
}

test('V1 depth multiplier 2 multiplies depthwise channels', () => {
  const m = mobileNetV1({ depthMultiplier: 2, inputShape: [32, 32, 3], classes: 10 });
  assert.equal(m.countParams(), v1Expected(1, 3, 10, 2));
});

test('mnist preset: 28x28x1 reaches 1x1 before pooling, 10 classes', () => {
  for (const arch of ['v1', 'v2']) {
    const m = buildModel(arch, {}, 'mnist');
    assert.deepEqual(m.inputs[0].shape, [null, 28, 28, 1]);
    assert.deepEqual(m.outputs[0].shape, [null, 10]);
    const last = m.getLayer(arch === 'v1' ? 'conv_pw_13_relu' : 'out_relu');
    assert.deepEqual((last.outputShape as number[]).slice(1, 3), [1, 1]);
  }
  assert.equal(buildModel('v1', {}, 'mnist').countParams(), v1Expected(1, 1, 10));
  // torchvision mobilenet_v2(num_classes=10) with a 1-channel stem: 2,236,106 trainable
  assert.equal(trainableCount(buildModel('v2', {}, 'mnist')), 2_236_106);
});

test('mnist preset uses BN momentum 0.9; imagenet keeps Keras defaults', () => {
  const bn = (arch: string, preset: string) =>
    (buildModel(arch, {}, preset).getLayer(arch === 'v1' ? 'conv1_bn' : 'bn_Conv1').getConfig() as { momentum: number }).momentum;
  assert.equal(bn('v1', 'mnist'), 0.9);
  assert.equal(bn('v2', 'mnist'), 0.9);
  assert.equal(bn('v1', 'imagenet'), 0.99);
  assert.equal(bn('v2', 'imagenet'), 0.999);
});

test('Keras layer names', () => {
  const v1 = mobileNetV1({ inputShape: [32, 32, 3] });
  for (const n of ['conv1', 'conv1_bn', 'conv_dw_1', 'conv_pw_13_bn', 'conv_preds', 'predictions']) assert.ok(v1.getLayer(n));
  const v2 = mobileNetV2({ inputShape: [32, 32, 3] });
  for (const n of ['Conv1', 'bn_Conv1', 'expanded_conv_depthwise', 'block_3_expand', 'block_16_project_BN', 'Conv_1', 'predictions']) {
    assert.ok(v2.getLayer(n));
  }
});

test('V2 residual adds exactly where stride is 1 and channels match', () => {
  const adds = mobileNetV2({ inputShape: [32, 32, 3] }).layers.filter((l) => l.getClassName() === 'Add').map((l) => l.name);
  assert.deepEqual(adds, [2, 4, 5, 7, 8, 9, 11, 12, 14, 15].map((i) => `block_${i}_add`));
});

test('V2 projection has no activation; expand and depthwise end in ReLU6', () => {
  const m = mobileNetV2({ inputShape: [32, 32, 3] });
  const next = (name: string) => m.getLayer(name).outboundNodes[0].outboundLayer!;
  assert.equal(next('block_3_project_BN').getClassName(), 'Conv2D'); // straight into block_4_expand
  assert.equal((m.getLayer('block_3_expand_relu').getConfig() as { maxValue: number }).maxValue, 6);
  assert.equal(next('block_4_project_BN').getClassName(), 'Add');
});

test('includeTop false with pooling gives a feature vector; without pooling a feature map', () => {
  assert.deepEqual(mobileNetV2({ includeTop: false, pooling: 'avg' }).outputs[0].shape, [null, 1280]);
  assert.deepEqual(mobileNetV1({ includeTop: false, pooling: 'max' }).outputs[0].shape, [null, 1024]);
  assert.deepEqual(mobileNetV2({ includeTop: false }).outputs[0].shape, [null, 7, 7, 1280]);
  assert.equal(mobileNetV2({ includeTop: false }).countParams(), 2_257_984);
});

test('small inputs build down to 1x1', () => {
  assert.deepEqual(mobileNetV2({ inputShape: [1, 1, 3], includeTop: false }).outputs[0].shape, [null, 1, 1, 1280]);
  assert.deepEqual(mobileNetV1({ inputShape: [5, 9, 3], includeTop: false }).outputs[0].shape, [null, 1, 1, 1024]);
});

test('classifierActivation null gives logits (linear head)', () => {
  const m = mobileNetV2({ inputShape: [32, 32, 3], classes: 5, classifierActivation: null });
  assert.equal((m.getLayer('predictions').getConfig() as { activation: string }).activation, 'linear');
});

test('seeded builds are repeatable', async () => {
  const a = mobileNetV2({ inputShape: [32, 32, 3], alpha: 0.35, seed: 7 });
  const b = mobileNetV2({ inputShape: [32, 32, 3], alpha: 0.35, seed: 7 });
  const c = mobileNetV2({ inputShape: [32, 32, 3], alpha: 0.35, seed: 8 });
  const first = (m: typeof a) => m.getLayer('Conv1').getWeights()[0].dataSync();
  assert.deepEqual(first(a), first(b));
  assert.notDeepEqual(first(a), first(c));
});

test('make_divisible as Keras', () => {
  assert.equal(makeDivisible(32), 32);
  assert.equal(makeDivisible(32 * 0.35), 16); // 11.2 → 16 (8 would be < 0.9·11.2)
  assert.equal(makeDivisible(5), 8);
  assert.equal(makeDivisible(16 * 0.35), 8);
  assert.equal(makeDivisible(1280 * 1.4), 1792);
  assert.equal(makeDivisible(12), 16); // (12 + 4) // 8 * 8 = 16
  assert.equal(makeDivisible(11), 16); // 8 < 0.9·11 → 16
  assert.equal(makeDivisible(27), 32); // round(27/8)*8 = 24 ≥ 0.9·27=24.3? no → 32
});

test('bad options throw clear OptionErrors', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => mobileNetV1({ alpha: 0 }), /alpha must be a positive number/],
    [() => mobileNetV2({ alpha: -1 }), /alpha must be a positive number/],
    [() => mobileNetV2({ classes: 2.5 }), /classes must be a positive integer/],
    [() => mobileNetV2({ inputShape: [28, 28] as never }), /inputShape must be \[height, width, channels\]/],
    [() => mobileNetV2({ inputShape: [0, 28, 1] }), /inputShape\[0\] must be an integer ≥ 1.*smallest valid input is 1x1xC/],
    [() => mobileNetV2({ includeTop: false, pooling: 'sum' as never }), /pooling must be 'avg', 'max' or null/],
    [() => mobileNetV1({ depthMultiplier: 0 }), /depthMultiplier must be a positive integer/],
    [() => mobileNetV1({ dropout: 1 }), /dropout must be in \[0, 1\)/],
    [() => buildModel('v3'), /arch must be one of 'v1', 'v2', 'v3-small', 'v3-large', got "v3"/],
    [() => buildModel('v2', { dropout: 0.2 }), /MobileNet V1 options/],
    [() => buildModel('v2', {}, 'cifar'), /unknown preset "cifar"/],
  ];
  for (const [fn, re] of cases) assert.throws(fn, (e: unknown) => e instanceof OptionError && re.test((e as Error).message));
});
