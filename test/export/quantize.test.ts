import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { affineRange, quantizeWeights, roundHalfEven, toFloat16Bits } from '../../src/format/quantize.js';

const PY = '/usr/bin/python3';
const hasNumpy = spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

test('roundHalfEven rounds ties to the even neighbour, as np.round', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 2, 3, -3]);
});

test('the nudged uint8 range represents 0 exactly', () => {
  for (const [lo, hi] of [[-0.37, 1.21], [-1, 0.001], [-0.001, 5], [-3.3, 3.3]]) {
    const r = affineRange(lo, hi, 255);
    const zero = -r.min / r.scale;
    assert.ok(Math.abs(zero - Math.round(zero)) < 1e-9, `zero point ${zero} for [${lo}, ${hi}]`);
  }
  const q = quantizeWeights(Float32Array.from([-0.37, 0, 0.2, 1.21]), 'uint8');
  assert.equal(q.quantization.dtype, 'uint8');
  const { min, scale } = q.quantization as { min: number; scale: number };
  assert.equal(Math.fround(q.bytes[1] * scale + min), 0); // the dequantized zero is exactly 0
});

test('float16 bits: normal, subnormal, overflow, ties to even', () => {
  assert.equal(toFloat16Bits(1), 0x3c00);
  assert.equal(toFloat16Bits(-2), 0xc000);
  assert.equal(toFloat16Bits(65504), 0x7bff);
  assert.equal(toFloat16Bits(65520), 0x7c00); // rounds up to infinity
  assert.equal(toFloat16Bits(2 ** -24), 0x0001); // smallest subnormal
  assert.equal(toFloat16Bits(2 ** -25), 0x0000); // a tie between 0 and 2^-24: even is 0
  assert.equal(toFloat16Bits(1 + 2 ** -11), 0x3c00); // tie: stays on the even mantissa
  assert.equal(toFloat16Bits(1 + 3 * 2 ** -11), 0x3c02); // tie: goes up to the even mantissa
  assert.equal(toFloat16Bits(NaN) & 0x7c00, 0x7c00);
});

/** Float32 test tensors that exercise every branch: mixed signs, one-signed, constant, ties, float16 extremes. */
function cases(): Float32Array[] {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const normal = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  return [
    Float32Array.from({ length: 5000 }, () => 0.1 * normal()),
    Float32Array.from({ length: 999 }, () => 0.5 + 1.5 * rnd()),
    Float32Array.from({ length: 777 }, () => -3 * rnd() - 0.01),
    new Float32Array(64).fill(0.3),
    Float32Array.from([-1, -0.5, 0, 0.25, 0.5, 1, 1.5, 3, 255 / 256]),
    Float32Array.from({ length: 300 }, (_, i) => (i - 150) * 2 ** -20 + (i % 7) * 70000 * (i % 2 ? 1 : -1) * (i > 290 ? 1 : 0)),
  ];
}

// The tfjs-converter's formula (tensorflowjs/quantization.py, quantize_weights) in numpy, as the converter runs it.
const NUMPY_QUANTIZE = `
import sys, json, base64, numpy as np
out = []
for line in sys.stdin:
    case = json.loads(line)
    data = np.frombuffer(base64.b64decode(case['data']), dtype='<f4')
    dtype = {'uint8': np.uint8, 'uint16': np.uint16, 'float16': np.float16}[case['dtype']]
    if dtype == np.float16:
        q, meta = data.astype(np.float16), {}
    else:
        lo = data.min().astype(np.float64); hi = data.max().astype(np.float64)
        if lo == hi:
            q, meta = np.zeros_like(data, dtype=dtype), {'min': float(lo), 'scale': 1.0}
        else:
            qmax = np.iinfo(dtype).max
            scale = (hi - lo) / qmax
            if lo <= 0 <= hi:
                zp = np.round((0 - lo) / scale)
                lo = -zp * scale
                hi = qmax * scale + lo
            q = np.round((data.clip(lo, hi) - lo) / scale).astype(dtype)
            meta = {'min': float(lo), 'scale': float(scale)}
    out.append({'bytes': base64.b64encode(q.astype(q.dtype.newbyteorder('<')).tobytes()).decode(), **meta})
print(json.dumps(out))
`;

test('uint8, uint16 and float16 bytes and min/scale equal numpy running the converter formula', { skip: !hasNumpy && 'no numpy' }, () => {
  const inputs = cases().flatMap((data) => (['uint8', 'uint16', 'float16'] as const).map((dtype) => ({ data, dtype })));
  const stdin = inputs.map(({ data, dtype }) => JSON.stringify({ dtype, data: Buffer.from(data.buffer).toString('base64') })).join('\n');
  const r = spawnSync(PY, ['-c', NUMPY_QUANTIZE], { input: stdin, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as Array<{ bytes: string; min?: number; scale?: number }>;
  inputs.forEach(({ data, dtype }, i) => {
    const q = quantizeWeights(data, dtype);
    const want = Buffer.from(expected[i].bytes, 'base64');
    const got = Buffer.from(q.bytes);
    const diff = [...want].findIndex((b, j) => b !== got[j]);
    assert.equal(diff, -1, `case ${i} (${dtype}): first differing byte ${diff}`);
    assert.equal(got.length, want.length);
    if (dtype !== 'float16') {
      const m = q.quantization as { min: number; scale: number };
      assert.equal(m.min, expected[i].min, `case ${i} min`);
      assert.equal(m.scale, expected[i].scale, `case ${i} scale`);
    }
  });
});
