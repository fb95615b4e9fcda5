/**
 * Whole-split pixel operations in plain JS (fast for 70 000 small images):
 * bilinear resize, channel replication/conversion, per-channel statistics.
 */
import { convertChannels } from './image.js';
import type { Dataset, Split } from './types.js';

/** Source indices and weights of a bilinear axis map from n to m samples (half-pixel centres, edge clamped). */
export interface AxisMap { i0: Int32Array; i1: Int32Array; a: Float32Array }

/** Precomputes the bilinear sampling positions for resizing an axis of length n to m. */
export function axisMap(n: number, m: number): AxisMap {
  const i0 = new Int32Array(m), i1 = new Int32Array(m), a = new Float32Array(m);
  const scale = n / m;
  for (let j = 0; j < m; j++) {
    const f = Math.min(Math.max((j + 0.5) * scale - 0.5, 0), n - 1);
    i0[j] = Math.floor(f);
    i1[j] = Math.min(i0[j] + 1, n - 1);
    a[j] = f - i0[j];
  }
  return { i0, i1, a };
}

/** Bilinear resize of one [h, w, c] uint8 image at src[s] into [H, W, c] at out[o], using precomputed axis maps. */
export function resizeBilinear(
  src: Uint8Array, s: number, w: number, c: number, ym: AxisMap, xm: AxisMap, out: Uint8Array, o: number,
): void {
  const H = ym.a.length, W = xm.a.length;
  for (let y = 0; y < H; y++) {
    const r0 = s + ym.i0[y] * w * c, r1 = s + ym.i1[y] * w * c, ay = ym.a[y];
    for (let x = 0; x < W; x++) {
      const c0 = xm.i0[x] * c, c1 = xm.i1[x] * c, ax = xm.a[x];
      for (let k = 0; k < c; k++) {
        const p00 = src[r0 + c0 + k], p01 = src[r0 + c1 + k], p10 = src[r1 + c0 + k], p11 = src[r1 + c1 + k];
        const top = p00 + (p01 - p00) * ax, bot = p10 + (p11 - p10) * ax;
        out[o + (y * W + x) * c + k] = top + (bot - top) * ay + 0.5; // Uint8Array store truncates: +0.5 rounds
      }
    }
  }
}

/** Returns the split resized to `shape` [H, W, C] (bilinear) with channels converted (gray → replicated RGB). */
export function reshapeSplit(split: Split, shape: [number, number, number]): Split {
  const [h, w, c] = split.shape;
  const [H, W, C] = shape;
  if (h === H && w === W && c === C) return split;
  const inSize = h * w * c;
  let images = split.images; // [N, h, w, c]
  if (h !== H || w !== W) {
    images = new Uint8Array(split.count * H * W * c); // [N, H, W, c]
    const ym = axisMap(h, H), xm = axisMap(w, W);
    for (let i = 0; i < split.count; i++) resizeBilinear(split.images, i * inSize, w, c, ym, xm, images, i * H * W * c);
  }
  if (c !== C) images = convertChannels(images, c, C); // [N, H, W, C]
  return { images, labels: split.labels, count: split.count, shape: [H, W, C] };
}

/** Gray histogram into counts[0..255] using 4 interleaved sub-histograms (breaks the store dependency on the many 0 bytes). */
function gray4(px: Uint8Array, start: number, end: number, counts: Uint32Array): void {
  let i = start;
  for (const n = end - ((end - start) & 3); i < n; i += 4) {
    counts[px[i]]++; counts[256 + px[i + 1]]++; counts[512 + px[i + 2]]++; counts[768 + px[i + 3]]++;
  }
  for (; i < end; i++) counts[px[i]]++;
  for (let v = 0; v < 256; v++) {
    counts[v] += counts[256 + v] + counts[512 + v] + counts[768 + v];
    counts[256 + v] = counts[512 + v] = counts[768 + v] = 0;
  }
}

/** Per-channel mean and standard deviation on the 0..1 scale (exact, via a byte histogram). */
export function channelStats(split: Split): { mean: number[]; std: number[] } {
  const c = split.shape[2];
  const hist = new Float64Array(c * 256);
  const counts = new Uint32Array(Math.max(c, 4) * 256); // flushed into hist every CHUNK bytes so it cannot overflow
  const px = split.images;
  const CHUNK = 1 << 30;
  for (let start = 0; start < px.length; start += CHUNK) {
    const end = Math.min(px.length, start + CHUNK);
    if (c === 1) {
      gray4(px, start, end, counts);
    } else {
      for (let i = start; i < end; i += c) for (let k = 0; k < c; k++) counts[k * 256 + px[i + k]]++;
    }
    for (let j = 0; j < hist.length; j++) hist[j] += counts[j];
    counts.fill(0);
  }
  const mean: number[] = [], std: number[] = [];
  for (let k = 0; k < c; k++) {
    let n = 0, s = 0, s2 = 0;
    for (let v = 0; v < 256; v++) {
      const m = hist[k * 256 + v], x = v / 255;
      n += m; s += m * x; s2 += m * x * x;
    }
    const mu = n > 0 ? s / n : 0;
    mean.push(mu);
    std.push(n > 0 ? Math.sqrt(Math.max(s2 / n - mu * mu, 0)) : 0);
  }
  return { mean, std };
}

/** Builds the Dataset record with per-channel mean/std from the train split (std 0 → 1). */
export function withStats(name: string, labels: string[], train: Split, test: Split): Dataset {
  const { mean, std } = channelStats(train);
  return { name, labels, train, test, mean, std: std.map((s) => (s > 1e-6 ? s : 1)) };
}
