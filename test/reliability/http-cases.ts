/** Bad requests to `mobilenet serve` and the status and {"error"} line each must get (see cases.ts). */
import { crc32, deflateSync } from 'node:zlib';
import type { HttpCase } from './cases.js';

/** A PNG that declares w×h gray pixels in ~70 bytes. */
export function pngBomb(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type), data]);
    const head = Buffer.alloc(4), crc = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([head, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
}

const predict = (type: string | undefined, body: string | Buffer, query = '') => ({ method: 'POST', path: `/v1/predict${query}`, type, body });

export const HTTP_CASES: HttpCase[] = [
  { what: 'not an image', request: 'POST /v1/predict, image/png, body "hello"', send: predict('image/png', 'hello'), status: 400, re: /cannot decode image/ },
  { what: 'empty image body', request: 'POST /v1/predict, image/png, no body', send: predict('image/png', ''), status: 400, re: /empty/ },
  { what: 'invalid JSON', request: 'POST /v1/predict, application/json, body "{"', send: predict('application/json', '{'), status: 400, re: /not valid JSON/ },
  { what: 'wrong pixels shape', request: 'POST /v1/predict, {"pixels": [[1, 2]]}', send: predict('application/json', '{"pixels": [[1, 2]]}'), status: 400, re: /"pixels" must be an array of 8 rows/ },
  { what: 'pixel out of range', request: 'POST /v1/predict, {"pixels": 8 rows of 8 × 300}', send: predict('application/json', JSON.stringify({ pixels: Array(8).fill(Array(8).fill(300)) })), status: 400, re: /must be a number in 0\.\.255/ },
  { what: 'top=0', request: 'POST /v1/predict?top=0', send: predict('application/json', '{}', '?top=0'), status: 400, re: /top must be a positive integer/ },
  { what: 'invert=maybe', request: 'POST /v1/predict?invert=maybe', send: predict('application/json', '{}', '?invert=maybe'), status: 400, re: /invert must be true or false/ },
  { what: 'body over the limit', request: 'POST /v1/predict, 5 MB + 1 byte', send: predict('image/png', Buffer.alloc(5 * 1024 * 1024 + 1)), status: 413, re: /larger than the limit of 5242880 bytes/ },
  { what: 'pixel bomb (16000×16000 declared in 70 bytes)', request: 'POST /v1/predict, PNG header 16000×16000', send: predict('image/png', pngBomb(16000, 16000)), status: 413, re: /16000x16000 = 256000000 pixels, over the limit/ },
  { what: 'pixel bomb above libvips\' own limit (was 400)', request: 'POST /v1/predict, PNG header 100000×100000', send: predict('image/png', pngBomb(100000, 100000)), status: 413, re: /100000x100000 = 10000000000 pixels, over the limit/ },
  { what: 'unsupported content type', request: 'POST /v1/predict, text/plain', send: predict('text/plain', 'hi'), status: 415, re: /unsupported content type "text\/plain"/ },
  { what: 'no content type', request: 'POST /v1/predict, no content type', send: predict(undefined, 'hi'), status: 415, re: /content type/ },
  { what: 'unknown path', request: 'GET /v2/predict', send: { path: '/v2/predict' }, status: 404, re: /no route GET \/v2\/predict/ },
  { what: 'wrong method', request: 'DELETE /v1/predict', send: { method: 'DELETE', path: '/v1/predict' }, status: 405, re: /method DELETE not allowed on \/v1\/predict/ },
  { what: 'foreign Host header on a loopback server (DNS rebinding)', request: 'GET /v1/model, Host: evil.example', send: { path: '/v1/model', host: 'evil.example' }, status: 403, re: /Host "evil\.example" is not allowed/ },
  { what: 'malformed request line (was Fastify\'s own JSON shape)', request: 'raw bytes "NOT HTTP"', send: { raw: 'NOT HTTP\r\n\r\n' }, status: 400, re: /^malformed HTTP request/ },
  { what: 'headers over 16 KB (was Fastify\'s own JSON shape)', request: 'GET /healthz with a 20 KB header', send: { raw: `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n` }, status: 431, re: /request headers are too large/ },
  { what: 'body that never finishes (was held open for ever)', request: 'POST, Content-Length 1000, 4 bytes sent', send: { raw: 'POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n\x89PNG' }, status: 408, re: /did not arrive within 1 s/ },
  { what: 'no Host header (was 400 with an empty body)', request: 'raw GET /v1/model HTTP/1.1 without Host', send: { raw: 'GET /v1/model HTTP/1.1\r\n\r\n' }, status: 400, re: /request has no Host header \(HTTP\/1\.1 requires one\)/ },
  { what: 'Expect other than 100-continue (was 417 with an empty body)', request: 'GET /v1/model, Expect: x', send: { raw: 'GET /v1/model HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: x\r\nConnection: close\r\n\r\n' }, status: 417, re: /Expect "x" cannot be met: only "100-continue" is supported/ },
  { what: 'a "__proto__" key in valid JSON (was "not valid JSON")', request: 'POST /v1/predict, {"__proto__": {"a": 1}}', send: predict('application/json', '{"__proto__": {"a": 1}}'), status: 400, re: /JSON key "__proto__" is refused/ },
  { what: 'a "constructor"/"prototype" key in valid JSON', request: 'POST /v1/predict, {"constructor": {"prototype": {}}}', send: predict('application/json', '{"constructor": {"prototype": {}}}'), status: 400, re: /JSON key "constructor" holding "prototype" is refused/ },
  { what: 'TRACE on a known path (was 404)', request: 'TRACE /v1/model', send: { raw: 'TRACE /v1/model HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' }, status: 405, re: /method TRACE not allowed on \/v1\/model \(allowed: GET, HEAD\)/ },
  { what: 'CONNECT (the connection was dropped without an answer)', request: 'CONNECT 127.0.0.1:80', send: { raw: 'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n' }, status: 501, re: /method CONNECT is not served: this server is not a proxy/ },
];
