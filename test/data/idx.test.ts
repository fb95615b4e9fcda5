import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/errors.js';
import { parseIdx, readIdxFile } from '../../src/data/idx.js';

/** IDX bytes: magic 00 00 <type> <ndim>, big-endian dims, then data. */
function idx(dims: number[], data: number[], type = 0x08): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(head.buffer);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  return new Uint8Array([...head, ...data]);
}

const dir = await mkdtemp(join(tmpdir(), 'mobilenet-idx-'));
test.after(() => rm(dir, { recursive: true, force: true }));

async function fixture(name: string, bytes: Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

/** Asserts that reading `file` throws a DataError whose message names the file and matches `why`. */
async function rejectsWith(file: string, why: RegExp): Promise<void> {
  await assert.rejects(readIdxFile(file), (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
    assert.ok(e.message.includes(file), `message should name the file: ${e.message}`);
    assert.match(e.message, why);
    return true;
  });
}

const good = idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

test('reads a good plain IDX file', async () => {
  const r = await readIdxFile(await fixture('good-idx3-ubyte', good));
  assert.deepEqual(r.dims, [2, 2, 3]);
  assert.deepEqual(Array.from(r.data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('reads a good gzip IDX file with the same content', async () => {
  const r = await readIdxFile(await fixture('good-idx3-ubyte.gz', gzipSync(good)));
  assert.deepEqual(r.dims, [2, 2, 3]);
  assert.deepEqual(Array.from(r.data), Array.from(good.subarray(16)));
});

test('labels-style 1-D file', () => {
  const r = parseIdx(idx([3], [7, 8, 9]), 'labels');
  assert.deepEqual(r.dims, [3]);
  assert.deepEqual(Array.from(r.data), [7, 8, 9]);
});

test('truncated data is rejected naming the file', async () => {
  await rejectsWith(await fixture('trunc', good.subarray(0, good.length - 1)), /truncated IDX data.*need 12 bytes, file has 11/);
});

test('truncated header is rejected', async () => {
  await rejectsWith(await fixture('trunc-head', good.subarray(0, 9)), /truncated IDX header/);
  await rejectsWith(await fixture('tiny', new Uint8Array([0, 0])), /not an IDX file/);
});

test('wrong magic number is rejected', async () => {
  const bad = good.slice();
  bad[0] = 0x50; // 'P' as in a PNG or text file
  await rejectsWith(await fixture('magic', bad), /bad magic number 50 00 08 03/);
});

test('non-ubyte element type is rejected', async () => {
  await rejectsWith(await fixture('float', idx([1], [0, 0, 0, 0], 0x0d)), /unsupported IDX element type float32/);
});

test('byte count that does not match the dims is rejected (extra data)', async () => {
  await rejectsWith(await fixture('extra', new Uint8Array([...good, 99])), /size mismatch.*1 extra/);
});

test('wrong count in the header is rejected', async () => {
  const bad = idx([3, 2, 3], Array.from(good.subarray(16))); // header says 3 images, data has 2
  await rejectsWith(await fixture('count', bad), /truncated IDX data.*need 18 bytes, file has 12/);
});

test('corrupt gzip is rejected', async () => {
  const gz = gzipSync(good);
  const bad = gz.slice();
  for (let i = 12; i < bad.length - 8; i++) bad[i] ^= 0x5a;
  await rejectsWith(await fixture('corrupt.gz', bad), /corrupt gzip/);
  await rejectsWith(await fixture('cut.gz', gz.subarray(0, gz.length - 6)), /corrupt gzip/);
});

test('missing file is a DataError', async () => {
  await rejectsWith(join(dir, 'nope'), /file not found/);
});
