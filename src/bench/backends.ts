/**
 * Which compute backends can run here, and how many threads each uses.
 * A backend is "available" when `initBackend(name)` succeeds; one that throws is unavailable.
 */
import * as os from 'node:os';
import { BackendInfo, BackendName, initBackend } from '../backend/index.js';
import { OptionError } from '../errors.js';

/** Every backend the library knows, fastest first. */
export const ALL_BACKENDS: readonly BackendName[] = ['onednn', 'wasm', 'cpu'];

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** Why it is unavailable (the error's message), or the backend's own notice. */
  reason?: string;
}

/**
 * Tries `initBackend` for each known backend and reports which succeeded.
 * Leaves the last available one of ALL_BACKENDS active; call `initBackend` afterwards to pick one.
 */
export async function probeBackends(names: readonly BackendName[] = ALL_BACKENDS): Promise<BackendProbe[]> {
  const out: BackendProbe[] = [];
  for (const name of names) {
    try {
      const info: BackendInfo = await initBackend(name);
      out.push(info.name === name ? { name, available: true } : { name, available: false, reason: `fell back to ${info.name}` });
    } catch (e) {
      out.push({ name, available: false, reason: (e as Error).message });
    }
  }
  return out;
}

/** The available backends, fastest first. */
export async function availableBackends(): Promise<BackendName[]> {
  return (await probeBackends()).filter((p) => p.available).map((p) => p.name);
}

/**
 * Threads a backend computes with: for onednn, MOBILENET_THREADS when set, else the machine's
 * available parallelism; the cpu and wasm backends are single-threaded in Node.
 */
export function backendThreads(name: BackendName, env: NodeJS.ProcessEnv = process.env): number {
  if (name !== 'onednn') return 1;
  const raw = env.MOBILENET_THREADS;
  if (raw === undefined || raw === '') return os.availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new OptionError(`MOBILENET_THREADS must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}
