/** Issue 12, defect 8: an empty MOBILENET_CACHE_DIR is unset (home cache), not the current directory. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, verifyMd5 } from '../../src/data/md5-cache.js';

test('MOBILENET_CACHE_DIR= (empty) falls back to ~/.cache/mobilenet and writes nothing into the current directory', async () => {
  const home = await mkdtemp(join(tmpdir(), 'mn-home-'));
  const cwd = await mkdtemp(join(tmpdir(), 'mn-cwd-'));
  const saved = { home: process.env.HOME, cache: process.env.MOBILENET_CACHE_DIR, cwd: process.cwd() };
  try {
    process.env.HOME = home;
    process.env.MOBILENET_CACHE_DIR = '';
    process.chdir(cwd);
    assert.equal(cacheDir(), join(home, '.cache', 'mobilenet'));
    const file = join(home, 'abc.txt');
    await writeFile(file, 'abc');
    assert.equal(await verifyMd5(file, new TextEncoder().encode('abc'), '900150983cd24fb0d6963f7d28e17f72'), false);
    assert.deepEqual(await readdir(cwd), [], 'nothing written into the current directory');
    assert.deepEqual(await readdir(join(home, '.cache', 'mobilenet')), ['md5.json']);
  } finally {
    process.chdir(saved.cwd);
    process.env.HOME = saved.home;
    if (saved.cache === undefined) delete process.env.MOBILENET_CACHE_DIR;
    else process.env.MOBILENET_CACHE_DIR = saved.cache;
    await rm(home, { recursive: true, force: true });
    await rm(cwd, { recursive: true, force: true });
  }
});
