/**
 * `npm run bench -- [options]`: training, inference and batch-1 latency of MobileNet V1/V2 per
 * available backend, beside PyTorch (channels_last and NCHW) and onnxruntime at the same thread
 * count, with the ratio against the strongest peer of each row. `--threads 1,2,4` runs the whole
 * table once per thread count (thread scaling).
 */
import { fileURLToPath } from 'node:url';
import { BackendName, getThreads, nativeAvailable, setThreads } from '../../backend/index.js';
import { parseCommandArgs, parseNumber, positiveInt } from '../../args.js';
import { OptionError } from '../../errors.js';
import { ALL_BACKENDS, probeBackends } from '../backends.js';
import { CASE_NAMES, LATENCY_STEP_FACTOR, SuiteCase, selectCases, splitList } from '../cases.js';
import { repoRoot } from '../peer.js';
import { PEER_NAMES, parsePeerNames, setUpPeers } from '../peers.js';
import { hostInfo, machineLine, renderPeers, renderReport, renderScaling, SuiteReport } from '../render.js';
import { caseMultAdds, measurePeak } from '../roofline.js';
import { DEFAULT_ROUNDS } from '../rounds.js';
import { parseThreadList, runScaling } from '../scaling.js';
import { runSuite } from '../suite.js';
import { Int8Row, int8Rows, renderInt8Rows } from '../int8-rows.js';
import type { Arch } from '../../models/presets.js';
import { runMain } from '../../run-main.js';

const HELP = `usage: npm run bench -- [options]
  --arch a,b       architectures (default v1,v2,v3-small,v3-large; the int8 rows: v1,v2)
  --case a,b       cases from ${CASE_NAMES.join(', ')}, int8; train, infer, latency select families;
                   int8: ours int8 vs ours float, onnxruntime float and onnxruntime int8 (our QDQ export), in the
                   same rounds (28x28 batch 256 and 1, 224x224 batch 32 and 1; ratio: int8 / the faster onnxruntime)
                   (default all: mnist training batch 128, inference batch 256 (28x28x1) and 32 (224x224x3), batch-1 latency)
  --backend a,b    only these backends (default: every available one of ${ALL_BACKENDS.join(', ')};
                   with a --threads list: onednn)
  --threads N      onednn's thread count (MOBILENET_THREADS) and the peers'; default: the machine's cores.
                   A list (1,2,4,8,16) runs the whole table once per count, each in a fresh process
  --peers a,b      peers from ${PEER_NAMES.join(', ')}, or none (default all)
  --no-peer        the same as --peers none
  --steps N        timed steps per measurement (default 10; batch-1 rows x${LATENCY_STEP_FACTOR}; cpu: always 1)
  --warmup N       untimed steps first (default 3; batch-1 rows x${LATENCY_STEP_FACTOR}; cpu: 0)
  --rounds R       interleaved rounds per row (default ${DEFAULT_ROUNDS}): ours, each peer, ours, ...; each figure is
                   the median of its rounds with their min-max (cpu: 1 round)
  --quick          --steps 1 --warmup 1 --rounds 1
  --cpu-train      also measure training on the pure-JS cpu backend (1 step of batch 128: minutes)
  --onnx-dir DIR   keep (and reuse) the peer's ONNX exports there (default: a temporary folder)
  --json           one JSON object instead of markdown
Peer python: MOBILENET_PEER_PYTHON (default /usr/bin/python3, then python3 on PATH); peer script:
MOBILENET_PEER_SCRIPT (default ../shared/peers/pytorch_mobilenet.py, then shared/peers/ in the repository).`;

