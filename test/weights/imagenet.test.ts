/**
 * `imagenet` as Keras resolves it, against a loopback HTTP server standing in for Keras's storage: the Keras file
 * name per family/alpha/rows/top, cached in $KERAS_HOME/models, used offline afterwards; a truncated, wrong-MD5 or
 * wrong-network download is refused and nothing is left in the cache; no network and no cache is one line saying
 * which file to put where. Through the CLI: a download cut mid-body (with a Content-Length, or chunked), or ended
 * cleanly after half the file (caught by the MD5, or for V1/V2 files, which Keras publishes none for, by the HDF5
 * check), is one line naming the file and the URL, and leaves no file in $KERAS_HOME/models and no run.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { OptionError } from '../../src/errors.js';
import { buildModel } from '../../src/models/presets.js';
import { imagenetFile, kerasCacheDir } from '../../src/weights/imagenet-files.js';
import { readWeightSource } from '../../src/weights/index.js';
import { CLI } from '../helpers.js';
import { haveH5py, knownLayers, tmpDir, writeH5 } from './h5-fixtures.js';

const skip = haveH5py() ? false : 'h5py is not installed (Debian python3-h5py)';
const dir = tmpDir('imagenet');
const served = path.join(dir, 'served');
const home = path.join(dir, 'keras-home');
const requests: string[] = [];
let server: http.Server;
let base = '';
const V2_NO_TOP = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5';

before(async () => {
  await initBackend('cpu');
  await fs.mkdir(path.join(served, 'mobilenet_v2'), { recursive: true });
  await fs.mkdir(path.join(served, 'mobilenet_v3'), { recursive: true });
  server = http.createServer((req, res) => {
    requests.push(req.url!);
    // under /cut/: a Content-Length, half the promised bytes, then the connection drops; /chunked-cut/: no length
    // (chunked), half, then the connection drops before the last chunk; /short/: chunked, half, and a clean end
    const mode = /^\/(cut|chunked-cut|short)\//.exec(req.url!)?.[1];
    const file = path.join(served, decodeURIComponent(req.url!.slice(mode ? mode.length + 1 : 0)));
    fs.readFile(file).then((bytes) => {
      res.writeHead(200, mode === 'chunked-cut' || mode === 'short' ? {} : { 'content-length': String(bytes.length) });
      const half = bytes.subarray(0, bytes.length >> 1);
      if (mode === 'short') res.end(half);
      else if (mode) res.write(half, () => setTimeout(() => res.destroy(), 20));
      else res.end(bytes);
    }, () => { res.writeHead(404).end(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.KERAS_HOME = home;
  process.env.MOBILENET_WEIGHTS_URL = base;
});
after(async () => {
  await new Promise((r) => server.close(r));
  delete process.env.KERAS_HOME;
  delete process.env.MOBILENET_WEIGHTS_URL;
  await fs.rm(dir, { recursive: true, force: true });
});

/** A loopback URL where nothing listens (a port just freed). */
async function deadUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

const cacheFiles = async () => (await fs.readdir(kerasCacheDir()).catch(() => [] as string[])).sort();

