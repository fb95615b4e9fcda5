/** HTTP API of `mobilenet serve`: every status code, predictions, model info, concurrency. */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { encodePng } from '../../src/data/image.js';
import { loadRun } from '../../src/run/run-dir.js';
import { MobileNetServer, createServer } from '../../src/serve/server.js';
import { makeRunDir, removeDir } from './fixture.js';
import { mnistTestDigits, toRows } from './mnist.js';

let dir: string;
let server: MobileNetServer;
let url: string;
let digitPng: Buffer;
let digitRows: number[][];

type Top = Array<{ label: string; probability: number }>;

async function post(body: string | Buffer | undefined, type?: string, query = ''): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/v1/predict${query}`, {
    method: 'POST', body, headers: type ? { 'content-type': type } : {},
  });
  return { status: res.status, json: await res.json() };
}

/**
 * POST with node:http, resolving on the response even if the server stops reading the body and the
 * upload then fails (what a 413 may do; fetch could report that as a network error).
 */
function postRaw(body: Buffer, type: string): Promise<{ status: number; json: any }> {
  const u = new URL(`${url}/v1/predict`);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: { 'content-type': type, 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
    req.on('error', (e) => setTimeout(() => reject(e), 1000)); // a response, if any, wins
    req.end(body);
  });
}

const postJson = (o: unknown, query = '') => post(JSON.stringify(o), 'application/json', query);

function probsByLabel(top: Top): number[] {
  return Array.from({ length: 10 }, (_, i) => top.find((t) => t.label === String(i))!.probability);
}

function assertClose(a: number[], b: number[], tol: number, what: string): void {
  const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  assert.ok(worst <= tol, `${what}: max difference ${worst} > ${tol}`);
}

before(async () => {
  dir = await makeRunDir();
  server = await createServer(dir, { port: 0, backend: 'cpu' });
  url = await server.listen();
  const [d] = await mnistTestDigits(1);
  digitPng = await encodePng(d.pixels, 28, 28, 1);
  digitRows = toRows(d.pixels);
});

after(async () => {
  await server?.close();
  await removeDir(dir);
});

describe('200', () => {
  test('GET /healthz', async () => {
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', backend: 'cpu', inFlight: 0 });
  });

  test('GET /v1/model: arch, options, summary and cost totals, history', async () => {
    const info = (await (await fetch(`${url}/v1/model`)).json()) as any;
    assert.equal(info.arch, 'v2');
    assert.equal(info.options.alpha, 0.35);
    assert.deepEqual(info.inputShape, [28, 28, 1]);
    assert.equal(info.preprocessing, 'mnist');
    assert.equal(info.summary.totalParams, server.run.model.countParams());
    assert.equal(info.cost.totalParams, server.run.model.countParams());
    assert.ok(info.cost.multAdds > 0 && info.cost.fullConvMultAdds > info.cost.multAdds);
    assert.equal(info.summary.layers.length, server.run.model.layers.length);
    assert.deepEqual(info.history.map((h: { epoch: number }) => h.epoch), [1, 2]);
  });

  test('POST PNG: ten probabilities summing to 1, best first, backend and ms', async () => {
    const r = await post(digitPng, 'image/png');
    assert.equal(r.status, 200);
    const top = r.json.top as Top;
    assert.equal(top.length, 10);
    assert.deepEqual(top.map((t) => t.label).sort(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.ok(Math.abs(top.reduce((s, t) => s + t.probability, 0) - 1) < 1e-5);
    for (let i = 1; i < top.length; i++) assert.ok(top[i - 1].probability >= top[i].probability);
    assert.equal(r.json.backend, 'cpu');
    assert.equal(typeof r.json.ms, 'number');
  });

  test('?top=3 returns the three best', async () => {
    const all = await post(digitPng, 'image/png');
    const r = await post(digitPng, 'image/png', '?top=3');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.top, (all.json.top as Top).slice(0, 3));
  });

  test('JSON pixels equal the model run directly (normalisation + softmax of logits)', async () => {
    const r = await postJson({ pixels: digitRows });
    assert.equal(r.status, 200);
    const run = await loadRun(dir);
    const x = tf.tensor4d(digitRows.flat().map((v) => (v / 255 - 0.1307) / 0.3081), [1, 28, 28, 1]); // [1, 28, 28, 1]
    const expected = Array.from(await tf.softmax(run.model.predict(x) as tf.Tensor).data()); // [10]
    assertClose(probsByLabel(r.json.top), expected, 1e-5, 'API vs direct model');
  });

  test('PNG upload = JSON pixels with preprocess (same MNIST pipeline)', async () => {
    const a = await post(digitPng, 'image/png');
    const b = await postJson({ pixels: digitRows, preprocess: true });
    assertClose(probsByLabel(a.json.top), probsByLabel(b.json.top), 1e-6, 'PNG vs JSON+preprocess');
  });

  test('dark-on-light PNG and JPEG, any size, are inverted and resized automatically', async () => {
    const base = probsByLabel((await post(digitPng, 'image/png')).json.top);
    const inverted = Uint8Array.from(digitRows.flat(), (v) => 255 - v);
    const bigRgb = await sharp(Buffer.from(inverted), { raw: { width: 28, height: 28, channels: 1 } })
      .resize(112, 112, { kernel: 'nearest' }).toColourspace('srgb').png().toBuffer();
    const a = await post(bigRgb, 'image/png');
    assert.equal(a.status, 200);
    assertClose(probsByLabel(a.json.top), base, 0.05, 'inverted 112x112 RGB PNG');
    const jpeg = await sharp(Buffer.from(inverted), { raw: { width: 28, height: 28, channels: 1 } })
      .resize(196, 196, { kernel: 'nearest' }).extend({ left: 60, right: 44, background: '#fff' }).jpeg({ quality: 95 }).toBuffer();
    const b = await post(jpeg, 'image/jpeg');
    assert.equal(b.status, 200, JSON.stringify(b.json));
    assertClose(probsByLabel(b.json.top), base, 0.05, 'inverted 300x196 JPEG');
    const forced = await post(bigRgb, 'image/png', '?invert=false');
    assert.equal(forced.status, 200);
  });

  test('GET /model/model.json and /model/weights.bin: the served weights, loadable layers format', async () => {
    const json = (await (await fetch(`${url}/model/model.json`)).json()) as any;
    assert.equal(json.format, 'layers-model');
    assert.deepEqual(json.weightsManifest[0].paths, ['./weights.bin']);
    const bytes = json.weightsManifest[0].weights
      .reduce((s: number, w: { shape: number[] }) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    const bin = await fetch(`${url}/model/weights.bin`);
    assert.equal(bin.status, 200);
    assert.equal((await bin.arrayBuffer()).byteLength, bytes);
  });

  test('page, assets and wasm are served locally', async () => {
    const page = await fetch(`${url}/`);
    if (page.status === 503) {
      assert.match(((await page.json()) as any).error, /build-web/);
    } else {
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const html = await page.text();
      assert.match(html, /\/assets\/app\.js/);
      assert.doesNotMatch(html, /https?:\/\//, 'no external links');
    }
    const wasm = await fetch(`${url}/wasm/tfjs-backend-wasm-simd.wasm`);
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal((await fetch(`${url}/assets/..%2Fpackage.json`)).status, 404);
    assert.equal((await fetch(`${url}/wasm/..%2F..%2Fpackage.json`)).status, 404);
  });
});

describe('errors are JSON with the right status', () => {
  const bad = async (r: { status: number; json: any }, status: number, pattern: RegExp) => {
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(typeof r.json.error, 'string');
    assert.match(r.json.error, pattern);
  };

  test('400: undecodable image', async () => {
    await bad(await post(Buffer.from('this is not a png at all'), 'image/png'), 400, /decod|image|png|unsupported|corrupt/i);
    await bad(await post(digitPng.subarray(0, 40), 'image/png'), 400, /./);
    await bad(await post(Buffer.alloc(0), 'image/jpeg'), 400, /empty/);
  });

  test('400: bad JSON and wrong JSON shape', async () => {
    await bad(await post('{"pixels": [[1,2', 'application/json'), 400, /not valid JSON/);
    await bad(await post('', 'application/json'), 400, /empty/i);
    await bad(await postJson([1, 2, 3]), 400, /object/);
    await bad(await postJson({}), 400, /28 rows/);
    await bad(await postJson({ pixels: digitRows.slice(1) }), 400, /28 rows/);
    await bad(await postJson({ pixels: [...digitRows.slice(1), [1, 2]] }), 400, /row 27 .*28 values/);
    await bad(await postJson({ pixels: [['a', ...digitRows[0].slice(1)], ...digitRows.slice(1)] }), 400, /\[0\]\[0\].*0\.\.255/);
    await bad(await postJson({ pixels: [[300, ...digitRows[0].slice(1)], ...digitRows.slice(1)] }), 400, /0\.\.255/);
    await bad(await postJson({ pixels: digitRows, invert: 'yes' }), 400, /invert/);
    await bad(await post('{"__proto__": {"x": 1}}', 'application/json'), 400, /./);
  });

  test('400: bad query', async () => {
    await bad(await post(digitPng, 'image/png', '?top=0'), 400, /top/);
    await bad(await post(digitPng, 'image/png', '?top=abc'), 400, /top/);
    await bad(await post(digitPng, 'image/png', '?invert=maybe'), 400, /invert/);
  });

  test('413: body over the 5 MB default limit', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 1, 1);
    await bad(await postRaw(big, 'image/png'), 413, /larger than the limit of 5242880 bytes/);
    await bad(await postRaw(big, 'application/json'), 413, /limit/);
  });

  test('413: an image whose header declares more than 25 M pixels is refused before decoding', async () => {
    const chunk = (type: string, data: Buffer) => {
      const td = Buffer.concat([Buffer.from(type), data]);
      const head = Buffer.alloc(4), crc = Buffer.alloc(4);
      head.writeUInt32BE(data.length);
      crc.writeUInt32BE(crc32(td) >>> 0);
      return Buffer.concat([head, td, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(16000, 0);
    ihdr.writeUInt32BE(16000, 4);
    ihdr[8] = 8; // 8-bit gray
    const bomb = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]); // 16000×16000 declared in 70 bytes
    await bad(await post(bomb, 'image/png'), 413, /16000x16000 = 256000000 pixels, over the limit of 25000000/);
  });

  test('415: unsupported or missing content type', async () => {
    await bad(await post('hello', 'text/plain'), 415, /text\/plain.*image\/png/);
    await bad(await post(digitPng, 'application/octet-stream'), 415, /unsupported/);
    await bad(await post(digitPng, 'image/gif'), 415, /unsupported/);
    await bad(await post(undefined), 415, /content type/);
  });

  test('404: unknown paths', async () => {
    const r = await fetch(`${url}/v2/predict`, { method: 'POST' });
    assert.equal(r.status, 404);
    assert.match(((await r.json()) as any).error, /no route POST \/v2\/predict/);
    assert.equal((await fetch(`${url}/assets/nothing.js`)).status, 404);
  });

  test('405: wrong method, with Allow', async () => {
    for (const [method, path, allow] of [['GET', '/v1/predict', 'POST'], ['DELETE', '/v1/model', 'GET, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'], ['PUT', '/', 'GET, HEAD']] as const) {
      const r = await fetch(`${url}${path}`, { method });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.get('allow'), allow);
      assert.match(((await r.json()) as any).error, /not allowed/);
    }
  });

  test('the server survives garbage and keeps answering', async () => {
    const junk = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]), Buffer.alloc(1000, 0xff)];
    for (const j of junk) for (const t of ['image/png', 'image/jpeg', 'application/json']) {
      const r = await post(j, t);
      assert.equal(r.status, 400, `${t} ${j.subarray(0, 4).toString('hex')}: ${JSON.stringify(r.json)}`);
    }
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
  });
});

test('concurrent requests are all served (batched together), with the same answers as alone', async () => {
  const alone = probsByLabel((await post(digitPng, 'image/png')).json.top);
  const jobs = Array.from({ length: 24 }, (_, i) => (i % 3 === 2
    ? fetch(`${url}/v1/model`).then(async (r) => ({ status: r.status, json: await r.json() }))
    : i % 3 === 1 ? postJson({ pixels: digitRows, preprocess: true }) : post(digitPng, 'image/png')));
  const results = await Promise.all(jobs);
  results.forEach((r, i) => {
    assert.equal(r.status, 200, `request ${i}`);
    if (i % 3 !== 2) assertClose(probsByLabel(r.json.top), alone, 1e-6, `request ${i}`);
  });
  const batches = results.filter((_, i) => i % 3 !== 2).map((r) => r.json.batch as number);
  assert.ok(Math.max(...batches) > 1, `queued requests share model calls: batches ${batches}`);
});
