/**
 * Picks the TF.js backend the library computes on, and says which: 'onednn' (native oneDNN addon,
 * when built), 'cpu' (pure JS) or 'wasm' (single-threaded in Node; cannot train: three gradient
 * kernels are missing there).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { OptionError } from '../errors.js';
import { MAX_THREADS, loadNative } from './native.js';
import { registerOnednn } from './onednn.js';

export type BackendName = 'onednn' | 'cpu' | 'wasm';
export type BackendChoice = BackendName | 'auto';

export interface BackendInfo {
  /** The backend now active. */
  name: BackendName;
  /** Set when the preferred backend was unavailable: one line for the user. */
  notice?: string;
}

/** Silences the cpu backend's "install tfjs-node" banner: with this library that advice is wrong. */
function quietCpu(): void {
  const b = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (b) b.firstUse = false;
}

/** Whether the native addon loads here (and why not). */
export function nativeAvailable(): { available: boolean; reason?: string } {
  const { addon, error } = loadNative();
  return addon ? { available: true } : { available: false, reason: error };
}

/** Sets the addon's OpenMP thread count (default: cores, or env MOBILENET_THREADS); returns it. */
export function setThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) throw new OptionError(`threads must be an integer in 1..${MAX_THREADS}, got ${n}`);
  const { addon } = loadNative();
  return addon ? addon.setThreads(n) : 1;
}

/** The addon's OpenMP thread count (1 when the addon is not loaded: the JS backends use one thread). */
export function getThreads(): number {
  const { addon } = loadNative();
  return addon ? addon.getThreads() : 1;
}

/** Backends that can train: wasm lacks Conv2DBackpropFilter and the depthwise gradient kernels. */
export const TRAINING_BACKENDS = ['onednn', 'cpu'] as const;

/**
 * Throws OptionError when `choice` cannot train, before any data is loaded (wasm failed after loading the
 * data with an internal "Kernel 'Conv2DBackpropFilter' not registered").
 */
export function checkTrainingBackend(choice: string | undefined): void {
  if (choice === 'wasm') {
    throw new OptionError(`backend wasm cannot train (it has no Conv2DBackpropFilter or depthwise gradient kernels); `
      + `training runs on ${TRAINING_BACKENDS.join(' or ')} (or auto)`);
  }
}

async function useWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(dir + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new OptionError('backend wasm failed to initialise');
}

/**
 * Activates a backend. 'auto' and 'onednn' pick 'onednn' when the addon loads, else 'cpu' with a
 * notice; 'cpu' and 'wasm' are taken as asked. Throws OptionError for an unknown name.
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (!['auto', 'onednn', 'cpu', 'wasm'].includes(choice)) {
    throw new OptionError(`backend must be onednn, cpu, wasm or auto, got ${JSON.stringify(choice)}`);
  }
  let info: BackendInfo;
  if (choice === 'wasm') {
    await useWasm();
    info = { name: 'wasm' };
  } else if (choice === 'cpu') {
    await tf.setBackend('cpu');
    info = { name: 'cpu' };
  } else {
    const { addon, error } = loadNative();
    if (addon) {
      registerOnednn(addon);
      await tf.setBackend('onednn');
      info = { name: 'onednn' };
    } else {
      await tf.setBackend('cpu');
      info = { name: 'cpu', notice: `backend cpu: ${error}; training will be very slow (pure JS)` };
    }
  }
  await tf.ready();
  quietCpu();
  return info;
}
