/**
 * `npm run bench:train-rate -- [--arch A] [--sizes 28,96,224] [--rounds R] [--epochs N] [--steps N] [--json]`
 * `mobilenet train`'s epoch rate (fashion-mnist resized to each size) against the bench's step rate on the same
 * model, in interleaved rounds; plus what the first epoch costs beyond the plan's set-up (src/bench/train-rate.ts).
 */
import { getThreads } from '../../backend/index.js';
import { oneOf, parseCommandArgs, positiveInt } from '../../args.js';
import { OptionError } from '../../errors.js';
import { ARCHS } from '../../models/presets.js';
import { runMain } from '../../run-main.js';
import { DEFAULT_SIZES, RateSize, rateTable, trainRates } from '../train-rate.js';

const HELP = `usage: npm run bench:train-rate -- [options]
  --arch A        v1, v2, v3-small or v3-large (default v2)
  --sizes a,b     input sides from ${DEFAULT_SIZES.map((s) => s.side).join(', ')} (default all): 28 is fashion-mnist's 28x28x1
                  at batch 128 (6,400 images an epoch), 96 its resize to 96x96x3 at batch 128 (2,560), 224 to
                  224x224x3 at batch 32 (640)
  --rounds R      interleaved rounds (default 2): train 28, bench 28, train 96, ...
  --epochs N      epochs of each short run (default 3; at least 2: the first carries the plan's set-up)
  --steps N       bench steps per measurement after 3 warm-up steps (default 10)
  --json          the rows as JSON`;

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    arch: { type: 'string' }, sizes: { type: 'string' }, rounds: { type: 'string' }, epochs: { type: 'string' },
    steps: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const s = (k: string) => v[k] as string | undefined;
  const sizes: RateSize[] = (s('sizes')?.split(',') ?? DEFAULT_SIZES.map((x) => String(x.side))).map((side) => {
    const found = DEFAULT_SIZES.find((x) => String(x.side) === side.trim());
    if (!found) throw new OptionError(`--sizes must list sides from ${DEFAULT_SIZES.map((x) => x.side).join(', ')}, got ${JSON.stringify(side)}`);
    return found;
  });
  const epochs = positiveInt('epochs', s('epochs')) ?? 3;
  if (epochs < 2) throw new OptionError('--epochs must be at least 2 (the first epoch carries the plan\'s set-up)');
  const arch = oneOf('arch', s('arch'), ARCHS) ?? 'v2';
  const rows = await trainRates({
    arch, sizes, rounds: positiveInt('rounds', s('rounds')) ?? 2, epochs,
    steps: positiveInt('steps', s('steps')) ?? 10, log: (m) => console.error(m),
  });
  if (v.json) {
    console.log(JSON.stringify({ threads: getThreads(), rows }));
  } else {
    console.log(`train vs bench, ${arch}, ${getThreads()} threads (medians of the rounds, min–max)\n`);
    console.log(rateTable(rows));
  }
  return 0;
}

void runMain('bench:train-rate', main);
