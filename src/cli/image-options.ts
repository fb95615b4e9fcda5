/** The image options `mobilenet predict` and `mobilenet embed` share: ink polarity and the byte and pixel caps. */
import { LIBVIPS_MAX_PIXELS, MAX_BYTES_LIMIT, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../data/limits.js';
import { OptionError } from '../errors.js';
import { positiveUpTo } from '../args.js';

export const IMAGE_OPTIONS = {
  invert: { type: 'boolean' }, 'no-invert': { type: 'boolean' }, 'max-megabytes': { type: 'string' }, 'max-megapixels': { type: 'string' },
} as const;

export const IMAGE_HELP = `  --invert         invert the pixels first (dark digits on a light background, as MNIST is light on dark)
  --no-invert      never invert (default for one-channel models: invert when the image's border is light)
  --max-megabytes MB    largest image file read (default ${MAX_IMAGE_BYTES / 1024 / 1024}, as serve's --body-limit); devices and pipes are refused
  --max-megapixels MP   largest image decoded (default ${MAX_IMAGE_PIXELS / 1e6}, as serve's)`;

/** The parsed image options (undefined: the library's defaults). */
export function imageOptions(v: Record<string, string | boolean | undefined>): { invert?: boolean; maxBytes?: number; maxPixels?: number } {
  if (v.invert && v['no-invert']) throw new OptionError('--invert and --no-invert contradict each other');
  const invert = v.invert ? true : v['no-invert'] ? false : undefined;
  const mb = positiveUpTo('max-megabytes', v['max-megabytes'] as string | undefined, MAX_BYTES_LIMIT / 1024 / 1024);
  const mp = positiveUpTo('max-megapixels', v['max-megapixels'] as string | undefined, Math.floor(LIBVIPS_MAX_PIXELS / 1e6), ' (libvips decodes no more)');
  return {
    invert, maxBytes: mb === undefined ? undefined : Math.max(1, Math.round(mb * 1024 * 1024)),
    maxPixels: mp === undefined ? undefined : Math.max(1, Math.round(mp * 1e6)),
  };
}
