/**
 * `imagenet` as Keras resolves it: Keras's file for the family, alpha, rows and top (imagenet-files.ts),
 * from the Keras cache ($KERAS_HOME/models), downloaded there once when missing (download.ts), checked,
 * and read as a Keras HDF5 weight source with ImageNet's labels and Keras's preprocessing.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError, OptionError } from '../errors.js';
import { downloadTo, md5File } from './download.js';
import { imagenetFile, imagenetUrl, kerasCacheDir } from './imagenet-files.js';
import { readKerasH5 } from './keras-h5.js';
import { IMAGENET_LABELS } from './labels.js';
import { checkNetwork } from './names.js';
import type { ReadWeightOptions, WeightSource } from './types.js';

const exists = (p: string) => fs.access(p).then(() => true, () => false);

/** The cached path of Keras's file for `o`, downloading it first when it is not there (or fails its MD5). */
export async function imagenetPath(o: ReadWeightOptions): Promise<string> {
  if (!o.arch) throw new OptionError('imagenet weights need an arch (v1, v2, v3-small or v3-large)');
  const f = imagenetFile({ arch: o.arch, alpha: o.alpha, inputShape: o.inputShape, includeTop: o.includeTop, minimalistic: o.minimalistic });
  const dest = path.join(kerasCacheDir(), f.fileName);
  const want = { arch: o.arch, alpha: o.alpha ?? 1, includeTop: o.includeTop ?? true };
  if (await exists(dest)) {
    if (!f.md5 || (await md5File(dest)) === f.md5) return dest;
    o.onProgress?.(`${dest} does not have the MD5 Keras publishes (${f.md5}); downloading it again`);
  }
  const url = imagenetUrl(f);
  return downloadTo(url, dest, {
    md5: f.md5, onProgress: o.onProgress, onBytes: o.onBytes,
    offlineHint: `without network, put Keras's ${f.fileName} at ${dest}`,
    check: async (tmp) => {
      let src: WeightSource;
      try {
        src = await readKerasH5(tmp, `${f.fileName} from ${url}`);
      } catch (e) { // V1/V2 files have no published MD5: a download that ended early is caught here (the temporary file is removed)
        if (!(e instanceof DataError)) throw e;
        const detail = e.message.split(`${tmp}: `).join('').split(tmp).join('the file');
        throw new DataError(`downloaded ${f.fileName} from ${url} is not a complete Keras weights file (${detail}): refused, nothing was saved`);
      }
      checkNetwork(src, want, `${f.fileName} from ${url}`);
    },
  });
}

/** Reads Keras's ImageNet weights for `o` (see imagenetPath) as a WeightSource. */
export async function readImagenet(o: ReadWeightOptions): Promise<WeightSource> {
  const file = await imagenetPath(o);
  const f = imagenetFile({ arch: o.arch!, alpha: o.alpha, inputShape: o.inputShape, includeTop: o.includeTop, minimalistic: o.minimalistic });
  const src = await readKerasH5(file, `imagenet:${file}`);
  const top = o.includeTop ?? true;
  try {
    checkNetwork(src, { arch: o.arch, alpha: o.alpha ?? 1, includeTop: top }, file);
  } catch (e) {
    throw new DataError(`${(e as Error).message}; remove it from the cache to download Keras's file again`);
  }
  return {
    ...src, arch: o.arch, alpha: o.alpha ?? 1, includeTop: top, inputShape: [f.rows, f.rows, 3],
    preprocess: o.arch === 'v1' || o.arch === 'v2' ? 'tf' : 'raw', // V3 carries its own Rescaling(1/127.5, −1)
    ...(top ? { labels: [...IMAGENET_LABELS] } : {}),
    ...(o.arch === 'v1' ? { activation: 'relu6' as const } : {}),
  };
}
