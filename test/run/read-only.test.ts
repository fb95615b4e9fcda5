/**
 * Issue 19, item 14: a read-only location is found before any work and named in one line ("read-only" and the
 * path), never `internal error: ENOENT … mkdir` or `EROFS`: eval of a read-only run, train --out into a read-only
 * folder, --resume of a read-only run (used to train a whole epoch first), TF.js and ONNX exports into one. As a
 * second line of defence a write that still meets EROFS / EACCES / ENOSPC says so naming the file, and leaves no
 * temporary file or folder behind (simulated at the write call).
 */
import { after, before, mock, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../src/errors.js';
import { exportOnnx } from '../../src/export/onnx/index.js';
import { exportTfjs } from '../../src/export/tfjs-export.js';
import { train } from '../../src/train/train.js';
import { writeBandFolder } from '../cli-train/folder.js';
import { runCli } from '../helpers.js';
import { ReadOnly, makeReadOnly } from './read-only.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-read-only-'));
const bands = await writeBandFolder(path.join(root, 'bands'));
const base = { arch: 'v2' as const, model: { alpha: 0.35, inputShape: [8, 8, 1] as [number, number, number] }, dataset: `folder:${bands}`, batchSize: 6, lr: 3e-3 };
const run = path.join(root, 'run');
const unfinished = path.join(root, 'unfinished');
const ro = path.join(root, 'ro');
const locks: ReadOnly[] = [];
let skip: string | undefined;

before(async () => {
  await train({ ...base, epochs: 1, out: run });
  const ac = new AbortController();
  await train({ ...base, epochs: 2, out: unfinished, signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && e.epoch === 2) ac.abort(); } });
  await fs.mkdir(ro);
  for (const d of [run, unfinished, ro]) {
    const r = await makeReadOnly(d);
    if ('skip' in r) { skip = r.skip; return; }
    locks.push(r);
  }
});

after(async () => {
  for (const l of locks) await l.undo();
  await fs.rm(root, { recursive: true, force: true });
});

/** Runs the CLI: exit 1 and one `mobilenet:` line matching `re`; returns stdout. */
function oneLine(args: string[], re: RegExp): string {
  const r = runCli(args, { cwd: root });
  assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('mobilenet:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  return r.stdout;
}

test('eval of a read-only run, train --out into a read-only folder: named as read-only before any work', (t) => {
  if (skip) return t.skip(skip);
  oneLine(['eval', 'run'], /^mobilenet: cannot write run\/eval: run is read-only \(.+\); write the eval files elsewhere with --out DIR2$/);
  const out = oneLine(['train', '--arch', 'v2', '--alpha', '0.35', '--dataset', 'folder:bands', '--input', '8x8x1', '--out', 'ro/new-run'],
    /^mobilenet: cannot write ro\/new-run: ro is read-only \(.+\); choose another --out$/);
  assert.equal(out, '', 'nothing trained');
});

test('--resume of a read-only run fails before training a step', (t) => {
  if (skip) return t.skip(skip);
  const out = oneLine(['train', '--resume', 'unfinished'], /^mobilenet: unfinished is read-only \(.+\); a resumed run writes its checkpoint and model there$/);
  assert.doesNotMatch(out, /epoch/);
});

test('exports into a read-only folder: one line naming it', (t) => {
  if (skip) return t.skip(skip);
  oneLine(['export', path.join(root, 'unfinished'), '--format', 'tfjs', '--out', 'ro/tfjs'], /^mobilenet: cannot write ro\/tfjs: ro is read-only \(.+\)$/);
  oneLine(['export', 'unfinished', '--format', 'onnx', '--out', 'ro/model.onnx'], /^mobilenet: cannot write ro\/model\.onnx: ro is read-only \(.+\)$/);
});

test('EROFS / EACCES at the write call itself: one DataError naming the file, no temporary file or folder left', async (t) => {
  if (skip) return t.skip(skip);
  const out = path.join(root, 'exports');
  await fs.mkdir(out);
  const open = fs.open;
  for (const [code, words] of [['EROFS', 'read-only file system'], ['EACCES', 'permission denied']]) {
    const m = mock.method(fs, 'open', async (...args: Parameters<typeof fs.open>) => {
      if (String(args[0]).startsWith(out)) throw Object.assign(new Error(`${code}: write`), { code });
      return open(...args);
    });
    try {
      await assert.rejects(exportOnnx(unfinished, { out: path.join(out, 'm.onnx') }),
        (e: unknown) => e instanceof DataError && e.message === `cannot write ${path.join(out, 'm.onnx')}: read-only (${words})`);
      await assert.rejects(exportTfjs(unfinished, { out: path.join(out, 'tfjs') }),
        (e: unknown) => e instanceof DataError && new RegExp(`^cannot write ${out}/tfjs\\.tmp/\\S+: read-only \\(${words.replace(/[()]/g, '\\$&')}\\)$`).test(e.message));
    } finally {
      m.mock.restore();
    }
    assert.deepEqual(await fs.readdir(out), [], 'nothing left behind');
  }
});
