/**
 * Whole-directory atomic replacement, for checkpoints: write everything into DIR.tmp (each file
 * fsynced), fsync it, move the previous DIR to DIR.old, rename DIR.tmp to DIR, then delete DIR.old.
 * A kill at any moment leaves DIR or DIR.old complete; completeDir() finds whichever it is. A failed write
 * (disk full, read-only) removes DIR.tmp and is one DataError naming the file (fs-errors.ts).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFailure } from '../fs-errors.js';

export type SwapStage = 'written' | 'old-moved' | 'renamed';

/** Test hook: called after each stage; throwing simulates a crash there. */
export type SwapFault = (stage: SwapStage) => void;

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

/** fsync a directory, so renames inside it are durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces directory `final` by what `write(tmpDir)` produces, atomically (see the file comment). */
export async function replaceDir(final: string, write: (tmp: string) => Promise<void>, fault?: SwapFault): Promise<void> {
  const tmp = `${final}.tmp`;
  const old = `${final}.old`;
  try {
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp, { recursive: true });
    await write(tmp);
    await syncDir(tmp);
  } catch (e) { // a full disk, a read-only location: leave no half-written DIR.tmp behind, say where
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw writeFailure(e, tmp);
  }
  fault?.('written');
  if (await exists(final)) {
    // Never destroy the only complete copy: if DIR.old is all there is (a crash after the move
    // below), DIR does not exist and we skip this branch.
    await fs.rm(old, { recursive: true, force: true });
    await fs.rename(final, old);
    fault?.('old-moved');
  }
  await fs.rename(tmp, final);
  fault?.('renamed');
  await fs.rm(old, { recursive: true, force: true });
  await syncDir(path.dirname(path.resolve(final)));
}

/** The complete copy of `final`: final itself, else final.old (a crash mid-swap), else null. */
export async function completeDir(final: string): Promise<string | null> {
  if (await exists(final)) return final;
  if (await exists(`${final}.old`)) return `${final}.old`;
  return null;
}
