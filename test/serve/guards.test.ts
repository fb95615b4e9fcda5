/**
 * Issue 12, defect 7: the server's loose ends — a body dribbled in is cut off (408) instead of holding the
 * connection open, Node's parser errors (400/431) have the API's {"error"} shape, a server bound to loopback
 * answers only loopback Host names (DNS rebinding), /v1/model shows no absolute paths, and a pixel bomb above
 * libvips' own limit is a 413 like any other.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { MobileNetServer, createServer } from '../../src/serve/server.js';
import { makeRunDir, removeDir } from './fixture.js';

let dir: string;
let server: MobileNetServer;
let port: number;

before(async () => {
  dir = await makeRunDir({ dataset: 'folder:/home/someone/secret/photos' });
  const metaFile = path.join(dir, 'meta.json');
  const meta = JSON.parse(await fs.readFile(metaFile, 'utf8'));
  meta.command = `mobilenet train --arch v2 --dataset folder:/home/someone/secret/photos --out ${dir} "--input=28x28x1"`;
  await fs.writeFile(metaFile, JSON.stringify(meta));
  server = await createServer(dir, { port: 0, backend: 'cpu', requestTimeout: 1500 });
  port = Number(new URL(await server.listen()).port);
});

after(async () => {
  await server?.close();
  await removeDir(dir);
});

/** Sends raw bytes, then reads until the server closes the connection (or 30 s pass); returns what came back. */
function raw(bytes: string | Buffer): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const give = setTimeout(() => { s.destroy(); resolve({ text, closed: false }); }, 30_000);
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('close', () => { clearTimeout(give); resolve({ text, closed: true }); });
    s.on('error', () => undefined);
    s.write(bytes);
  });
}

function statusAndJson(text: string): { status: number; json: any } {
  const [head, body] = text.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), json: JSON.parse(body) };
}

test('a request whose body never completes gets 408 {"error"} and the connection is closed', async () => {
  const r = await raw('POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n\x89PNG');
  assert.ok(r.closed, 'the server closed the connection');
  const { status, json } = statusAndJson(r.text);
  assert.equal(status, 408);
  assert.deepEqual(json, { error: 'the request did not arrive within 1.5 s' });
});

test('parser errors are {"error"} bodies: 400 malformed, 431 headers too large', async () => {
  const bad = statusAndJson((await raw('NOT HTTP AT ALL\r\n\r\n')).text);
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys(bad.json), ['error']);
  assert.match(bad.json.error, /^malformed HTTP request/);
  const big = statusAndJson((await raw(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).text);
  assert.equal(big.status, 431);
  assert.deepEqual(big.json, { error: 'request headers are too large' });
});

test('bound to loopback: loopback Host names are answered, others get 403', async () => {
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost', `LOCALHOST:${port}`]) {
    const r = statusAndJson((await raw(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).text);
    assert.equal(r.status, 200, host);
  }
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, `localhost.evil.example:${port}`]) {
    const r = statusAndJson((await raw(`GET /v1/model HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).text);
    assert.equal(r.status, 403, host);
    assert.match(r.json.error, /is not allowed: this server is bound to 127\.0\.0\.1/);
  }
  const open = await createServer(server.run, { host: '0.0.0.0', backend: 'cpu' });
  const res = await open.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'my-box.lan:8080' } });
  assert.equal(res.statusCode, 200, 'a server bound to all interfaces does not check Host');
  const proxied = await createServer(server.run, { backend: 'cpu', allowedHosts: ['digits.example'] });
  assert.equal((await proxied.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'digits.example' } })).statusCode, 200);
  await Promise.all([open.close(), proxied.close()]);
});

test('GET /v1/model shows no absolute paths', async () => {
  const info = (await (await fetch(`http://127.0.0.1:${port}/v1/model`)).json()) as { dataset: string; command: string };
  const text = JSON.stringify(info);
  assert.doesNotMatch(text, /\/home\/someone|secret/);
  assert.ok(!text.includes(dir), 'the run directory');
  assert.equal(info.dataset, 'folder:photos');
  assert.equal(info.command, `mobilenet train --arch v2 --dataset folder:photos --out ${path.basename(dir)} "--input=28x28x1"`);
});

test('413 for a PNG header declaring 100000×100000 pixels (above libvips\' own limit)', async () => {
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type), data]);
    const head = Buffer.alloc(4), crc = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([head, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100_000, 0);
  ihdr.writeUInt32BE(100_000, 4);
  ihdr[8] = 8; // 8-bit gray
  const bomb = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
  const res = await fetch(`http://127.0.0.1:${port}/v1/predict`, { method: 'POST', body: bomb, headers: { 'content-type': 'image/png' } });
  assert.equal(res.status, 413);
  assert.match(((await res.json()) as { error: string }).error, /100000x100000 = 10000000000 pixels, over the limit of 25000000/);
});

test('issue 19 item 17: what Node answers itself has the {"error"} shape too (no Host, Expect, CONNECT), TRACE is a 405', async () => {
  const cases: Array<[string, number, RegExp]> = [
    ['GET /v1/model HTTP/1.1\r\n\r\n', 400, /^request has no Host header \(HTTP\/1\.1 requires one\)$/],
    ['GET /v1/model HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: x\r\n\r\n', 417, /^Expect "x" cannot be met: only "100-continue" is supported$/],
    ['CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n', 501, /^method CONNECT is not served/],
    ['TRACE /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 405, /^method TRACE not allowed on \/v1\/predict \(allowed: POST\)$/],
  ];
  for (const [bytes, status, re] of cases) {
    const r = await raw(bytes);
    assert.ok(r.closed, `${bytes.split('\r\n')[0]}: the server closed the connection`);
    const got = statusAndJson(r.text);
    assert.equal(got.status, status, r.text);
    assert.deepEqual(Object.keys(got.json), ['error'], r.text);
    assert.match(got.json.error, re);
    if (status === 405) assert.match(r.text, /\r\nallow: POST\r\n/i);
  }
});

test('issue 19 item 17: valid JSON with a "__proto__" or "constructor.prototype" key is refused by name, not "not valid JSON"', async () => {
  const post = (body: string) => raw(`POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  const cases: Array<[string, RegExp]> = [
    ['{"pixels": [], "__proto__": {"polluted": 1}}', /^JSON key "__proto__" is refused/],
    ['{"a": [{"b": {"__proto__": 1}}]}', /^JSON key "__proto__" is refused/],
    ['{"constructor": {"prototype": {"polluted": 1}}}', /^JSON key "constructor" holding "prototype" is refused/],
    ['{"pixels": ', /^body is not valid JSON$/],
    ['', /^empty JSON body/],
  ];
  for (const [body, re] of cases) {
    const { status, json } = statusAndJson((await post(body)).text);
    assert.equal(status, 400, body);
    assert.match(json.error, re, body);
  }
  assert.equal(({} as { polluted?: unknown }).polluted, undefined, 'nothing polluted');
  const ok = statusAndJson((await post('{"constructor": "x", "pixels": []}')).text); // a plain "constructor" key is fine
  assert.match(ok.json.error, /"pixels" must be an array of 28 rows/);
});
