/**
 * Classic MNIST preprocessing, as a pure function shared by the server (uploads) and the browser page
 * (the drawing canvas): crop to the ink's bounding box, scale to fit 20×20 keeping the aspect ratio
 * (area averaging, so strokes stay anti-aliased), and paste into 28×28 so that the centre of mass
 * lands where MNIST's does. No Node or DOM APIs here: esbuild bundles this file into the page as is.
 *
 * Images are grayscale, row-major, with ink bright (0 = background, 255 = ink), as in MNIST.
 */

export const MNIST_SIZE = 28;
export const MNIST_BOX = 20;
/** Where MNIST's centre of mass lies (pixel i spans [i, i+1)). */
export const MNIST_CENTRE = 14.5;

export interface GrayImage {
  /** Row-major grayscale values, 0..255, ink bright. */
  data: ArrayLike<number>;
  width: number;
  height: number;
}

export interface Box { x0: number; y0: number; x1: number; y1: number }

/**
 * Bounding box (x1, y1 exclusive) of pixels brighter than `fraction` of the brightest one, or null
 * when the image is blank. The relative threshold ignores faint anti-aliasing and JPEG noise.
 */
export function inkBox(img: GrayImage, fraction = 0.2): Box | null {
  let max = 0;
  for (let i = 0; i < img.data.length; i++) max = Math.max(max, img.data[i]);
  if (max <= 0) return null;
  const t = Math.max(1, max * fraction);
  let x0 = img.width, y0 = img.height, x1 = 0, y1 = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x] < t) continue;
      x0 = Math.min(x0, x); y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
    }
  }
  return { x0, y0, x1, y1 };
}

/**
 * Resamples the `box` region of `img` to outW×outH by area averaging: each output pixel is the mean of
 * the source area it covers (partial pixels weighted by overlap). Works for shrinking and enlarging.
 */
export function resizeArea(img: GrayImage, outW: number, outH: number, box?: Box): Float32Array {
  const b = box ?? { x0: 0, y0: 0, x1: img.width, y1: img.height };
  const sx = (b.x1 - b.x0) / outW;
  const sy = (b.y1 - b.y0) / outH;
  const out = new Float32Array(outW * outH); // [outH, outW]
  for (let oy = 0; oy < outH; oy++) {
    const fy0 = b.y0 + oy * sy, fy1 = Math.min(b.y1, fy0 + sy);
    for (let ox = 0; ox < outW; ox++) {
      const fx0 = b.x0 + ox * sx, fx1 = Math.min(b.x1, fx0 + sx);
      let sum = 0, area = 0;
      for (let y = Math.floor(fy0); y < Math.ceil(fy1); y++) {
        const wy = Math.min(fy1, y + 1) - Math.max(fy0, y);
        for (let x = Math.floor(fx0); x < Math.ceil(fx1); x++) {
          const w = wy * (Math.min(fx1, x + 1) - Math.max(fx0, x));
          sum += w * img.data[y * img.width + x];
          area += w;
        }
      }
      out[oy * outW + ox] = area > 0 ? sum / area : 0;
    }
  }
  return out;
}

/** Centre of mass (in pixel units, pixel i spans [i, i+1)) of a w×h image; null when it has no mass. */
export function centreOfMass(data: ArrayLike<number>, w: number, h: number): { x: number; y: number } | null {
  let m = 0, mx = 0, my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = data[y * w + x];
      m += v; mx += v * (x + 0.5); my += v * (y + 0.5);
    }
  }
  return m > 0 ? { x: mx / m, y: my / m } : null;
}

/**
 * The classic MNIST pipeline: ink box → fit in 20×20 (aspect kept) → 28×28 centred by mass.
 * Returns 28×28 values in 0..255 (row-major); a blank image gives all zeros.
 */
export function mnistPreprocess(img: GrayImage): Float32Array {
  const out = new Float32Array(MNIST_SIZE * MNIST_SIZE); // [28, 28]
  const box = inkBox(img);
  if (!box) return out;
  const bw = box.x1 - box.x0, bh = box.y1 - box.y0;
  const scale = MNIST_BOX / Math.max(bw, bh);
  const w = Math.max(1, Math.round(bw * scale)), h = Math.max(1, Math.round(bh * scale));
  const digit = resizeArea(img, w, h, box); // [h, w]
  const com = centreOfMass(digit, w, h) ?? { x: w / 2, y: h / 2 };
  // MNIST digits have their centre of mass at pixel index 14 (14.5 in these pixel-span units),
  // measured over the test set; put ours there too.
  const dx = Math.round(MNIST_CENTRE - com.x), dy = Math.round(MNIST_CENTRE - com.y);
  for (let y = 0; y < h; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= MNIST_SIZE) continue;
    for (let x = 0; x < w; x++) {
      const tx = x + dx;
      if (tx >= 0 && tx < MNIST_SIZE) out[ty * MNIST_SIZE + tx] = Math.min(255, digit[y * w + x]);
    }
  }
  return out;
}

/**
 * Per-channel normalisation x = (v/255 - mean[c]) / std[c] of HWC values in 0..255 (C = mean.length).
 */
export function normalise(values: ArrayLike<number>, mean: number[], std: number[]): Float32Array {
  const c = mean.length;
  const out = new Float32Array(values.length); // [H, W, C]
  for (let i = 0; i < values.length; i++) out[i] = (values[i] / 255 - mean[i % c]) / std[i % c];
  return out;
}
