import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, OptionError } from '../../src/errors.js';

const dir = await mkdtemp(join(tmpdir(), 'mobilenet-ds-'));
process.env.MOBILENET_CACHE_DIR = join(dir, 'cache'); // keep the user's cache out of the tests
const { loadDataset, loadIdxDataset, mnistFiles, fashionFiles, MNIST_LABELS } = await import('../../src/data/datasets.js');
const { verifyMd5, md5Hex } = await import('../../src/data/md5-cache.js');
test.after(() => rm(dir, { recursive: true, force: true }));

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = 8;
  head[3] = dims.length;
  dims.forEach((d, i) => new DataView(head.buffer).setUint32(4 + 4 * i, d, false));
  return new Uint8Array([...head, ...data]);
}

test('mnist loads with the right counts, shape, labels and statistics', async () => {
  const msgs: string[] = [];
  const d = await loadDataset('mnist', { onProgress: (m) => msgs.push(m) });
  assert.equal(d.train.count, 60000);
  assert.equal(d.test.count, 10000);
  assert.deepEqual(d.train.shape, [28, 28, 1]);
  assert.equal(d.train.images.length, 60000 * 784);
  assert.deepEqual(d.labels, MNIST_LABELS);
  // the first training labels of MNIST are 5 0 4 1 9 2 1 3 1 4; the first test labels 7 2 1 0 4
  assert.deepEqual(Array.from(d.train.labels.subarray(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual(Array.from(d.test.labels.subarray(0, 5)), [7, 2, 1, 0, 4]);
  const perClass = new Array(10).fill(0);
  for (const l of d.train.labels) perClass[l]++;
  assert.equal(perClass[1], 6742); // the well-known MNIST class counts
  assert.equal(perClass[5], 5421);
  assert.ok(Math.abs(d.mean[0] - 0.1307) < 1e-4, `mean ${d.mean}`);
  assert.ok(Math.abs(d.std[0] - 0.3081) < 1e-4, `std ${d.std}`);
  assert.ok(msgs.length >= 4);
});

test('fashion-mnist loads with class names and its own statistics', async () => {
  const d = await loadDataset('fashion-mnist');
  assert.equal(d.train.count, 60000);
  assert.equal(d.test.count, 10000);
  assert.equal(d.labels[0], 'T-shirt/top');
  assert.equal(d.labels[9], 'Ankle boot');
  assert.ok(Math.abs(d.mean[0] - 0.2860) < 1e-3, `mean ${d.mean}`);
  assert.ok(Math.abs(d.std[0] - 0.3530) < 1e-3, `std ${d.std}`);
});

test('MD5 is cached by path+size+mtime and a changed file is detected', async () => {
  const f = join(dir, 'labels-copy');
  await copyFile(mnistFiles().testLabels, f);
  const bytes = new Uint8Array(await readFile(f));
  const good = md5Hex(bytes);
  assert.equal(good, '27ae3e4e09519cfbb04c329615203637');
  assert.equal(await verifyMd5(f, bytes, good), false); // hashed
  assert.equal(await verifyMd5(f, bytes, good), true); // cached
  const cache = JSON.parse(await readFile(join(dir, 'cache', 'md5.json'), 'utf8')) as Record<string, string>;
  assert.ok(Object.keys(cache).some((k) => k.includes('labels-copy')));
  bytes[100] = (bytes[100] + 1) % 10; // still a valid label: only the checksum can tell
  await writeFile(f, bytes);
  await utimes(f, new Date(), new Date(Date.now() + 5000)); // make sure mtime differs
  await assert.rejects(verifyMd5(f, bytes, good), (e: unknown) =>
    e instanceof DataError && e.message.includes(f) && /MD5 mismatch/.test(e.message));
});

test('an altered dataset file fails the dataset load', async () => {
  const files = { ...mnistFiles() };
  const labels = join(dir, 't10k-labels-altered');
  const bytes = new Uint8Array(await readFile(files.testLabels));
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] + 3) % 10;
  await writeFile(labels, bytes);
  await assert.rejects(loadIdxDataset('mnist', { ...files, testLabels: labels }, MNIST_LABELS),
    (e: unknown) => e instanceof DataError && e.message.includes(labels) && /MD5 mismatch/.test(e.message));
});

test('IDX datasets are resized and channel-replicated to another input shape', async () => {
  // 2 images 4x4: a horizontal ramp and a constant
  const img = new Uint8Array(32);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) { img[y * 4 + x] = x * 80; img[16 + y * 4 + x] = 200; }
  const files = {
    trainImages: join(dir, 'ti'), trainLabels: join(dir, 'tl'), testImages: join(dir, 'ei'), testLabels: join(dir, 'el'),
  };
  await writeFile(files.trainImages, idx([2, 4, 4], img));
  await writeFile(files.trainLabels, idx([2], new Uint8Array([0, 1])));
  await writeFile(files.testImages, idx([2, 4, 4], img));
  await writeFile(files.testLabels, idx([2], new Uint8Array([1, 0])));
  const d = await loadIdxDataset('tiny', files, ['a', 'b'], { inputShape: [8, 8, 3] });
  assert.deepEqual(d.train.shape, [8, 8, 3]);
  assert.equal(d.train.images.length, 2 * 8 * 8 * 3);
  const px = (i: number, y: number, x: number, c: number) => d.train.images[((i * 8 + y) * 8 + x) * 3 + c];
  assert.equal(px(1, 3, 5, 0), 200); // constant stays constant
  assert.equal(px(0, 2, 2, 0), px(0, 2, 2, 2)); // gray replicated to R = B
  for (let x = 1; x < 8; x++) assert.ok(px(0, 4, x, 1) >= px(0, 4, x - 1, 1)); // ramp stays monotone
  assert.equal(px(0, 0, 0, 0), 0);
  assert.equal(px(0, 0, 7, 0), 240);
  assert.equal(d.mean.length, 3);
  await writeFile(files.testLabels, idx([2], new Uint8Array([1, 2]))); // 2 is not a class of ['a', 'b']
  await assert.rejects(loadIdxDataset('tiny', files, ['a', 'b']), /label 2 at index 1 is not a class id/);
  await writeFile(files.testLabels, idx([3], new Uint8Array([1, 0, 1])));
  await assert.rejects(loadIdxDataset('tiny', files, ['a', 'b']), /3 labels but .* has 2 images/);
});

