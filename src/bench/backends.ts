/**
 * Which compute backends can run here, and how many threads each uses.
 * A backend is "available" when `initBackend(name)` succeeds; one that throws is unavailable.
 */
import { BackendInfo, BackendName, getThreads, initBackend } from '../backend/index.js';

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
      out.push(info.name === name ? { name, available: true } : { name, available: false, reason: info.notice ?? `fell back to ${info.name}` });
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
 * Threads a backend computes with: for onednn the native addon's OpenMP thread count (the machine's
 * available parallelism unless MOBILENET_THREADS is set); the cpu and wasm backends use one thread in Node.
 */
export function backendThreads(name: BackendName): number {
  return name === 'onednn' ? getThreads() : 1;
}
