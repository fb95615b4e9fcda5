import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, encodePng, loadImage } from '../../src/data/image.js';
import { loadDataset } from '../../src/data/datasets.js';
import { DataError } from '../../src/errors.js';

const dir = await mkdtemp(join(tmpdir(), 'mobilenet-img-'));
test.after(() => rm(dir, { recursive: true, force: true }));

/** A solid w×h image of `rgb` (gray when one value) as PNG or JPEG. */
async function solid(w: number, h: number, rgb: number[], fmt: 'png' | 'jpeg', alpha = false): Promise<Buffer> {
  const c = rgb.length + (alpha ? 1 : 0);
  const px = new Uint8Array(w * h * c);
  for (let i = 0; i < w * h; i++) { px.set(rgb, i * c); if (alpha) px[i * c + c - 1] = 128; }
  const img = sharp(px, { raw: { width: w, height: h, channels: c as 1 | 2 | 3 | 4 } });
  return fmt === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 95 }).toBuffer();
}

test('encodePng → decodeImage round-trips exactly', async () => {
  const px = Uint8Array.from({ length: 5 * 3 }, (_, i) => i * 17);
  const png = await encodePng(px, 5, 3, 1);
  const d = await decodeImage(png, 'x.png');
  assert.deepEqual([d.width, d.height, d.channels], [5, 3, 1]);
  assert.deepEqual(Array.from(d.pixels), Array.from(px));
  await assert.rejects(encodePng(px, 4, 3, 1), /expected 4x3x1/);
  for (const c of [2, 3, 4]) {
    const p = Uint8Array.from({ length: 4 * 2 * c }, (_, i) => (i * 37) % 256);
    const r = await decodeImage(await encodePng(p, 4, 2, c), `x${c}.png`);
    assert.equal(r.channels, c);
    assert.deepEqual(Array.from(r.pixels), Array.from(p));
  }
});

test('undecodable data is a DataError naming the source', async () => {
  await assert.rejects(decodeImage(new TextEncoder().encode('not an image'), 'upload.png'),
    (e: unknown) => e instanceof DataError && /^upload\.png: cannot decode image/.test(e.message));
  await assert.rejects(loadImage(join(dir, 'missing.png'), [8, 8, 1]), /missing\.png: file not found/);
});

/** v at alpha 128/255 composited over white, as viewers (and the server's toGray) show it. */
const overWhite = (v: number) => v * (128 / 255) + 255 * (1 - 128 / 255);

function near(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.ok(Array.from(expected).every((e, i) => Math.abs(actual[i] - e) <= 1), `${what}: ${Array.from(actual)} vs ${expected}`);
}

test('loadImage resizes and converts gray↔RGB, composites transparency over white, inverts', async () => {
  const red = await solid(40, 10, [200, 20, 20], 'png', true); // alpha 128
  const rgb = await loadImage(red, [6, 4, 3]);
  assert.equal(rgb.length, 6 * 4 * 3);
  near(rgb.subarray(0, 3), [200, 20, 20].map(overWhite), 'RGBA over white');
  const gray = await loadImage(red, [6, 4, 1]);
  assert.equal(gray.length, 24);
  near(gray, [overWhite(0.299 * 200 + 0.587 * 20 + 0.114 * 20)], 'RGBA → gray over white');
  const g = await loadImage(await solid(3, 7, [90], 'png'), [5, 5, 3]);
  assert.deepEqual(Array.from(g.subarray(0, 6)), [90, 90, 90, 90, 90, 90]);
  for (const cs of ['rgb16', 'grey16'] as const) { // 16-bit PNGs come out as 8-bit
    const c = cs === 'rgb16' ? 3 : 1;
    const png16 = await sharp(new Uint8Array(16 * c).fill(200), { raw: { width: 4, height: 4, channels: c } }).toColourspace(cs).png().toBuffer();
    assert.equal((await sharp(png16).metadata()).depth, 'ushort');
    const d = await decodeImage(png16, '16bit.png');
    assert.equal(d.pixels.length, 16 * c);
    assert.ok(d.pixels.every((v) => v === 200));
    assert.ok((await loadImage(png16, [2, 2, 3])).every((v) => v === 200));
  }
  const ga = await loadImage(await solid(9, 9, [60], 'png', true), [3, 3, 3]); // gray + alpha
  near(ga, new Array(27).fill(overWhite(60)), 'gray + alpha over white');
  // black ink on a fully transparent background: a black digit on white, not an all-black image
  const ink = new Uint8Array(8 * 8 * 4); // [8, 8, RGBA] all transparent black
  for (let y = 2; y < 6; y++) ink[(y * 8 + 4) * 4 + 3] = 255; // an opaque black stroke in column 4
  const drawn = await loadImage(await sharp(ink, { raw: { width: 8, height: 8, channels: 4 } }).png().toBuffer(), [8, 8, 1]);
  assert.equal(drawn[0], 255, 'transparent background is white');
  assert.equal(drawn[3 * 8 + 4], 0, 'the stroke stays black');
  const inv = await loadImage(await solid(3, 7, [90], 'png'), [5, 5, 1], { invert: true });
  assert.ok(inv.every((v) => v === 165));
});