test('--limit-train/--limit-test apply before the resize: only the images kept are resized (issue 17)', async () => {
  // 6 images 4x4, image i all of value 40·i; labels 0 1 0 1 0 1
  const n = 6;
  const img = new Uint8Array(n * 16);
  for (let i = 0; i < n; i++) img.fill(40 * i, i * 16, (i + 1) * 16);
  const files = {
    trainImages: join(dir, 'li-ti'), trainLabels: join(dir, 'li-tl'), testImages: join(dir, 'li-ei'), testLabels: join(dir, 'li-el'),
  };
  const labels = new Uint8Array([0, 1, 0, 1, 0, 1]);
  await writeFile(files.trainImages, idx([n, 4, 4], img));
  await writeFile(files.trainLabels, idx([n], labels));
  await writeFile(files.testImages, idx([n, 4, 4], img));
  await writeFile(files.testLabels, idx([n], labels));
  const msgs: string[] = [];
  const d = await loadIdxDataset('tiny', files, ['a', 'b'], { inputShape: [8, 8, 3], limitTrain: 2, limitTest: 3, onProgress: (m) => msgs.push(m) });
  assert.ok(msgs.includes('tiny: resizing 2 training and 3 test images to 8x8x3'), msgs.join('\n'));
  assert.equal(d.train.count, 2);
  assert.equal(d.train.images.length, 2 * 8 * 8 * 3);
  assert.equal(d.test.images.length, 3 * 8 * 8 * 3);
  assert.deepEqual([d.train.images[0], d.train.images[8 * 8 * 3], d.test.images[2 * 8 * 8 * 3]], [0, 40, 80]); // the first ones
  assert.ok(Math.abs(d.mean[0] - 20 / 255) < 1e-6, `statistics of the images kept: mean ${d.mean}`);
  // --per-class first, then the limit: first of each class 0 1 0 1, then the first 3 of those
  const p = await loadIdxDataset('tiny', files, ['a', 'b'], { inputShape: [8, 8, 1], perClass: 2, limitTrain: 3 });
  assert.deepEqual(Array.from(p.train.labels), [0, 1, 0]);
  // without a resize the statistics stay those of the whole training split (unchanged behaviour), the counts limited
  const same = await loadIdxDataset('tiny', files, ['a', 'b'], { limitTrain: 2, limitTest: 1 });
  assert.deepEqual([same.train.count, same.test.count], [2, 1]);
  assert.ok(Math.abs(same.mean[0] - 100 / 255) < 1e-6, `mean ${same.mean}`);
});

test('fashion-mnist at 224x224x3 with --limit-train loads: 60,000 resized images (9 GB) were refused before', async () => {
  const msgs: string[] = [];
  const d = await loadDataset('fashion-mnist', { inputShape: [224, 224, 3], limitTrain: 20, limitTest: 10, onProgress: (m) => msgs.push(m) });
  assert.deepEqual([d.train.count, d.test.count], [20, 10]);
  assert.equal(d.train.images.length, 20 * 224 * 224 * 3);
  assert.ok(msgs.some((m) => m.includes('resizing 20 training and 10 test images')), msgs.join('\n'));
});

test('bad dataset specs and shapes are OptionErrors', async () => {
  await assert.rejects(loadDataset('cifar'), (e: unknown) => e instanceof OptionError && /unknown dataset 'cifar'/.test(e.message));
  await assert.rejects(loadDataset('mnist', { inputShape: [28, 28, 2] }), OptionError);
  await assert.rejects(loadDataset('folder:'), OptionError);
});

test('a missing Fashion-MNIST package says to run the set-up script', () => {
  assert.throws(() => fashionFiles(join(dir, 'no-such-dir')), (e: unknown) =>
    e instanceof DataError && /dataset-fashion-mnist.*run scripts\/setup\.sh/.test(e.message));
});
