/**
 * In-place augmentations of one normalised image [H, W, C] inside a batch buffer, after the shift:
 * horizontal flip, and random erasing (torchvision's RandomErasing defaults: area 2–33% of the image,
 * aspect ratio 0.3–3.3 log-uniform, value 0 — the dataset mean after normalisation).
 */
import type { Rng } from './rng.js';

/** Mirrors the image at `o` left–right. */
export function flipImage(x: Float32Array, o: number, [h, w, c]: readonly [number, number, number]): void {
  for (let y = 0; y < h; y++) {
    const row = o + y * w * c;
    for (let a = 0, b = w - 1; a < b; a++, b--) {
      for (let k = 0; k < c; k++) {
        const t = x[row + a * c + k];
        x[row + a * c + k] = x[row + b * c + k];
        x[row + b * c + k] = t;
      }
    }
  }
}

/** Sets one random rectangle of the image at `o` to 0 (draws 4 uniforms). */
export function eraseImage(x: Float32Array, o: number, [h, w, c]: readonly [number, number, number], rng: Rng): void {
  const area = (0.02 + 0.31 * rng.next()) * h * w;
  const ratio = Math.exp(Math.log(0.3) + (Math.log(3.3) - Math.log(0.3)) * rng.next());
  const eh = Math.min(h, Math.max(1, Math.round(Math.sqrt(area * ratio))));
  const ew = Math.min(w, Math.max(1, Math.round(Math.sqrt(area / ratio))));
  const y0 = Math.floor(rng.next() * (h - eh + 1));
  const x0 = Math.floor(rng.next() * (w - ew + 1));
  for (let y = y0; y < y0 + eh; y++) x.fill(0, o + (y * w + x0) * c, o + (y * w + x0 + ew) * c);
}
