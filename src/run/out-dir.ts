/**
 * Where a new run may be written. A run never silently replaces another: an existing run directory is
 * refused unless the caller asks to overwrite it (then it is cleared completely, so no eval/, best/ or
 * report of the old model stays behind), and a non-empty folder that is not a run is never touched.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OptionError } from '../errors.js';
import { checkWritable, writeFailure } from '../fs-errors.js';

/** What is at the output path: nothing yet, an empty folder, or a run directory to replace. */
export type OutDirState = 'new' | 'empty' | 'replace';

/** Files and folders that only a run directory written by `train` holds. */
const RUN_MARKERS = ['meta.json', 'checkpoint', 'checkpoint.old', 'checkpoint.tmp', 'history.json', 'model.json'];

/**
 * A run directory killed during its first checkpoint: only the half-written checkpoint.tmp/, nothing complete.
 * `train --out` and `train --resume` both call it an unfinished start and offer --overwrite.
 */
export function isUnfinishedStart(entries: string[]): boolean {
  return entries.length > 0 && entries.every((e) => e === 'checkpoint.tmp' || /\.tmp-\d+-\d+$/.test(e));
}

/**
 * Checks `out` before training into it: a file is refused; an existing run is refused unless `overwrite`
 * (use resume to continue it); a non-empty folder that is not a run is always refused.
 */
export async function checkOutDir(out: string, overwrite: boolean): Promise<OutDirState> {
  const st = await fs.stat(out).catch(() => null);
  if (!st) return 'new';
  if (!st.isDirectory()) throw new OptionError(`cannot write the run to ${out}: it is a file, not a directory`);
  const entries = await fs.readdir(out);
  if (entries.length === 0) return 'empty';
  if (!entries.some((e) => RUN_MARKERS.includes(e))) {
    throw new OptionError(`${out} is not empty and is not a run directory; choose another --out (nothing was changed)`);
  }
  if (!overwrite) {
    if (isUnfinishedStart(entries)) {
      throw new OptionError(`${out} holds an unfinished start (only checkpoint.tmp/: no checkpoint was completed, nothing to resume); `
        + 'start again with --overwrite');
    }
    throw new OptionError(`${out} already holds a run: continue it with --resume ${out}, or replace it with --overwrite`);
  }
  return 'replace';
}

/** checkOutDir, then the location must be writable (a read-only one is refused before any data is read). */
export async function checkTrainOut(out: string, overwrite: boolean): Promise<OutDirState> {
  const state = await checkOutDir(out, overwrite);
  await checkWritable(out, 'choose another --out');
  return state;
}

/** Makes `out` an empty directory: clears a replaced run completely first. */
export async function prepareOutDir(out: string, state: OutDirState): Promise<void> {
  if (state === 'replace') {
    for (const e of await fs.readdir(out)) await fs.rm(path.join(out, e), { recursive: true, force: true });
  }
  await fs.mkdir(out, { recursive: true }).catch((e) => { throw writeFailure(e, out); });
}

/**
 * After a run failed: removes the directory if this run created it and nothing complete was saved in it
 * (at most an unfinished checkpoint.tmp), so a failed start leaves no empty run directory behind.
 */
export async function removeIfUnused(out: string, state: OutDirState): Promise<void> {
  if (state !== 'new') return;
  const entries = await fs.readdir(out).catch(() => null);
  if (entries && entries.every((e) => e === 'checkpoint.tmp')) await fs.rm(out, { recursive: true, force: true });
}