test('letterbox keeps the aspect ratio and pads with background 0', async () => {
  const wide = await solid(40, 10, [255], 'png');
  const px = await loadImage(wide, [8, 8, 1], { fit: 'letterbox' });
  // 40x10 scaled to 8x2, centred vertically in rows 3..4
  const rows = Array.from({ length: 8 }, (_, y) => px[y * 8 + 4]);
  assert.deepEqual(rows, [0, 0, 0, 255, 255, 0, 0, 0]);
  // EXIF orientation 6 (rotate 90°): a 40x10 JPEG displays as 10x40, so the letterbox is a vertical bar
  const rotated = await sharp(await solid(40, 10, [255], 'jpeg')).withMetadata({ orientation: 6 }).jpeg().toBuffer();
  const tall = await loadImage(rotated, [8, 8, 1], { fit: 'letterbox' });
  const cols = Array.from({ length: 8 }, (_, x) => tall[4 * 8 + x]);
  assert.deepEqual(cols.map((v) => (v > 128 ? 1 : 0)), [0, 0, 0, 1, 1, 0, 0, 0]);
  const plain = await loadImage(wide, [8, 8, 1]);
  assert.ok(plain.every((v) => v === 255));
});

async function writeTree(root: string, spec: Record<string, Array<[string, Buffer]>>): Promise<void> {
  for (const [cls, files] of Object.entries(spec)) {
    await mkdir(join(root, cls), { recursive: true });
    for (const [name, data] of files) await writeFile(join(root, cls, name), data);
  }
}

test('folder dataset: mixed sizes/colours, seeded 20% hold-out per class', async () => {
  const root = join(dir, 'flat');
  const cats: Array<[string, Buffer]> = [];
  const dogs: Array<[string, Buffer]> = [];
  for (let i = 0; i < 10; i++) cats.push([`c${i}.png`, await solid(10 + i, 20 - i, [30 + i], 'png')]);
  for (let i = 0; i < 5; i++) dogs.push([`d${i}.jpg`, await solid(33, 17 + i, [220, 200, 10], 'jpeg')]);
  await writeTree(root, { cat: cats, dog: dogs });
  await writeFile(join(root, 'dog', 'notes.txt'), 'ignored');
  const d = await loadDataset(`folder:${root}`, { inputShape: [12, 12, 3], seed: 1 });
  assert.deepEqual(d.labels, ['cat', 'dog']);
  assert.deepEqual([d.train.count, d.test.count], [12, 3]); // 8+4 train, 2+1 test
  assert.deepEqual(Array.from(d.test.labels), [0, 0, 1]);
  assert.deepEqual(d.train.shape, [12, 12, 3]);
  const first = d.train.images.subarray(0, 3);
  assert.equal(first[0], first[2]); // gray PNG replicated to RGB
  const lastDog = d.train.images.subarray((d.train.count - 1) * 432, (d.train.count - 1) * 432 + 3);
  assert.ok(Math.abs(lastDog[0] - 220) <= 3 && Math.abs(lastDog[2] - 10) <= 6, `dog pixel ${lastDog}`);
  assert.equal(d.mean.length, 3);
  const again = await loadDataset(`folder:${root}`, { inputShape: [12, 12, 3], seed: 1 });
  assert.deepEqual(Array.from(again.test.images), Array.from(d.test.images));
  const other = await loadDataset(`folder:${root}`, { inputShape: [12, 12, 3], seed: 2 });
  assert.notDeepEqual(Array.from(other.test.images), Array.from(d.test.images));
});

test('folder dataset with train/ and test/ uses them', async () => {
  const root = join(dir, 'split');
  const a = await solid(9, 9, [10], 'png'), b = await solid(5, 8, [250, 250, 250], 'jpeg');
  await writeTree(join(root, 'train'), { a: [['1.png', a], ['2.png', a]], b: [['1.jpeg', b]] });
  await writeTree(join(root, 'test'), { b: [['x.JPG', b]] });
  const d = await loadDataset(`folder:${root}`, { inputShape: [4, 4, 1] });
  assert.deepEqual(d.labels, ['a', 'b']);
  assert.deepEqual([d.train.count, d.test.count], [3, 1]);
  assert.deepEqual(Array.from(d.test.labels), [1]);
  assert.ok(Math.abs(d.mean[0] - (10 + 10 + 250) / 3 / 255) < 0.01);
});

test('folder dataset errors are clear DataErrors', async () => {
  const bad = (spec: string, re: RegExp) => assert.rejects(loadDataset(spec, { inputShape: [4, 4, 1] }),
    (e: unknown) => e instanceof DataError && re.test(e.message));
  await bad(`folder:${join(dir, 'nowhere')}`, /nowhere: dataset folder not found/);
  await mkdir(join(dir, 'empty'));
  await bad(`folder:${join(dir, 'empty')}`, /no class subfolders/);
  const noImg = join(dir, 'noimg');
  await writeTree(noImg, { a: [['1.png', await solid(4, 4, [1], 'png')]], b: [['readme.txt', Buffer.from('x')]] });
  await bad(`folder:${noImg}`, /class 'b' has no images/);
  const broken = join(dir, 'broken');
  await writeTree(broken, { a: [['ok.png', await solid(4, 4, [1], 'png')], ['bad.png', Buffer.from('garbage')]] });
  await bad(`folder:${broken}`, /bad\.png: cannot decode image/);
});
