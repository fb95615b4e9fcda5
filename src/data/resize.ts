/**
 * Whole-split pixel operations in plain JS (fast for 70 000 small images):
 * bilinear resize, channel replication/conversion, per-channel statistics.
 */
import { convertChannels } from './image.js';
import type { Dataset, Split } from './types.js';

/** Bilinear resize of one [h, w, c] uint8 image to [H, W, c] (half-pixel centres, edge clamped). */
export function resizeBilinear(src: Uint8Array, s: number, h: number, w: number, c: number, H: number, W: number, out: Uint8Array, o: number): void {
  const sy = h / H, sx = w / W;
  for (let y = 0; y < H; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, h - 1), ay = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, w - 1), ax = fx - x0;
      for (let k = 0; k < c; k++) {
        const p00 = src[s + (y0 * w + x0) * c + k], p01 = src[s + (y0 * w + x1) * c + k];
        const p10 = src[s + (y1 * w + x0) * c + k], p11 = src[s + (y1 * w + x1) * c + k];
        const top = p00 + (p01 - p00) * ax, bot = p10 + (p11 - p10) * ax;
        out[o + (y * W + x) * c + k] = Math.round(top + (bot - top) * ay);
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
    for (let i = 0; i < split.count; i++) resizeBilinear(split.images, i * inSize, h, w, c, H, W, images, i * H * W * c);
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
