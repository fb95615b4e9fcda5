/** `mobilenet serve` as a process: start-up line, option errors, SIGTERM drains an in-flight request then exits 0. */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import { after, before, test } from 'node:test';
import { CLI, runCli } from '../helpers.js';
import { makeRunDir, removeDir } from './fixture.js';
import { toRows } from './mnist.js';

let dir: string;

before(async () => { dir = await makeRunDir(); });
after(async () => { await removeDir(dir); });

/** Starts the server on a free port; resolves with the child and its URL once it prints the serving line. */
function startServe(args: string[]): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', dir, '--port', '0', '--backend', 'cpu', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no serving line after 60 s; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', () => {
      const m = /serving v2 \(mnist, 10 classes\) on backend cpu at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1], out: () => out }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}: ${err}`)); });
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

test('SIGTERM: the in-flight request completes, new connections are refused, exit 0', async () => {
  const { child, url, out } = await startServe([]);
  const body = JSON.stringify({ pixels: toRows(new Uint8Array(784).fill(0).map((_, i) => (i % 28 > 10 && i % 28 < 16 ? 255 : 0))) });
  const u = new URL(url);
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: '/v1/predict', method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.write(body.slice(0, 100)); // half a request: the server is now waiting for the rest
    setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => req.end(body.slice(100)), 500);
    }, 300);
  });
  const code = exited(child);
  await new Promise((r) => setTimeout(r, 600)); // after SIGTERM, before the body is finished
  await assert.rejects(fetch(`${url}/healthz`), 'a new connection after SIGTERM must fail');
  const r = await response;
  assert.equal(r.status, 200, r.body);
  assert.equal(JSON.parse(r.body).top.length, 10);
  assert.equal(await code, 0);
  assert.match(out(), /SIGTERM: draining requests…\nPOST \/v1\/predict 200 [\d.]+ ms\nstopped\n$/);
});

test('option and input errors: one line, exit code, no stack', () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['serve'], 2, /exactly one run directory/],
    [['serve', '/nonexistent/run'], 1, /run directory \/nonexistent\/run does not exist/],
    [['serve', '/tmp', '--port', 'x'], 2, /--port must be an integer in 0\.\.65535/],
    [['serve', '/tmp', '--port', '70000'], 2, /--port/],
    [['serve', '/tmp', '--body-limit', '0'], 2, /--body-limit must be a number in \(0, 1024\]/],
    [['serve', '/tmp', '--backend', 'gpu'], 2, /--backend must be one of/],
    [['serve', '/tmp', '--nope'], 2, /nope/],
    [['serve', '/tmp'], 1, /meta\.json/],
  ];
  for (const [args, status, pattern] of cases) {
    const r = runCli(args);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line, got ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\s+at /);
  }
  assert.match(runCli(['serve', '--help']).stdout, /POST \/v1\/predict/);
});

test('a busy port is one clear error', async () => {
  const { child, url } = await startServe([]);
  try {
    const r = runCli(['serve', dir, '--port', new URL(url).port, '--backend', 'cpu']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  } finally {
    const code = exited(child);
    child.kill('SIGTERM');
    assert.equal(await code, 0);
  }
});
