/** Size limits checked before allocating a whole split, so a huge input shape is one clear error, not a RangeError. */
import { constants } from 'node:buffer';
import { OptionError } from '../errors.js';

/** Largest typed array Node can allocate (bytes of a Uint8Array). */
export const MAX_BUFFER_BYTES = constants.MAX_LENGTH;

const human = (bytes: number) => {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let v = bytes, u = 0;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${v.toPrecision(3)} ${units[u]}`;
};

/**
 * Throws OptionError when `count` images of `shape` ([H, W, C] uint8) do not fit one buffer: the input
 * shape asked for is too large for this dataset.
 */
export function checkSplitSize(what: string, count: number, [h, w, c]: [number, number, number]): void {
  const bytes = count * h * w * c;
  if (bytes > MAX_BUFFER_BYTES) {
    throw new OptionError(`input shape ${h}x${w}x${c} is too large for ${what}: ${count.toLocaleString('en-US')} images need ${human(bytes)}, `
      + `over the ${human(MAX_BUFFER_BYTES)} one buffer can hold; use a smaller input shape`);
  }
}

/** Largest image file or request body read whole by default: `serve`'s --body-limit and `predict`'s --max-megabytes. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** Largest image decoded by default, in pixels (a 70-byte PNG can declare 16000×16000: GBs once decoded). */
export const MAX_IMAGE_PIXELS = 25_000_000;

/** libvips' own decoding limit (0x3FFF²): a higher pixel limit could never be reached. */
export const LIBVIPS_MAX_PIXELS = 0x3fff * 0x3fff;

/** Highest byte limit an option may set: one Buffer holds the whole image or body. */
export const MAX_BYTES_LIMIT = Math.min(MAX_BUFFER_BYTES, 1024 * 1024 * 1024);
