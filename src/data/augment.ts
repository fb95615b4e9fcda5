/**
 * Augmentations of one image inside a batch buffer: a random rotation/scale/shift sampled bilinearly from the
 * uint8 source (as torchvision's RandomAffine); then, in place on the normalised image, horizontal flip and random
 * erasing (torchvision's RandomErasing defaults: area 2–33% of the image, aspect ratio 0.3–3.3 log-uniform,
 * value 0 — the dataset mean after normalisation).
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

/** A random affine map of one image: rotation (degrees), scale factor and shift (pixels, x and y). */
export interface Affine { degrees: number; scale: number; dx: number; dy: number }

/** Draws a rotation in ±maxDegrees and a scale in 1 ± maxScale (2 uniforms). */
export function randomAffine(rng: Rng, maxDegrees: number, maxScale: number, dx: number, dy: number): Affine {
  return { degrees: (2 * rng.next() - 1) * maxDegrees, scale: 1 + (2 * rng.next() - 1) * maxScale, dx, dy };
}

/**
 * Writes the image at `src[s…]` ([H, W, C] uint8) rotated about its centre, scaled and shifted by `a` into
 * `out[o…]`, normalised through `lut` (channel-major 256-entry tables): each output pixel is the bilinear sample
 * of the source at the inverse-mapped point, the background (0) outside.
 */
export function fillAffine(
  src: Uint8Array, s: number, [h, w, c]: readonly [number, number, number], a: Affine, lut: Float32Array,
  out: Float32Array, o: number,
): void {
  const t = (a.degrees * Math.PI) / 180;
  const cos = Math.cos(t) / a.scale, sin = Math.sin(t) / a.scale;
  const cy = (h - 1) / 2, cx = (w - 1) / 2;
  const at = (yy: number, xx: number, k: number) => (yy < 0 || yy >= h || xx < 0 || xx >= w ? 0 : src[s + (yy * w + xx) * c + k]);
  for (let yo = 0; yo < h; yo++) {
    for (let xo = 0; xo < w; xo++) {
      const u = xo - cx - a.dx, v = yo - cy - a.dy;
      const xs = cos * u + sin * v + cx, ys = -sin * u + cos * v + cy; // inverse rotation and scale
      const x0 = Math.floor(xs), y0 = Math.floor(ys), fx = xs - x0, fy = ys - y0;
      for (let k = 0; k < c; k++) {
        const value = (1 - fy) * ((1 - fx) * at(y0, x0, k) + fx * at(y0, x0 + 1, k))
          + fy * ((1 - fx) * at(y0 + 1, x0, k) + fx * at(y0 + 1, x0 + 1, k));
        const lo = Math.min(255, Math.max(0, Math.floor(value))), frac = value - lo;
        const base = k * 256;
        out[o + (yo * w + xo) * c + k] = lo === 255 ? lut[base + 255] : lut[base + lo] + frac * (lut[base + lo + 1] - lut[base + lo]);
      }
    }
  }
}