test("Keras's file name per family, alpha, rows and top", () => {
  const name = (o: Parameters<typeof imagenetFile>[0]) => imagenetFile(o).fileName;
  assert.equal(name({ arch: 'v1' }), 'mobilenet_1_0_224_tf.h5');
  assert.equal(name({ arch: 'v1', alpha: 0.5, inputShape: [160, 160, 3] }), 'mobilenet_5_0_160_tf.h5');
  assert.equal(name({ arch: 'v1', alpha: 0.25, inputShape: [96, 96, 3], includeTop: false }), 'mobilenet_2_5_224_tf_no_top.h5'); // 96: not a V1 size
  assert.equal(name({ arch: 'v1', alpha: 0.75, inputShape: [128, 160, 3] }), 'mobilenet_7_5_224_tf.h5'); // not square
  assert.equal(name({ arch: 'v2', alpha: 1.3, inputShape: [96, 96, 3] }), 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.3_96.h5');
  assert.equal(name({ arch: 'v2', alpha: 0.5, includeTop: false }), 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_224_no_top.h5');
  assert.equal(name({ arch: 'v2', alpha: 1 }), 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5');
  const l = imagenetFile({ arch: 'v3-large', alpha: 0.75, inputShape: [160, 160, 3] });
  assert.deepEqual([l.fileName, l.md5, l.rows], ['weights_mobilenet_v3_large_224_0.75_float.h5', '765b44a33ad4005b3ac83185abf1d0eb', 224]);
  const s = imagenetFile({ arch: 'v3-small', minimalistic: true, includeTop: false });
  assert.deepEqual([s.fileName, s.md5], ['weights_mobilenet_v3_small_minimalistic_224_1.0_float_no_top_v2.h5', 'cde8136e733e811080d9fcd8a252f7e4']);
  assert.throws(() => imagenetFile({ arch: 'v2', alpha: 0.6 }), (e: Error) => e instanceof OptionError && /alpha 0.35, 0.5, 0.75, 1, 1.3, 1.4 only, got 0.6/.test(e.message));
  assert.throws(() => imagenetFile({ arch: 'v3-small', alpha: 0.75, minimalistic: true }), /minimalistic MobileNet v3-small exist for alpha 1 only/);
  assert.equal(kerasCacheDir({ KERAS_HOME: '/k' }), '/k/models');
  assert.match(kerasCacheDir({}), /\.keras\/models$/);
});

test('downloaded once into $KERAS_HOME/models, then used offline', { skip }, async () => {
  const model = buildModel('v2', { alpha: 0.35, inputShape: [96, 96, 3], includeTop: false, pooling: 'avg' });
  writeH5(path.join(served, 'mobilenet_v2', V2_NO_TOP), knownLayers(model), 'keras2');
  const lines: string[] = [];
  const o = { arch: 'v2' as const, alpha: 0.35, inputShape: [96, 96, 3] as [number, number, number], includeTop: false, onProgress: (m: string) => lines.push(m) };
  const src = await readWeightSource('imagenet', o);
  assert.deepEqual(requests.splice(0), [`/mobilenet_v2/${V2_NO_TOP}`]);
  assert.deepEqual(await cacheFiles(), [V2_NO_TOP]);
  assert.match(lines[0], new RegExp(`^downloading ${V2_NO_TOP.replace(/\./g, '\\.')} from ${base}/mobilenet_v2/`));
  assert.match(lines.at(-1)!, /^saved .*keras-home\/models\/mobilenet_v2_.*_no_top\.h5/);
  assert.equal(src.preprocess, 'tf');
  assert.deepEqual(src.inputShape, [96, 96, 3]);
  process.env.MOBILENET_WEIGHTS_URL = await deadUrl(); // nothing listens there: offline
  try {
    const again = await readWeightSource('imagenet', { ...o, onProgress: undefined });
    assert.equal(again.layers.size, src.layers.size);
    assert.deepEqual(requests, []);
  } finally {
    process.env.MOBILENET_WEIGHTS_URL = base;
  }
});

test('a truncated download is refused and leaves nothing in the cache', { skip }, async () => {
  const model = buildModel('v2', { alpha: 0.5, inputShape: [128, 128, 3], includeTop: false, pooling: 'avg' });
  const name = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_128_no_top.h5';
  writeH5(path.join(served, 'mobilenet_v2', name), knownLayers(model), 'keras2');
  try {
    process.env.MOBILENET_WEIGHTS_URL = `${base}/cut`;
    const before = await cacheFiles();
    await assert.rejects(readWeightSource('imagenet', { arch: 'v2', alpha: 0.5, inputShape: [128, 128, 3], includeTop: false }),
      (e: Error) => /(interrupted after \d+ of \d+ bytes|cut short: \d+ of \d+ bytes).*nothing was saved; without network, put Keras's .* at .*keras-home\/models\//.test(e.message) || assert.fail(e.message));
    assert.deepEqual(await cacheFiles(), before);
  } finally {
    process.env.MOBILENET_WEIGHTS_URL = base;
  }
});

test('a download with the wrong MD5 (V3) or of another network is refused and removed', { skip }, async () => {
  const v3 = imagenetFile({ arch: 'v3-small', includeTop: false });
  writeH5(path.join(served, 'mobilenet_v3', v3.fileName), knownLayers(buildModel('v3-small', { includeTop: false, inputShape: [32, 32, 3] })), 'keras2');
  const before = await cacheFiles();
  await assert.rejects(readWeightSource('imagenet', { arch: 'v3-small', includeTop: false }),
    /weights_mobilenet_v3_small_224_1\.0_float_no_top_v2\.h5 .* has MD5 [0-9a-f]{32}, Keras publishes d3e8ec802a04aa4fc771ee12a9a9b836: refused, nothing was saved/);
  // a V1 file where Keras's V2 file should be
  const name = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.75_160_no_top.h5';
  writeH5(path.join(served, 'mobilenet_v2', name), knownLayers(buildModel('v1', { alpha: 0.75, inputShape: [32, 32, 3], includeTop: false })), 'keras2');
  await assert.rejects(readWeightSource('imagenet', { arch: 'v2', alpha: 0.75, inputShape: [160, 160, 3], includeTop: false }),
    /holds MobileNet v1 alpha 0\.75 weights, not MobileNet v2/);
  assert.deepEqual(await cacheFiles(), before);
});

test('no network and no cached file: one line naming the file, the URL and where to put it', async () => {
  const dead = await deadUrl();
  process.env.MOBILENET_WEIGHTS_URL = dead;
  try {
    await assert.rejects(readWeightSource('imagenet', { arch: 'v1', alpha: 0.25, inputShape: [128, 128, 3] }), (e: Error) => {
      assert.match(e.message, /^cannot download mobilenet_2_5_128_tf\.h5 from http:\/\/127\.0\.0\.1:\d+\/mobilenet\/mobilenet_2_5_128_tf\.h5: ECONNREFUSED; without network, put Keras's mobilenet_2_5_128_tf\.h5 at .*keras-home\/models\/mobilenet_2_5_128_tf\.h5$/);
      return true;
    });
  } finally {
    process.env.MOBILENET_WEIGHTS_URL = base;
  }
});

/** `mobilenet ...args` in a child process, asynchronously (this process serves the downloads meanwhile). */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** Every file under `d` (none when it does not exist). */
async function filesUnder(d: string): Promise<string[]> {
  return (await fs.readdir(d, { recursive: true }).catch(() => [] as string[])).sort();
}

for (const [mode, arch, reason] of [
  ['cut', 'v2', /download of (\S+) from (\S+) was (interrupted after \d+ of \d+ bytes|cut short: \d+ of \d+ bytes)/],
  ['chunked-cut', 'v2', /download of (\S+) from (\S+) was interrupted after \d+ of \? bytes/],
  ['short', 'v2', /downloaded (\S+) from (\S+) is not a complete Keras weights file \(.*truncated file.*\): refused, nothing was saved/],
  ['short', 'v3-small', /downloaded (\S+) from (\S+) has MD5 [0-9a-f]{32}, Keras publishes [0-9a-f]{32}: refused, nothing was saved/],
] as const) {
  const what = mode === 'cut' ? 'with a Content-Length, the connection dropped mid-body'
    : mode === 'chunked-cut' ? 'chunked, the connection dropped before the last chunk' : `chunked, ended cleanly after half the file (${arch === 'v2' ? 'no MD5: the HDF5 check' : 'the MD5'})`;
  test(`mobilenet pretrained --weights imagenet, download ${what}: one line naming the file and URL, nothing left in $KERAS_HOME/models`, { skip }, async () => {
    const home2 = path.join(dir, `home-${mode}-${arch}`);
    const out = path.join(dir, `run-${mode}-${arch}`);
    const args = arch === 'v2'
      ? ['--arch', 'v2', '--alpha', '0.75', '--input', '96x96x3', '--no-top', '--pooling', 'avg']
      : ['--arch', 'v3-small', '--minimalistic', '--no-top', '--pooling', 'avg'];
    const f = imagenetFile(arch === 'v2' ? { arch, alpha: 0.75, inputShape: [96, 96, 3], includeTop: false } : { arch, minimalistic: true, includeTop: false });
    const family = arch === 'v2' ? 'mobilenet_v2' : 'mobilenet_v3';
    const model = arch === 'v2' ? buildModel('v2', { alpha: 0.75, inputShape: [96, 96, 3], includeTop: false, pooling: 'avg' })
      : buildModel('v3-small', { minimalistic: true, includeTop: false, inputShape: [32, 32, 3] });
    writeH5(path.join(served, family, f.fileName), knownLayers(model), 'keras2');
    const r = await cli(['pretrained', ...args, '--weights', 'imagenet', '--out', out], { KERAS_HOME: home2, MOBILENET_WEIGHTS_URL: `${base}/${mode}` });
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('mobilenet:'));
    assert.equal(lines.length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const m = reason.exec(lines[0]);
    assert.ok(m, lines[0]);
    assert.equal(m[1], f.fileName);
    assert.equal(m[2], `${base}/${mode}/${family}/${f.fileName}`);
    assert.deepEqual(await filesUnder(path.join(home2, 'models')), [], 'no partial or temporary file in the cache');
    await assert.rejects(fs.stat(out), 'no run written');
  });
}
