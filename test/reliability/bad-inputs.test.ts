/**
 * Every bad input of cases.ts and http-cases.ts: the CLI answers with one `mobilenet:` line, the expected exit
 * code and no stack trace (and does not hang: each command is killed after 90 s); the server with the
 * expected status and a one-line {"error"}. The tables in docs/bad-inputs.md are made from what these
 * actually printed: this test fails when the document no longer matches (MOBILENET_UPDATE_DOCS=1 rewrites it;
 * `npm run docs:bad-inputs`).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createServer } from '../../src/serve/server.js';
import { CLI, ROOT } from '../helpers.js';
import { CLI_CASES, CliCase, HttpCase } from './cases.js';
import { makeFixtures } from './fixtures.js';
import { HTTP_CASES } from './http-cases.js';

const DOC = path.join(ROOT, 'docs', 'bad-inputs.md');
const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'mn-bad-inputs-')));
const clean = (s: string) => s.split(root + path.sep).join('').split(root).join('.');

interface Outcome { code: number | null; line: string; stderr: string }

/** Runs `mobilenet ...args` in the fixture folder; a command still running after 90 s is killed (a hang). */
function runCase(c: CliCase): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...c.args], { cwd: root, env: { ...process.env, ...c.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.stdout.resume();
    const kill = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(kill);
      const lines = stderr.split('\n').filter((l) => l.startsWith('mobilenet:'));
      resolve({ code, line: clean(lines.join(' / ')), stderr });
    });
  });
}

/** Runs the cases two at a time, results in case order. */
async function runAll(cases: CliCase[]): Promise<Outcome[]> {
  const out: Outcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => { while (next < cases.length) { const i = next++; out[i] = await runCase(cases[i]); } };
  await Promise.all([worker(), worker()]);
  return out;
}

/** Sends one HTTP case; resolves with the status and the parsed body. */
function send(port: number, c: HttpCase): Promise<{ status: number; json: { error?: unknown } }> {
  const parse = (text: string, status: number) => ({ status, json: JSON.parse(text) as { error?: unknown } });
  if ('raw' in c.send) {
    const bytes = c.send.raw;
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let text = '';
      s.on('data', (d) => { text += d.toString('latin1'); });
      s.on('close', () => {
        const [head, body] = text.split('\r\n\r\n');
        try { resolve(parse(body, Number(head.split(' ')[1]))); } catch (e) { reject(new Error(`${c.what}: ${text || 'no answer'}`)); }
      });
      s.on('error', () => undefined);
      s.write(bytes);
    });
  }
  const q = c.send;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { host: q.host ?? `127.0.0.1:${port}` };
    if (q.type) headers['content-type'] = q.type;
    if (q.body !== undefined) headers['content-length'] = Buffer.byteLength(q.body);
    const req = http.request({ host: '127.0.0.1', port, path: q.path, method: q.method ?? 'GET', headers }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(parse(text, res.statusCode!)));
    });
    req.on('error', (e) => setTimeout(() => reject(e), 1000)); // a 413 may stop reading the upload: the answer wins
    req.end(q.body);
  });
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => `\`${cell(s)}\``;

function cliTable(rows: Array<[CliCase, Outcome]>): string {
  return ['| what was tried | command | exit | what it prints (stderr) |', '|---|---|---:|---|',
    ...rows.map(([c, o]) => `| ${cell(c.what)} | ${code(['mobilenet', ...c.args].join(' '))} | ${o.code} | ${cell(o.line)} |`)].join('\n');
}

function httpTable(rows: Array<[HttpCase, { status: number; json: { error?: unknown } }]>): string {
  return ['| what was sent | request | status | `error` |', '|---|---|---:|---|',
    ...rows.map(([c, r]) => `| ${cell(c.what)} | ${cell(c.request)} | ${r.status} | ${cell(String(r.json.error))} |`)].join('\n');
}

/** Replaces the text between `<!-- bad-inputs:NAME -->` and `<!-- /bad-inputs:NAME -->`. */
function splice(doc: string, name: string, body: string): string {
  const re = new RegExp(`(<!-- bad-inputs:${name} -->\\n)[\\s\\S]*?(<!-- /bad-inputs:${name} -->)`);
  assert.match(doc, re, `docs/bad-inputs.md has no ${name} block`);
  return doc.replace(re, (_m, a: string, b: string) => `${a}${body}\n${b}`);
}

test('every bad input: one clear line, the right exit code or HTTP status, no hang; docs/bad-inputs.md matches', { timeout: 900_000 }, async () => {
  await makeFixtures(root);
  const outcomes = await runAll(CLI_CASES);
  const failures: string[] = [];
  CLI_CASES.forEach((c, i) => {
    const o = outcomes[i];
    const cmd = `mobilenet ${c.args.join(' ')}`;
    if (o.code === null) failures.push(`${cmd}: did not finish within 90 s (hang)`);
    else if (o.code !== c.code) failures.push(`${cmd}: exit ${o.code}, expected ${c.code}: ${o.stderr}`);
    else if (!c.re.test(o.line)) failures.push(`${cmd}: "${o.line}" does not match ${c.re}`);
    else if (/\n\s+at /.test(o.stderr)) failures.push(`${cmd}: stack trace on stderr`);
    else if (c.code !== 0 && o.line.split(' / ').length !== 1) failures.push(`${cmd}: more than one mobilenet: line: ${o.line}`);
    else if (c.absent && existsSync(path.join(root, c.absent))) failures.push(`${cmd}: wrote ${c.absent} although it failed`);
  });

  // pretrained cases all write to pre/: a refused one leaves nothing there, nor a partial file in the Keras cache
  if (await fs.stat(path.join(root, 'pre')).then(() => true, () => false)) failures.push('a refused pretrained left pre/ behind');
  const cache = await fs.readdir(path.join(root, 'keras-home', 'models')).catch(() => [] as string[]);
  if (cache.length) failures.push(`files left in the Keras cache: ${cache.join(', ')}`);

  const server = await createServer(path.join(root, 'run'), { port: 0, backend: 'cpu', requestTimeout: 1000 });
  const port = Number(new URL(await server.listen()).port);
  const answers: Array<{ status: number; json: { error?: unknown } }> = [];
  for (const c of HTTP_CASES) {
    const r = await send(port, c);
    answers.push(r);
    if (r.status !== c.status) failures.push(`${c.request}: HTTP ${r.status}, expected ${c.status}: ${JSON.stringify(r.json)}`);
    else if (Object.keys(r.json).join() !== 'error' || typeof r.json.error !== 'string' || !c.re.test(r.json.error)) {
      failures.push(`${c.request}: ${JSON.stringify(r.json)} is not {"error"} matching ${c.re}`);
    }
  }
  await server.close();
  assert.deepEqual(failures, []);

  let doc = await fs.readFile(DOC, 'utf8');
  doc = splice(doc, 'cli', cliTable(CLI_CASES.map((c, i) => [c, outcomes[i]])));
  doc = splice(doc, 'http', httpTable(HTTP_CASES.map((c, i) => [c, answers[i]])));
  if (process.env.MOBILENET_UPDATE_DOCS === '1') await fs.writeFile(DOC, doc);
  else assert.equal(await fs.readFile(DOC, 'utf8'), doc, 'docs/bad-inputs.md is out of date: run `npm run docs:bad-inputs`');
});

test.after(() => fs.rm(root, { recursive: true, force: true }));
