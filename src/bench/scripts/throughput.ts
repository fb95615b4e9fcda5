/**
 * `npm run bench -- [--json] [--steps N] [--warmup N] [--quick] [--backend a,b] [--no-peer] [--cpu-train]`
 * Training and inference throughput of MobileNet V1/V2 per available backend, beside PyTorch.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendName } from '../../backend/index.js';
import { ALL_BACKENDS, probeBackends } from '../../bench/backends.js';
import { findPeer, Peer } from '../../bench/peer.js';
import { machineLine, renderSuite, runSuite } from '../../bench/suite.js';
import { parseCommandArgs, parseNumber, positiveInt } from '../../cli/args.js';
import { MobileNetError, OptionError } from '../../errors.js';

const HELP = `usage: npm run bench -- [options]
  --steps N        timed steps per measurement on fast backends and in PyTorch (default 3; cpu: always 1)
  --warmup N       untimed steps first (default 1; cpu: 0)
  --quick          --steps 1 --warmup 1
  --backend a,b    only these backends (default: every available one of ${ALL_BACKENDS.join(', ')})
  --no-peer        skip the PyTorch peer
  --cpu-train      also measure training on the pure-JS cpu backend (1 step of batch 128: minutes)
  --json           one JSON object instead of the markdown table`;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function parseBackends(v: string | undefined): BackendName[] | undefined {
  if (v === undefined) return undefined;
  const names = v.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(ALL_BACKENDS as readonly string[]).includes(n)) {
      throw new OptionError(`--backend must list backends from ${ALL_BACKENDS.join(', ')}, got ${JSON.stringify(n)}`);
    }
  }
  return names as BackendName[];
}

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    steps: { type: 'string' }, warmup: { type: 'string' }, quick: { type: 'boolean' }, backend: { type: 'string' },
    'no-peer': { type: 'boolean' }, 'cpu-train': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  const steps = positiveInt('steps', v.steps as string | undefined) ?? (v.quick ? 1 : 3);
  const warmup = parseNumber('warmup', v.warmup as string | undefined, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer') ?? 1;
  const probes = await probeBackends(parseBackends(v.backend as string | undefined) ?? ALL_BACKENDS);
  const backends = probes.filter((p) => p.available).map((p) => p.name);
  for (const p of probes) if (!p.available) console.error(`bench: backend ${p.name} unavailable: ${p.reason}`);
  if (backends.length === 0) throw new OptionError('none of the requested backends is available');
  let peer: Peer | undefined;
  if (!v['no-peer']) {
    const found = findPeer(ROOT);
    if ('missing' in found) console.error(`bench: no PyTorch comparison: ${found.missing}`);
    else peer = found;
  }
  const progress = (line: string) => console.error(`bench: ${line}`);
  const rows = await runSuite({ backends, steps, warmup, cpuTrain: v['cpu-train'] === true, peer, progress });
  const machine = machineLine(peer);
  if (v.json) {
    console.log(JSON.stringify({ machine, steps, warmup, backends: probes, rows }));
  } else {
    console.log(`Throughput, images/s (${machine}; \`npm run bench -- ${argv.join(' ')}\`):\n`);
    console.log(renderSuite(rows));
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    console.error(`bench: ${e instanceof MobileNetError ? '' : 'internal error: '}${(e as Error)?.message ?? String(e)}`);
    process.exitCode = e instanceof MobileNetError ? e.exitCode : 1;
  },
);
