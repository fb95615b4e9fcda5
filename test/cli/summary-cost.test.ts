import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { runCli } from '../helpers.js';

test('summary --json prints one object with the Keras totals', () => {
  const r = runCli(['summary', '--arch', 'v1', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.arch, 'v1');
  assert.equal(s.alpha, 1);
  assert.deepEqual(s.inputShape, [224, 224, 3]);
  assert.equal(s.classes, 1000);
  assert.equal(s.totalParams, 4_253_864);
  assert.equal(s.trainableParams, 4_231_976);
  assert.equal(s.nonTrainableParams, 21_888);
  assert.equal(s.multAdds, 568_740_352);
  assert.ok(s.layers.length > 80);
});

test('summary with preset, alpha and overrides', () => {
  const r = runCli(['summary', '--arch', 'v2', '--preset', 'mnist', '--alpha', '0.5', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual([s.inputShape, s.classes, s.alpha], [[28, 28, 1], 10, 0.5]);
  const o = JSON.parse(runCli(['summary', '--arch', 'v2', '--input', '96x96x3', '--classes', '5', '--json']).stdout);
  assert.deepEqual([o.inputShape, o.classes], [[96, 96, 3], 5]);
  const t = runCli(['summary', '--arch', 'v2']);
  assert.match(t.stdout, /Total params: +3,538,984/);
  assert.match(t.stdout, /Trainable params: +3,504,872/);
  const md = runCli(['summary', '--arch', 'v1', '--preset', 'mnist', '--markdown']);
  assert.match(md.stdout, /^\| Layer \| Type \| Output shape \| Params \| Mult-adds \|$/m);
  const nt = JSON.parse(runCli(['summary', '--arch', 'v2', '--no-top', '--pooling', 'avg', '--json']).stdout);
  assert.equal(nt.classes, null);
  assert.equal(nt.totalParams, 2_257_984);
});

test('cost --json has separable, breakdown and papers\' tables', () => {
  const r = runCli(['cost', '--arch', 'v1', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const c = JSON.parse(r.stdout);
  assert.equal(c.separable.blocks.length, 13);
  assert.equal(c.breakdown.length, 4);
  assert.equal(c.paperTables.length, 9);
  const text = runCli(['cost', '--arch', 'v2', '--preset', 'mnist', '--no-paper']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /block_16_depthwise \+ block_16_project/);
});

test('summary and cost take --arch v3-small|v3-large with --minimalistic, --alpha, --no-top', () => {
  const s = JSON.parse(runCli(['summary', '--arch', 'v3-large', '--json']).stdout);
  assert.equal(s.arch, 'v3-large');
  assert.equal(s.totalParams, 5_507_432);
  const small = JSON.parse(runCli(['summary', '--arch', 'v3-small', '--alpha', '0.75', '--minimalistic', '--no-top', '--json']).stdout);
  assert.equal(small.totalParams, 273_800);
  assert.equal(small.classes, null);
  const mnist = runCli(['summary', '--arch', 'v3-small', '--preset', 'mnist']);
  assert.equal(mnist.status, 0, mnist.stderr);
  assert.match(mnist.stdout, /expanded_conv_squeeze_excite_mul +Multiply/);
  const c = JSON.parse(runCli(['cost', '--arch', 'v3-large', '--json']).stdout);
  assert.equal(c.arch, 'v3-large');
  assert.equal(c.separable.blocks.length, 15);
  assert.deepEqual([...new Set(c.paperTables.map((p: { table: string }) => p.table))], ['V3 Table 3', 'V3 released']);
});

const BAD: Array<[string[], RegExp]> = [
  [['summary'], /--arch is required/],
  [['summary', '--arch', 'v3'], /--arch must be one of v1, v2, v3-small, v3-large, got "v3"/],
  [['summary', '--arch', 'v2', '--minimalistic'], /--minimalistic is a V3 option/],
  [['summary', '--arch', 'v1', '--alpha', '0'], /--alpha must be a number in \(0, 4\] \(the papers' widest is 1\.4\), got "0"/],
  [['summary', '--arch', 'v1', '--alpha', 'abc'], /--alpha must be a number in \(0, 4\]/],
  [['summary', '--arch', 'v1', '--classes', '2.5'], /--classes must be an integer in 1\.\.50000/],
  [['summary', '--arch', 'v1', '--input', '28x28'], /--input must be HxWxC/],
  [['summary', '--arch', 'v1', '--preset', 'cifar'], /--preset must be one of imagenet, mnist/],
  [['summary', '--arch', 'v1', '--pooling', 'avg'], /--pooling applies only with --no-top/],
  [['summary', '--arch', 'v1', '--no-top', '--pooling', 'sum'], /--pooling must be one of avg, max/],
  [['summary', '--arch', 'v2', '--depth-multiplier', '2'], /--depth-multiplier is a V1 option/],
  [['summary', '--arch', 'v1', '--json', '--markdown'], /cannot be combined/],
  [['summary', '--arch', 'v1', '--bogus'], /Unknown option '--bogus'/],
  [['summary', '--arch'], /--arch/],
  [['cost', '--arch', 'v2', '--alpha=-1'], /--alpha must be a number in \(0, 4\]/],
  [['cost', '--arch', 'v2', '--alpha', '-1'], /'--alpha' argument is ambiguous.*'--alpha=-XYZ'/],
  [['summary', 'one', 'two'], /expected one model PATH, got 2/], // one positional is a model PATH (export issue)
  [['nonsense'], /unknown command "nonsense"/],
];

for (const [args, re] of BAD) {
  test(`bad input: mobilenet ${args.join(' ')}`, () => {
    const r = runCli(args);
    assert.equal(r.status, 2, `exit code for ${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
    assert.match(lines[0], /^mobilenet: /);
    assert.match(lines[0], re);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
}
