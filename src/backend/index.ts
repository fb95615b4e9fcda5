/**
 * Picks the TF.js backend the library computes on, and says which.
 * (Foundation stub: 'cpu' only. The native-compute issue adds 'onednn' and 'wasm'.)
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { OptionError } from '../errors.js';

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

export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (!['auto', 'onednn', 'cpu', 'wasm'].includes(choice)) {
    throw new OptionError(`backend must be onednn, cpu, wasm or auto, got ${JSON.stringify(choice)}`);
  }
  if (choice !== 'auto' && choice !== 'cpu') {
    throw new OptionError(`backend ${choice} is not available in this build`);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  quietCpu();
  return { name: 'cpu' };
}
