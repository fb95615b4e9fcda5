/**
 * File-system failures that are the user's situation, not a bug: a read-only location, a full disk. Every
 * writer checks the place first (checkWritable) and translates what the write itself still meets
 * (writeFailure), so the CLI prints one line naming the path ("read-only", "no space left on device") instead
 * of `internal error: EROFS …`.
 */
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { DataError } from './errors.js';

/** errno codes of a location that cannot be written, and why in words. */
const READ_ONLY: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted: immutable?',
};

/** errno codes of a device that cannot take more bytes, in words. */
const FULL: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
};

/** What a path that is not a regular file is, in words ('a directory', 'a character device', ...). */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code ?? '';

/**
 * A DataError naming `file` for a read-only or full location (EROFS, EACCES, EPERM, ENOSPC, EDQUOT);
 * any other error is returned as it is. Use as `catch (e) { throw writeFailure(e, file); }`.
 */
export function writeFailure(e: unknown, file: string): unknown {
  if (e instanceof DataError) return e;
  const c = codeOf(e);
  if (c in READ_ONLY) return new DataError(`cannot write ${file}: read-only (${READ_ONLY[c]})`);
  if (c in FULL) return new DataError(`cannot write ${file}: ${FULL[c]}`);
  return e;
}

/** `abs` as the user wrote paths: absolute when `like` is, else relative to the working directory. */
const shown = (abs: string, like: string) => (path.isAbsolute(like) ? abs : path.relative(process.cwd(), abs) || '.');

/** The path itself if it exists, else its nearest existing ancestor. */
async function nearestExisting(p: string): Promise<string> {
  let cur = path.resolve(p);
  for (;;) {
    if (await fs.stat(cur).then(() => true, () => false)) return cur;
    const up = path.dirname(cur);
    if (up === cur) return cur;
    cur = up;
  }
}

/**
 * Checks, before any work, that `p` can be created or replaced: the directory it is in (p itself when p is
 * an existing directory, else the nearest existing ancestor) must be a writable directory. Throws a DataError
 * "`p` is read-only (…)" or "cannot create `p`: `ancestor` is read-only (…)", with `hint` appended.
 */
export async function checkWritable(p: string, hint = ''): Promise<void> {
  const abs = path.resolve(p);
  const at = await nearestExisting(abs);
  const isDir = (await fs.stat(at)).isDirectory();
  const tail = hint ? `; ${hint}` : '';
  if (!isDir && at !== abs) throw new DataError(`cannot write ${p}: ${shown(at, p)} is a file, not a directory${tail}`);
  const dir = isDir ? at : path.dirname(at);
  try {
    await fs.access(dir, fs.constants.W_OK);
  } catch (e) {
    const reason = READ_ONLY[codeOf(e)];
    if (!reason) throw e;
    throw new DataError(dir === abs
      ? `${p} is read-only (${reason})${tail}`
      : `cannot write ${p}: ${shown(dir, p)} is read-only (${reason})${tail}`);
  }
}
