/**
 * Thread scaling: the whole benchmark once per thread count, each in a fresh child process
 * (`MOBILENET_THREADS=N`, `--threads N --json`). A fresh process per count because oneDNN's
 * primitives (and any plan built from them) are created for the thread count of the moment;
 * changing the count under cached primitives would measure something else. The children share one
 * ONNX folder, so each network is exported once.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OptionError } from '../errors.js';
import { FailedRun, machineLine, ScalingReport, SuiteReport } from './render.js';

export interface ScalingOptions {
  threads: readonly number[];
  /** The benchmark entry script run per thread count (dist/src/bench/scripts/throughput.js). */
  script: string;
  /** Its arguments, without --threads, --json and --onnx-dir (added per child). */
  args: readonly string[];
  /** Shared ONNX folder; default a temporary one removed at the end. */
  onnxDir?: string;
  /** The command line, for the report. */
  command: string;
  progress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Parses `--threads`: "N" or "N,M,…" of positive integers, duplicates dropped, order kept. */
export function parseThreadList(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.some((p) => p === '') || nums.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new OptionError(`--threads must be a positive integer or a comma list of them (e.g. 1,2,4,8,16), got ${JSON.stringify(v)}`);
  }
  return [...new Set(nums)];
}

/** Runs one child; resolves to its report, or a FailedRun with its last stderr line. */
function runChild(o: ScalingOptions, threads: number, onnxDir: string): Promise<SuiteReport | FailedRun> {
  const args = [o.script, ...o.args, '--threads', String(threads), '--json', '--onnx-dir', onnxDir];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      env: { ...(o.env ?? process.env), MOBILENET_THREADS: String(threads) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let lastErr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      process.stderr.write(d);
      lastErr = d.trim().split('\n').pop() || lastErr;
    });
    child.on('error', (e) => resolve({ threads, error: e.message }));
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) {
        try {
          resolve(JSON.parse(line) as SuiteReport);
          return;
        } catch { /* reported below */ }
      }
      resolve({ threads, error: `child exited ${code ?? signal}${lastErr ? `: ${lastErr}` : ''}` });
    });
  });
}

/** Runs the benchmark at each thread count in turn and gathers the reports. */
export async function runScaling(o: ScalingOptions): Promise<ScalingReport> {
  const onnxDir = o.onnxDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mobilenet-bench-onnx-'));
  const runs: ScalingReport['runs'] = [];
  try {
    for (const t of o.threads) {
      o.progress?.(`--- ${t} thread${t === 1 ? '' : 's'} ---`);
      runs.push(await runChild(o, t, onnxDir));
    }
  } finally {
    if (o.onnxDir === undefined) fs.rmSync(onnxDir, { recursive: true, force: true });
  }
  return { machine: machineLine(), command: o.command, threads: [...o.threads], runs };
}
