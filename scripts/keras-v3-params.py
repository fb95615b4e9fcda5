#!/usr/bin/env python3
"""Parameter counts of Keras' MobileNetV3Small/Large, from the arithmetic of keras/src/applications/
mobilenet_v3.py (Keras 3) alone: no TensorFlow, no Keras, nothing from this repository's builders.

    python3 scripts/keras-v3-params.py            # the table in README.md and test/models/mobilenet-v3.test.ts

Each layer's weights as Keras creates them: Conv2D kernel k*k*cin*cout (+ cout bias where use_bias),
DepthwiseConv2D k*k*c (no bias), BatchNormalization gamma+beta (trainable) and moving mean+variance
(non-trainable). Rescaling, pooling, ReLU, hard-swish, Multiply, Add, Dropout, Flatten: no weights.
"""


def depth(v, divisor=8, min_value=None):  # Keras' _depth
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class Count:
    def __init__(self):
        self.trainable = 0
        self.non_trainable = 0

    def conv(self, k, cin, cout, bias):
        self.trainable += k * k * cin * cout + (cout if bias else 0)

    def depthwise(self, k, c):
        self.trainable += k * k * c

    def bn(self, c):
        self.trainable += 2 * c
        self.non_trainable += 2 * c


def mobilenet_v3(model_type, alpha, minimalistic, include_top, classes=1000):
    n = Count()
    kernel, se = (3, None) if minimalistic else (5, 0.25)
    d = lambda f: depth(f * alpha)
    if model_type == 'small':
        last_point = 1024
        rows = [(1, d(16), 3, 2, se), (72.0 / 16, d(24), 3, 2, None), (88.0 / 24, d(24), 3, 1, None),
                (4, d(40), kernel, 2, se), (6, d(40), kernel, 1, se), (6, d(40), kernel, 1, se),
                (3, d(48), kernel, 1, se), (3, d(48), kernel, 1, se), (6, d(96), kernel, 2, se),
                (6, d(96), kernel, 1, se), (6, d(96), kernel, 1, se)]
    else:
        last_point = 1280
        rows = [(1, d(16), 3, 1, None), (4, d(24), 3, 2, None), (3, d(24), 3, 1, None),
                (3, d(40), kernel, 2, se), (3, d(40), kernel, 1, se), (3, d(40), kernel, 1, se),
                (6, d(80), 3, 2, None), (2.5, d(80), 3, 1, None), (2.3, d(80), 3, 1, None),
                (2.3, d(80), 3, 1, None), (6, d(112), 3, 1, se), (6, d(112), 3, 1, se),
                (6, d(160), kernel, 2, se), (6, d(160), kernel, 1, se), (6, d(160), kernel, 1, se)]
    n.conv(3, 3, 16, False)  # 'conv' (3 input channels)
    n.bn(16)
    c = 16
    for block_id, (expansion, filters, k, stride, se_ratio) in enumerate(rows):  # _inverted_res_block
        expanded = depth(c * expansion)  # the expand width, and the SE width (block 0 too)
        width = c  # channels through the depthwise conv
        if block_id:  # block 0 has no expand conv
            n.conv(1, c, expanded, False)
            n.bn(expanded)
            width = expanded
        n.depthwise(k, width)
        n.bn(width)
        if se_ratio:  # _se_block(x, depth(infilters * expansion), se_ratio)
            squeeze = depth(expanded * se_ratio)
            n.conv(1, expanded, squeeze, True)
            n.conv(1, squeeze, expanded, True)
        n.conv(1, width, filters, False)
        n.bn(filters)
        c = filters
    last_conv = depth(c * 6)
    if alpha > 1.0:
        last_point = depth(last_point * alpha)
    n.conv(1, c, last_conv, False)
    n.bn(last_conv)
    if include_top:
        n.conv(1, last_conv, last_point, True)
        n.conv(1, last_point, classes, True)
    return n


if __name__ == '__main__':
    print('| model | alpha | minimalistic | top | total | trainable | non-trainable |')
    print('|---|---:|---|---|---:|---:|---:|')
    for model_type in ('large', 'small'):
        for alpha in (1.0, 0.75):
            for minimalistic in (False, True):
                for top in (True, False):
                    n = mobilenet_v3(model_type, alpha, minimalistic, top)
                    print(f'| {model_type} | {alpha} | {minimalistic} | {top} | {n.trainable + n.non_trainable:,} '
                          f'| {n.trainable:,} | {n.non_trainable:,} |')
