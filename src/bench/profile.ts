/**
 * Where a training step's time goes: one step run under tf.profile(), kernels grouped by name
 * with call counts, total ms and share of the step. Used to pick what to make native.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendName, initBackend } from '../backend/index.js';
import { MeasureOptions, trainingRig } from './measure.js';

export interface KernelRow {
  name: string;
  calls: number;
  totalMs: number;
  /** totalMs as a percentage of the step's wall time. */
  pctOfStep: number;
}

export interface StepProfile {
  arch: string;
  backend: BackendName;
  batch: number;
  /** Wall time of the profiled step (includes profiling overhead and JS outside kernels). */
  stepMs: number;
  /** Sum over all kernels; stepMs − kernelMs is time spent outside kernels. */
  kernelMs: number;
  kernels: KernelRow[];
  notice?: string;
}

/**
 * Groups profiled kernel records by name, largest total first. Records whose name is not a
 * kernel registered for `backend` (tf.customGrad op scopes such as `fusedConv2d__op`) wrap kernels
 * that are recorded on their own, so they are left out rather than counted twice.
 */
export function groupKernels(
  records: Array<{ name: string; kernelTimeMs: unknown }>, stepMs: number, backend?: string,
): KernelRow[] {
  const by = new Map<string, KernelRow>();
  for (const k of records) {
    if (backend !== undefined && tf.getKernel(k.name, backend) === undefined) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0; // {error} when a backend has no timer
    const row = by.get(k.name) ?? { name: k.name, calls: 0, totalMs: 0, pctOfStep: 0 };
    row.calls += 1;
    row.totalMs += ms;
    by.set(k.name, row);
  }
  const rows = [...by.values()].sort((a, b) => b.totalMs - a.totalMs);
  for (const r of rows) r.pctOfStep = stepMs > 0 ? (100 * r.totalMs) / stepMs : 0;
  return rows;
}

/**
 * Profiles one trainOnBatch step (after `warmup` unprofiled steps, default 1) of `o.arch`
 * on `o.backend`. Batch defaults to 128.
 */
export async function profileTrainingStep(o: MeasureOptions): Promise<StepProfile> {
  const info = await initBackend(o.backend ?? 'auto');
  const rig = trainingRig(o);
  try {
    for (let i = 0; i < (o.warmup ?? 1); i++) await rig.step();
    const t0 = performance.now();
    const p = await tf.profile(() => rig.step());
    const stepMs = performance.now() - t0;
    const kernels = groupKernels(p.kernels, stepMs, tf.getBackend());
    const out: StepProfile = {
      arch: o.arch, backend: info.name, batch: o.batch ?? 128, stepMs,
      kernelMs: kernels.reduce((s, k) => s + k.totalMs, 0), kernels,
    };
    if (info.notice) out.notice = info.notice;
    return out;
  } finally {
    rig.dispose();
  }
}

/** A plain-text table of the top `top` kernels, then the rest and the time outside kernels. */
export function renderProfile(p: StepProfile, top = 20): string {
  const lines = [
    `${p.arch} training step on ${p.backend}, batch ${p.batch}: ${p.stepMs.toFixed(1)} ms wall, ` +
      `${p.kernelMs.toFixed(1)} ms in ${p.kernels.reduce((s, k) => s + k.calls, 0)} kernel calls`,
    '',
    `${'kernel'.padEnd(40)} ${'calls'.padStart(6)} ${'total ms'.padStart(10)} ${'ms/call'.padStart(9)} ${'% step'.padStart(7)}`,
  ];
  const row = (name: string, calls: number, ms: number) =>
    `${name.padEnd(40)} ${String(calls).padStart(6)} ${ms.toFixed(1).padStart(10)} ` +
    `${(calls ? ms / calls : 0).toFixed(2).padStart(9)} ${(p.stepMs > 0 ? (100 * ms) / p.stepMs : 0).toFixed(1).padStart(7)}`;
  for (const k of p.kernels.slice(0, top)) lines.push(row(k.name, k.calls, k.totalMs));
  const rest = p.kernels.slice(top);
  if (rest.length) {
    lines.push(row(`(${rest.length} other kernels)`, rest.reduce((s, k) => s + k.calls, 0), rest.reduce((s, k) => s + k.totalMs, 0)));
  }
  lines.push(row('(outside kernels: JS, autodiff, Adam glue)', 0, Math.max(0, p.stepMs - p.kernelMs)));
  return lines.join('\n');
}
