/** `npm run bench:train-rate`: its option errors are one line and a non-zero exit, before any training. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../../helpers.js';

const SCRIPT = path.join(ROOT, 'dist', 'src', 'bench', 'scripts', 'train-rate.js');

const BAD: Array<[string[], RegExp]> = [
  [['--sizes', '28,64'], /--sizes must list sides from 28, 96, 224, got "64"/],
  [['--epochs', '1'], /--epochs must be at least 2/],
  [['--rounds', '0'], /--rounds/],
  [['--arch', 'v4'], /--arch/],
  [['--bogus'], /bogus/],
];

test('bench:train-rate: bad options are one line each, a non-zero exit, nothing trained', () => {
  for (const [args, re] of BAD) {
    const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(r.status, 0, args.join(' '));
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], re);
    assert.doesNotMatch(r.stderr, /train-rate: round/);
  }
  const h = spawnSync(process.execPath, [SCRIPT, '--help'], { encoding: 'utf8' });
  assert.equal(h.status, 0);
  assert.match(h.stdout, /--sizes a,b/);
});
