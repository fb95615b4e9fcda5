/** A tiny class-per-subfolder PNG dataset (train/ and test/) of the band task, for CLI tests. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { encodePng } from '../../src/data/image.js';
import { bandDataset } from '../train/fixture.js';

/** Writes ROOT/{train,test}/{top,middle,bottom}/N.png (8×8 gray); returns ROOT. */
export async function writeBandFolder(root: string, train = 12, test = 6): Promise<string> {
  const ds = bandDataset(train, test);
  for (const [name, split] of [['train', ds.train], ['test', ds.test]] as const) {
    for (let i = 0; i < split.count; i++) {
      const dir = path.join(root, name, ds.labels[split.labels[i]]);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, `${i}.png`), await encodePng(split.images.subarray(i * 64, (i + 1) * 64), 8, 8, 1));
    }
  }
  return root;
}
