/** int8.json + int8.bin: written and read back identically; corrupt files are one DataError naming the file. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../src/errors.js';
import { readInt8Model, writeInt8Model } from '../../src/run/int8-files.js';
import { tinyInt8Model } from '../engine/int8-fixture.js';

async function tmp(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'int8-files-'));
}

test('int8 model: write then read gives the same model', async () => {
  const dir = await tmp();
  const m = tinyInt8Model(5);
  await writeInt8Model(dir, m);
  const back = await readInt8Model(dir);
  assert.deepEqual(back, m);
  await fs.rm(dir, { recursive: true });
});

/** Edits int8.json and expects one DataError naming it and matching `re`. */
async function corrupt(edit: (j: any) => void, re: RegExp): Promise<void> {
  const dir = await tmp();
  await writeInt8Model(dir, tinyInt8Model(5));
  const file = path.join(dir, 'int8.json');
  const j = JSON.parse(await fs.readFile(file, 'utf8'));
  edit(j);
  await fs.writeFile(file, JSON.stringify(j));
  await assert.rejects(readInt8Model(dir), (e: Error) => {
    assert.ok(e instanceof DataError, e.stack);
    assert.ok(e.message.startsWith(file), e.message);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  await fs.rm(dir, { recursive: true });
}

test('int8 model: corrupt scales, zero points, ids, shapes and blocks are named', async () => {
  await corrupt((j) => { j.tensors[3].scale = -1; }, /tensor 3: "scale" must be a positive finite number/);
  await corrupt((j) => { j.tensors[2].zeroPoint = 200; }, /tensor 2: "zeroPoint" must be an integer in \[-128, 127\]/);
  await corrupt((j) => { j.ops[0].weightScales[2] = 'x'; }, /op 0 .*weight scale 2 is NaN/);
  await corrupt((j) => { j.ops[2].weightScales.pop(); }, /op 2 .*7 weight scales for 8 output channels/);
  await corrupt((j) => { j.ops[4].inputs = [3, 7]; }, /op 4 .*input tensor 7 is not the model input or an earlier op's output/);
  await corrupt((j) => { j.ops[1].stride = 1; }, /op 1 .*output tensor 2 is 3x3x8, the op makes 5x5x8/);
  await corrupt((j) => { j.ops[3].bias.offset = 1 << 20; }, /op 3 .*bias: bytes .* lie beyond the end of int8.bin/);
  await corrupt((j) => { j.ops[0].clip = [5, 2]; }, /op 0 .*"clip" must be \[qmin, qmax\]/);
  await corrupt((j) => { j.ops[5].fn = 'gelu'; }, /op 5 .*"fn" must be one of/);
  await corrupt((j) => { j.format = 'x'; }, /not a mobilenet int8 model/);
});

test('int8 model: a truncated int8.bin and a non-JSON int8.json are named', async () => {
  const dir = await tmp();
  await writeInt8Model(dir, tinyInt8Model(5));
  const bin = path.join(dir, 'int8.bin');
  const data = await fs.readFile(bin);
  await fs.writeFile(bin, data.subarray(0, data.length - 8));
  await assert.rejects(readInt8Model(dir), /int8.json: op 8 .* lie beyond the end of int8.bin/);
  await fs.writeFile(path.join(dir, 'int8.json'), '{"format": ');
  await assert.rejects(readInt8Model(dir), /int8.json is not valid JSON/);
  await fs.rm(dir, { recursive: true });
});