const OPTIONS = {
  arch: { type: 'string' }, case: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' },
  peers: { type: 'string' }, 'no-peer': { type: 'boolean' }, steps: { type: 'string' }, warmup: { type: 'string' }, rounds: { type: 'string' },
  quick: { type: 'boolean' }, 'cpu-train': { type: 'boolean' }, 'onnx-dir': { type: 'string' }, json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseBackends(list: string[] | undefined): BackendName[] | undefined {
  for (const n of list ?? []) {
    if (!(ALL_BACKENDS as readonly string[]).includes(n)) {
      throw new OptionError(`--backend must list backends from ${ALL_BACKENDS.join(', ')}, got ${JSON.stringify(n)}`);
    }
  }
  return list?.length ? list as BackendName[] : undefined;
}

/** Every option, checked before anything is measured. */
function parseOptions(argv: string[]) {
  const { values: v } = parseCommandArgs(argv, OPTIONS);
  const s = (k: string) => v[k] as string | undefined;
  if (v['no-peer'] && s('peers') !== undefined) throw new OptionError('--no-peer and --peers cannot be combined');
  return {
    help: v.help === true,
    json: v.json === true,
    cpuTrain: v['cpu-train'] === true,
    archs: splitList(s('arch')),
    caseNames: splitList(s('case')),
    cases: splitList(s('case'))?.every((c) => c === 'int8') ? [] : selectCases(splitList(s('arch')), splitList(s('case'))?.filter((c) => c !== 'int8')),
    int8: splitList(s('case')) === undefined || splitList(s('case'))!.includes('int8'),
    backends: parseBackends(splitList(s('backend'))),
    threads: parseThreadList(s('threads')),
    peers: v['no-peer'] ? [] : parsePeerNames(splitList(s('peers'))),
    steps: positiveInt('steps', s('steps')) ?? (v.quick ? 1 : 10),
    warmup: parseNumber('warmup', s('warmup'), (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer') ?? (v.quick ? 1 : 3),
    rounds: positiveInt('rounds', s('rounds')) ?? (v.quick ? 1 : DEFAULT_ROUNDS),
    onnxDir: s('onnx-dir'),
  };
}
type Options = ReturnType<typeof parseOptions>;

/** The arguments a scaling child gets (its --threads, --json and --onnx-dir are added per child). */
function childArgs(o: Options): string[] {
  const a: string[] = ['--steps', String(o.steps), '--warmup', String(o.warmup), '--rounds', String(o.rounds), '--backend', (o.backends ?? ['onednn']).join(',')];
  if (o.archs?.length) a.push('--arch', o.archs.join(','));
  if (o.caseNames?.length) a.push('--case', o.caseNames.join(','));
  a.push(...(o.peers.length ? ['--peers', o.peers.join(',')] : ['--no-peer']));
  if (o.cpuTrain) a.push('--cpu-train');
  return a;
}

/** Mult-adds per case network, each built once. */
function memo(f: (c: SuiteCase) => number): (c: SuiteCase) => number {
  const done = new Map<string, number>();
  return (c) => {
    const k = `${c.arch}/${c.preset}`;
    if (!done.has(k)) done.set(k, f(c));
    return done.get(k)!;
  };
}

/** One run at one thread count (the process's). */
async function runOnce(o: Options, command: string, progress: (l: string) => void): Promise<SuiteReport> {
  const threads = o.threads?.[0];
  if (threads !== undefined) {
    process.env.MOBILENET_THREADS = String(threads); // read by the addon when it loads
    if (nativeAvailable().available) setThreads(threads);
  }
  const probes = await probeBackends(o.backends ?? ALL_BACKENDS);
  for (const p of probes) if (!p.available) progress(`backend ${p.name} unavailable: ${p.reason}`);
  const backends = probes.filter((p) => p.available).map((p) => p.name);
  if (backends.length === 0) throw new OptionError('none of the requested backends is available');
  const host = hostInfo();
  const peers = await setUpPeers(o.peers, { root: repoRoot(), onnxDir: o.onnxDir });
  if (peers.status.some((p) => !p.available)) progress(renderPeers(peers.status.filter((p) => !p.available)));
  try {
    progress('peak: oneDNN sgemm 2048³');
    const pk = measurePeak(getThreads());
    const peak = 'missing' in pk ? null : pk;
    const multAdds = memo(caseMultAdds);
    const rows = await runSuite({
      cases: o.cases, backends, steps: o.steps, warmup: o.warmup, rounds: o.rounds, cpuTrain: o.cpuTrain, peers: peers.runners, progress,
      multAdds: (c) => multAdds(c), peakGflops: peak?.gflops,
    });
    const int8: Int8Row[] = o.int8 && backends.includes('onednn')
      ? await int8Rows((o.archs ?? ['v1', 'v2']) as Arch[], { steps: o.steps, warmup: o.warmup, rounds: o.rounds, progress }) : [];
    return {
      machine: machineLine(host), host, loadAverageEnd: hostInfo().loadAverage, command, threads: threads ?? getThreads(),
      steps: o.steps, warmup: o.warmup, rounds: o.rounds, latencyStepFactor: LATENCY_STEP_FACTOR,
      peak, ...('missing' in pk ? { peakNote: pk.missing } : {}), backends: probes, peers: peers.status, rows, int8,
    };
  } finally {
    peers.dispose();
  }
}

async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  const command = `npm run bench -- ${argv.join(' ')}`.trim();
  const progress = (line: string) => console.error(`bench: ${line}`);
  if (o.threads && o.threads.length > 1) {
    const s = await runScaling({
      threads: o.threads, script: fileURLToPath(import.meta.url), args: childArgs(o), onnxDir: o.onnxDir, command, progress,
    });
    console.log(o.json ? JSON.stringify(s) : renderScaling(s));
    return s.runs.every((r) => 'rows' in r) ? 0 : 1;
  }
  const r = await runOnce(o, command, progress);
  console.log(o.json ? JSON.stringify(r) : renderReport(r) + (r.int8?.length ? `\n\n${renderInt8Rows(r.int8)}` : ''));
  return 0;
}

void runMain('bench', main);
