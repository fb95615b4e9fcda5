import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { compare, rand, SKIP } from './compare.js';

type Pad = 'same' | 'valid';
interface Case { n: number; h: number; w: number; k: number; s: number; pad: Pad }

const CASES: Case[] = [];
for (const n of [1, 7]) for (const [h, w] of [[5, 5], [8, 6]]) for (const s of [1, 2]) for (const pad of ['same', 'valid'] as Pad[]) {
  CASES.push({ n, h, w, k: 3, s, pad });
}
CASES.push({ n: 2, h: 7, w: 7, k: 1, s: 2, pad: 'same' }, { n: 3, h: 2, w: 2, k: 3, s: 2, pad: 'same' },
  { n: 3, h: 1, w: 1, k: 3, s: 1, pad: 'same' }, { n: 7, h: 5, w: 3, k: 1, s: 1, pad: 'same' },
  { n: 1, h: 2, w: 2, k: 1, s: 1, pad: 'valid' });

const label = (c: Case) => `n${c.n} ${c.h}x${c.w} k${c.k} s${c.s} ${c.pad}`;
const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

function outSize(c: Case, h: number): number {
  return c.pad === 'same' ? Math.ceil(h / c.s) : Math.ceil((h - c.k + 1) / c.s);
}

test('Conv2D, FusedConv2D, Conv2DBackpropInput, Conv2DBackpropFilter match cpu', { skip: SKIP }, async () => {
  const cin = 3, cout = 4;
  for (const [i, c] of CASES.entries()) {
    const oh = outSize(c, c.h), ow = outSize(c, c.w);
    const xv = rand(c.n * c.h * c.w * cin, 11 + i), fv = rand(c.k * c.k * cin * cout, 23 + i);
    const dyv = rand(c.n * oh * ow * cout, 37 + i), bv = rand(cout, 41 + i);
    const x = () => tf.tensor4d(xv, [c.n, c.h, c.w, cin]); // [B, H, W, Cin]
    const f = () => tf.tensor4d(fv, [c.k, c.k, cin, cout]); // [KH, KW, Cin, Cout]
    const dy = () => tf.tensor4d(dyv, [c.n, oh, ow, cout]); // [B, OH, OW, Cout]
    const base = { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] };
    await compare(`Conv2D ${label(c)}`, () => run('Conv2D', { x: x(), filter: f() }, base));
    for (const activation of ['linear', 'relu', 'relu6']) {
      await compare(`FusedConv2D ${activation} ${label(c)}`, () => tf.fused.conv2d({
        x: x(), filter: f(), strides: c.s, pad: c.pad, bias: tf.tensor1d(bv), activation: activation as 'relu',
      }));
    }
    await compare(`Conv2DBackpropInput ${label(c)}`,
      () => run('Conv2DBackpropInput', { dy: dy(), filter: f() }, { ...base, inputShape: [c.n, c.h, c.w, cin] }));
    await compare(`Conv2DBackpropFilter ${label(c)}`,
      () => run('Conv2DBackpropFilter', { x: x(), dy: dy() }, { ...base, filterShape: [c.k, c.k, cin, cout] }));
  }
});

test('depthwise forward, fused and both gradients match cpu (multiplier 1 and 2)', { skip: SKIP }, async () => {
  const ch = 5;
  for (const [i, c] of CASES.entries()) {
    for (const m of [1, 2]) {
      const oh = outSize(c, c.h), ow = outSize(c, c.w);
      const xv = rand(c.n * c.h * c.w * ch, 51 + i), fv = rand(c.k * c.k * ch * m, 63 + i);
      const dyv = rand(c.n * oh * ow * ch * m, 77 + i), bv = rand(ch * m, 83 + i);
      const x = () => tf.tensor4d(xv, [c.n, c.h, c.w, ch]); // [B, H, W, C]
      const f = () => tf.tensor4d(fv, [c.k, c.k, ch, m]); // [KH, KW, C, M]
      const dy = () => tf.tensor4d(dyv, [c.n, oh, ow, ch * m]); // [B, OH, OW, C·M]
      const base = { strides: [c.s, c.s], pad: c.pad, dilations: [1, 1] };
      const what = `${label(c)} m${m}`;
      await compare(`DepthwiseConv2dNative ${what}`, () => run('DepthwiseConv2dNative', { x: x(), filter: f() }, base));
      await compare(`FusedDepthwiseConv2D relu6 ${what}`, () => tf.fused.depthwiseConv2d({
        x: x(), filter: f(), strides: c.s, pad: c.pad, bias: tf.tensor1d(bv), activation: 'relu6',
      }));
      await compare(`DepthwiseConv2dNativeBackpropInput ${what}`, () => run('DepthwiseConv2dNativeBackpropInput',
        { dy: dy(), filter: f() }, { ...base, inputShape: [c.n, c.h, c.w, ch] }));
      await compare(`DepthwiseConv2dNativeBackpropFilter ${what}`, () => run('DepthwiseConv2dNativeBackpropFilter',
        { x: x(), dy: dy() }, { ...base, filterShape: [c.k, c.k, ch, m] }));
    }
  }
});

test('dilated convolutions and the autodiff path match cpu', { skip: SKIP }, async () => {
  const xv = rand(2 * 9 * 9 * 3, 5), fv = rand(3 * 3 * 3 * 4, 6), dv = rand(3 * 3 * 3 * 2, 7);
  await compare('Conv2D dilation 2', () => tf.conv2d(tf.tensor4d(xv, [2, 9, 9, 3]), tf.tensor4d(fv, [3, 3, 3, 4]), 1, 'same', 'NHWC', 2));
  await compare('depthwise dilation 2', () => tf.depthwiseConv2d(tf.tensor4d(xv, [2, 9, 9, 3]), tf.tensor4d(dv, [3, 3, 3, 2]), 1, 'valid', 'NHWC', 2));
  await compare('grads of conv → depthwise → sum', () => {
    const g = tf.grads((x: tf.Tensor, f: tf.Tensor, d: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(
      tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'), d as tf.Tensor4D, 2, 'same'))));
    return g([tf.tensor4d(xv, [2, 9, 9, 3]), tf.tensor4d(fv, [3, 3, 3, 4]), tf.tensor4d(rand(3 * 3 * 4 * 2, 8), [3, 3, 4, 2])]);
  });
});
