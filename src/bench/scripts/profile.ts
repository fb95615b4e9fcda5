/**
 * `node dist/src/bench/scripts/profile.js --arch v1|v2|v3-small|v3-large [--batch N] [--preset mnist|imagenet] [--alpha A] [--backend B] [--top N] [--json]`
 * Times one training step's kernels (tf.profile) and prints the top kernels by total ms,
 * with call counts and share of the step: what to make native next.
 */
import { BackendChoice } from '../../backend/index.js';
import { profileTrainingStep, renderProfile } from '../profile.js';
import { oneOf, parseCommandArgs, positiveInt, positiveNumber } from '../../args.js';
import { OptionError } from '../../errors.js';
import { ARCHS, PresetName } from '../../models/presets.js';
import { runMain } from '../../run-main.js';

const HELP = `usage: node dist/src/bench/scripts/profile.js --arch v1|v2|v3-small|v3-large [options]
  --batch N                 images per step (default 128)
  --preset mnist|imagenet   default mnist
  --alpha A                 width multiplier (default 1)
  --backend B               onednn, wasm, cpu or auto (default auto)
  --warmup N                unprofiled steps first (default 1)
  --top N                   kernels listed (default 20)
  --json                    the whole profile as JSON`;

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    arch: { type: 'string' }, batch: { type: 'string' }, preset: { type: 'string' }, alpha: { type: 'string' },
    backend: { type: 'string' }, warmup: { type: 'string' }, top: { type: 'string' }, json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const s = (k: string) => v[k] as string | undefined;
  if (s('arch') === undefined) throw new OptionError(`--arch is required (${ARCHS.join(', ')})`);
  const top = positiveInt('top', s('top')) ?? 20;
  const p = await profileTrainingStep({
    arch: oneOf('arch', s('arch'), ARCHS)!,
    batch: positiveInt('batch', s('batch')) ?? 128,
    preset: oneOf('preset', s('preset'), ['mnist', 'imagenet'] as const) as PresetName | undefined,
    alpha: positiveNumber('alpha', s('alpha')),
    backend: oneOf('backend', s('backend'), ['onednn', 'wasm', 'cpu', 'auto'] as const) as BackendChoice | undefined,
    warmup: positiveInt('warmup', s('warmup')),
  });
  if (p.notice) console.error(p.notice);
  console.log(v.json ? JSON.stringify(p) : renderProfile(p, top));
  return 0;
}

void runMain('profile', main);
