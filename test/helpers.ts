/** Shared test helpers. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Repository root (tests run from dist/test/...). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult { status: number | null; stdout: string; stderr: string }

/** Runs `mobilenet ...args` in a child process. */
export function runCli(args: string[], o: { timeout?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8', timeout: o.timeout ?? 120_000, env: { ...process.env, ...o.env }, cwd: o.cwd,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function trainableCount(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}
