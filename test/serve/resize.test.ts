/** Runs that are not 28×28×1 digits (here 32×32×3, an image folder) get a plain resize, and RGB JSON pixels. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { MobileNetServer, createServer } from '../../src/serve/server.js';
import { makeRunDir, removeDir } from './fixture.js';

let dir: string;
let server: MobileNetServer;
let url: string;

before(async () => {
  dir = await makeRunDir({ dataset: 'folder:photos', inputShape: [32, 32, 3] });
  server = await createServer(dir, { port: 0, backend: 'cpu' });
  url = await server.listen();
});

after(async () => {
  await server?.close();
  await removeDir(dir);
});

const post = async (body: string | Buffer, type: string) => {
  const r = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: r.status, json: (await r.json()) as any };
};
const probs = (top: Array<{ label: string; probability: number }>) =>
  Array.from({ length: 10 }, (_, i) => top.find((t) => t.label === String(i))!.probability);

test('GET /v1/model says resize; a colour JPEG of any size is resized to 32×32×3', async () => {
  const info = (await (await fetch(`${url}/v1/model`)).json()) as any;
  assert.equal(info.preprocessing, 'resize');
  assert.deepEqual(info.inputShape, [32, 32, 3]);
  const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 30, b: 90 } } }).jpeg().toBuffer();
  const r = await post(jpeg, 'image/jpeg');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.top.length, 10);
});

test('JSON rows of [r, g, b] equal the same image uploaded as a 32×32 PNG', async () => {
  const raw = Buffer.alloc(32 * 32 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 256;
  const rows = Array.from({ length: 32 }, (_, y) => Array.from({ length: 32 }, (_, x) => Array.from(raw.subarray((y * 32 + x) * 3, (y * 32 + x + 1) * 3))));
  const a = await post(JSON.stringify({ pixels: rows }), 'application/json');
  const b = await post(await sharp(raw, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer(), 'image/png');
  assert.equal(a.status, 200, JSON.stringify(a.json));
  assert.equal(b.status, 200, JSON.stringify(b.json));
  const pa = probs(a.json.top), pb = probs(b.json.top);
  assert.ok(Math.max(...pa.map((v, i) => Math.abs(v - pb[i]))) < 1e-5, `${pa} vs ${pb}`);
  const bad = await post(JSON.stringify({ pixels: rows.map((r) => r.map((p) => p[0])) }), 'application/json');
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /\[0\]\[0\] must be an array of 3 numbers/);
});
