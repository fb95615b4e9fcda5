/** The most confident mistakes as one PNG: a grid of the images (5 per row), each scaled up to ≥ 56 px. */
import type { Split } from '../data/types.js';
import { encodePng } from '../data/image.js';
import type { Mistake } from './metrics.js';

/** Grid pixels [rows·(s·H+gap), cols·(s·W+gap), C] of the split images at `indices`; gap pixels mid-grey. */
export function gridPixels(split: Split, indices: number[], cols = 5): { pixels: Uint8Array; width: number; height: number; channels: number } {
  const [h, w, c] = split.shape;
  const s = Math.max(1, Math.ceil(56 / Math.max(h, w)));
  const gap = 2, tw = s * w + gap, th = s * h + gap;
  const n = Math.max(1, indices.length), ncol = Math.min(cols, n), nrow = Math.ceil(n / ncol);
  const width = ncol * tw, height = nrow * th;
  const pixels = new Uint8Array(width * height * c).fill(128); // [height, width, C]
  indices.forEach((idx, t) => {
    const ox = (t % ncol) * tw, oy = Math.floor(t / ncol) * th;
    for (let y = 0; y < s * h; y++) {
      for (let x = 0; x < s * w; x++) {
        const src = ((idx * h + Math.floor(y / s)) * w + Math.floor(x / s)) * c;
        const dst = ((oy + y) * width + ox + x) * c;
        for (let k = 0; k < c; k++) pixels[dst + k] = split.images[src + k];
      }
    }
  });
  return { pixels, width, height, channels: c };
}

/** PNG bytes of the mistakes' images, in order (most confident first), 5 per row. */
export async function mistakesPng(split: Split, mistakes: Mistake[]): Promise<Buffer> {
  const g = gridPixels(split, mistakes.map((m) => m.index));
  return encodePng(g.pixels, g.width, g.height, g.channels);
}
