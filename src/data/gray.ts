/**
 * Grayscale conversion and ink polarity for uploaded images (pure functions, no Node APIs).
 * MNIST digits are bright ink on black; photos and scans are usually dark ink on white, so the
 * server inverts an upload whose border is mostly light unless the client says otherwise.
 */

/**
 * Interleaved pixels (1..4 channels: gray, gray+alpha, RGB, RGBA) → one luminance value per pixel
 * (ITU-R BT.601 weights). Transparent pixels are composited over white, as image viewers show them.
 */
export function toGray(pixels: ArrayLike<number>, width: number, height: number, channels: number): Float32Array {
  const n = width * height;
  const out = new Float32Array(n); // [H, W]
  const hasAlpha = channels === 2 || channels === 4;
  for (let i = 0; i < n; i++) {
    const p = i * channels;
    const lum = channels >= 3
      ? 0.299 * pixels[p] + 0.587 * pixels[p + 1] + 0.114 * pixels[p + 2]
      : pixels[p];
    const a = hasAlpha ? pixels[p + channels - 1] / 255 : 1;
    out[i] = lum * a + 255 * (1 - a);
  }
  return out;
}

/** Mean of the outermost rows and columns of a grayscale image. */
export function borderMean(gray: ArrayLike<number>, width: number, height: number): number {
  let sum = 0, count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (y !== 0 && y !== height - 1 && x !== 0 && x !== width - 1) continue;
      sum += gray[y * width + x];
      count++;
    }
  }
  return count ? sum / count : 0;
}

/** True when the image looks like dark ink on a light background (so it must be inverted for MNIST). */
export function looksLightBackground(gray: ArrayLike<number>, width: number, height: number): boolean {
  return borderMean(gray, width, height) > 127.5;
}

/** 255 - v for every value, into a new array. */
export function invert(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = 255 - values[i];
  return out;
}
