/**
 * Image decoding, resizing and encoding with sharp (libvips, shipped prebuilt
 * in npm packages, so it installs offline; actively maintained).
 */
import { promises as fs } from 'node:fs';
import sharp, { type Metadata } from 'sharp';
import { DataError, OptionError } from '../errors.js';
import { fileKind } from '../fs-errors.js';
import { readBytes } from './idx.js';
import { MAX_IMAGE_BYTES } from './limits.js';

/** Decoded pixels: [height, width, channels] uint8, interleaved. */
export interface DecodedImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** How loadImage fits an image into the target size. */
export type FitMode = 'fill' | 'letterbox';

/** Options for loadImage. */
export interface LoadImageOptions {
  /** 255 − v after conversion (for dark-on-light digits) */
  invert?: boolean;
  /** 'fill' (default): plain resize to H×W, aspect ratio not kept; 'letterbox': scale to fit, pad with 0 */
  fit?: FitMode;
}

function toU8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Reads an image file whole, refusing what is not a regular file (a device such as /dev/zero or a pipe would
 * be read without end) and files over `maxBytes` (default MAX_IMAGE_BYTES, as the server's body limit). One
 * DataError naming the file.
 */
export async function readImageFile(file: string, maxBytes = MAX_IMAGE_BYTES): Promise<Uint8Array> {
  const st = await fs.stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new DataError(`${file}: file not found`);
    throw new DataError(`${file}: cannot read (${e.code ?? e.message})`);
  });
  if (st.isDirectory()) throw new DataError(`${file}: is a directory, not a file`);
  if (!st.isFile()) throw new DataError(`${file}: is ${fileKind(st)}, not an image file`);
  const tooLarge = (size: string) => new DataError(`${file}: ${size} bytes, over the limit of ${maxBytes} bytes for an image`);
  if (st.size > maxBytes) throw tooLarge(String(st.size));
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1); // one byte more than stat said: a file that grew is caught
    let n = 0;
    for (let r = -1; r !== 0 && n < buf.length;) {
      ({ bytesRead: r } = await fh.read(buf, n, buf.length - n, n));
      n += r;
    }
    if (n > maxBytes) throw tooLarge(`more than ${maxBytes}`);
    if (n === buf.length) throw new DataError(`${file}: grew while it was read`);
    return new Uint8Array(buf.buffer, buf.byteOffset, n);
  } finally {
    await fh.close();
  }
}

/**
 * Decodes PNG/JPEG (and other formats libvips reads) to raw pixels with the
 * file's own channel count (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA); EXIF
 * orientation is applied. Undecodable data → DataError naming `source`.
 */
export async function decodeImage(data: Uint8Array, source: string): Promise<DecodedImage> {
  if (data.length === 0) throw new DataError(`${source}: empty image data`);
  try {
    const fileChannels = (await sharp(data).metadata()).channels ?? 3;
    // sharp outputs sRGB unless told otherwise: keep gray files gray
    const img = sharp(data, { failOn: 'error' }).rotate();
    if (fileChannels === 1) img.toColourspace('b-w');
    const { data: px, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (fileChannels === 2 && info.channels === 4) return { pixels: grayAlpha(toU8(px)), width: info.width, height: info.height, channels: 2 };
    return { pixels: toU8(px), width: info.width, height: info.height, channels: info.channels };
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new DataError(`${source}: cannot decode image (${why})`);
  }
}

/** RGBA (from a gray+alpha file, so R = G = B) → [gray, alpha] pairs. */
function grayAlpha(rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgba.length / 2);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 2) {
    out[j] = rgba[i];
    out[j + 1] = rgba[i + 3];
  }
  return out;
}

/** Converts interleaved pixels to `to` channels (1 or 3): alpha dropped, gray↔RGB (BT.601 luma). */
export function convertChannels(px: Uint8Array, from: number, to: number): Uint8Array {
  const n = px.length / from;
  const hasColour = from >= 3;
  if (from === to) return px;
  const out = new Uint8Array(n * to);
  if (from === 1 && to === 3) {
    for (let i = 0, d = 0; i < n; i++, d += 3) out[d] = out[d + 1] = out[d + 2] = px[i];
    return out;
  }
  for (let i = 0; i < n; i++) {
    const s = i * from;
    if (to === 1) {
      out[i] = hasColour ? Math.round(0.299 * px[s] + 0.587 * px[s + 1] + 0.114 * px[s + 2]) : px[s];
    } else {
      const d = i * to;
      out[d] = px[s];
      out[d + 1] = hasColour ? px[s + 1] : px[s];
      out[d + 2] = hasColour ? px[s + 2] : px[s];
    }
  }
  return out;
}

