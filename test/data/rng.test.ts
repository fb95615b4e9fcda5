import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';

const take = (r: Rng, n: number) => Array.from({ length: n }, () => r.next());

test('same seed, same sequence; different seed, different sequence', () => {
  assert.deepEqual(take(new Rng(42), 20), take(new Rng(42), 20));
  assert.notDeepEqual(take(new Rng(42), 20), take(new Rng(43), 20));
  for (const v of take(new Rng(1), 1000)) assert.ok(v >= 0 && v < 1);
});

test('state round-trips through JSON and continues exactly', () => {
  const a = new Rng(7);
  take(a, 13);
  a.normal();
  const saved = JSON.parse(JSON.stringify(a.state())) as number[];
  const b = Rng.fromState(saved);
  assert.deepEqual(Array.from(a.permutation(50)), Array.from(b.permutation(50)));
  assert.deepEqual(take(a, 10), take(b, 10));
  assert.equal(a.normal(), b.normal());
  assert.throws(() => Rng.fromState([1, 2, 3]), RangeError);
});

test('permutation is a permutation and depends on the seed', () => {
  const p = new Rng(3).permutation(1000);
  assert.deepEqual(Array.from(p).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(Array.from(new Rng(3).permutation(1000)), Array.from(p));
  assert.notDeepEqual(Array.from(new Rng(4).permutation(1000)), Array.from(p));
});

test('int is in range and roughly uniform; normal has mean 0, sd 1', () => {
  const r = new Rng(9);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 50_000; i++) counts[r.int(5)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `counts ${counts}`);
  let s = 0, s2 = 0;
  const n = 50_000;
  for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(Math.sqrt(s2 / n) - 1) < 0.03);
});