/** Decoded size after EXIF orientation (orientations 5..8 swap width and height). */
function orientedSize(m: Metadata): { width: number; height: number } {
  const w = m.width ?? 0, h = m.height ?? 0;
  return (m.orientation ?? 1) >= 5 ? { width: h, height: w } : { width: w, height: h };
}

/**
 * Decodes, composites transparency over white and resizes to width×height in one libvips pipeline
 * (JPEG shrink-on-load makes big photos cheap). Returns 1-channel pixels for
 * gray files and 3-channel sRGB otherwise.
 */
async function decodeResized(bytes: Uint8Array, source: string, fit: (w: number, h: number) => [number, number]): Promise<DecodedImage> {
  if (bytes.length === 0) throw new DataError(`${source}: empty image data`);
  try {
    const meta = await sharp(bytes).metadata();
    const { width, height } = orientedSize(meta);
    const [w, h] = fit(width, height);
    const gray = (meta.channels ?? 3) <= 2;
    let img = sharp(bytes, { failOn: 'error' }).rotate();
    if (meta.hasAlpha) {
      // transparency is composited over white, as viewers show it (and as the server's toGray does); in a first
      // pass, because libvips would otherwise resize premultiplied colours
      const flat = img.flatten({ background: '#ffffff' });
      if (gray) flat.toColourspace('b-w');
      const { data, info } = await flat.raw().toBuffer({ resolveWithObject: true });
      img = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels as 1 | 3 } });
    }
    if (gray) img.toColourspace('b-w'); // 1 channel (sharp would write sRGB)
    else img.removeAlpha();
    const { data, info } = await img.resize(w, h, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    return { pixels: toU8(data), width: info.width, height: info.height, channels: info.channels };
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new DataError(`${source}: cannot decode image (${why})`);
  }
}

/** Places `inner` ([h, w, c]) centred in a zero [H, W, c] canvas. */
function centre(inner: Uint8Array, w: number, h: number, W: number, H: number, c: number): Uint8Array {
  const out = new Uint8Array(W * H * c); // [H, W, C]
  const x0 = Math.floor((W - w) / 2), y0 = Math.floor((H - h) / 2);
  for (let y = 0; y < h; y++) out.set(inner.subarray(y * w * c, (y + 1) * w * c), ((y0 + y) * W + x0) * c);
  return out;
}

/**
 * Loads an image (file path or encoded bytes) as [H, W, C] uint8 for a model
 * input `shape` = [H, W, C] with C = 1 or 3. Default fit is a plain resize
 * (aspect ratio not kept, like torchvision Resize((H, W))); `fit: 'letterbox'`
 * keeps it and pads with 0. Transparency is composited over white; gray↔RGB converted; `invert` maps v → 255 − v
 * before padding, so letterbox padding is always background 0.
 */
export async function loadImage(
  input: string | Uint8Array, shape: [number, number, number], o: LoadImageOptions = {},
): Promise<Uint8Array> {
  const [H, W, C] = shape;
  if (!(Number.isInteger(H) && Number.isInteger(W) && H > 0 && W > 0)) throw new OptionError(`image size must be positive integers, got ${H}x${W}`);
  if (C !== 1 && C !== 3) throw new OptionError(`image channels must be 1 or 3, got ${C}`);
  const source = typeof input === 'string' ? input : 'image data';
  const bytes = typeof input === 'string' ? await readBytes(input) : input;
  const img = await decodeResized(bytes, source, (iw, ih) => {
    if (o.fit !== 'letterbox') return [W, H];
    const scale = Math.min(W / iw, H / ih);
    return [Math.max(1, Math.min(W, Math.round(iw * scale))), Math.max(1, Math.min(H, Math.round(ih * scale)))];
  });
  const { width: w, height: h } = img;
  const px = convertChannels(img.pixels, img.channels, C); // [h, w, C]
  if (o.invert) for (let i = 0; i < px.length; i++) px[i] = 255 - px[i];
  return w === W && h === H ? px : centre(px, w, h, W, H, C);
}

/** Encodes interleaved uint8 pixels ([height, width, channels], channels 1..4) as PNG. */
export async function encodePng(pixels: Uint8Array, width: number, height: number, channels: number): Promise<Buffer> {
  if (![1, 2, 3, 4].includes(channels)) throw new OptionError(`PNG channels must be 1..4, got ${channels}`);
  if (pixels.length !== width * height * channels) {
    throw new OptionError(`PNG pixel buffer has ${pixels.length} bytes, expected ${width}x${height}x${channels} = ${width * height * channels}`);
  }
  const raw = { width, height, channels: channels as 1 | 2 | 3 | 4 };
  const img = sharp(pixels, { raw });
  if (channels <= 2) img.toColourspace('b-w'); // keep gray PNGs gray (sharp would write sRGB)
  return img.png().toBuffer();
}
