/**
 * MD5 verification of dataset files with a small on-disk cache, so each file
 * is hashed once: entries are keyed by absolute path, size and mtime.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../errors.js';

/** Directory holding the cache file: $MOBILENET_CACHE_DIR or ~/.cache/mobilenet (an empty variable counts as unset, not as the current directory). */
export function cacheDir(): string {
  return process.env.MOBILENET_CACHE_DIR || join(homedir(), '.cache', 'mobilenet');
}

function cacheFile(): string {
  return join(cacheDir(), 'md5.json');
}

/** MD5 hex digest of bytes. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

async function readCache(): Promise<Record<string, string>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(cacheFile(), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {}; // missing or unreadable cache: hash again
  }
}

/** Writes the cache atomically (temporary name, then rename); failures are ignored (the cache is an optimisation). */
async function writeCache(entries: Record<string, string>): Promise<void> {
  const file = cacheFile();
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, JSON.stringify(entries, null, 1));
    await rename(tmp, file);
  } catch {
    /* read-only home etc.: verification still happened */
  }
}

/** Cache key of a file: absolute path, size and modification time. */
async function keyOf(file: string): Promise<string> {
  const s = await stat(file);
  return `${resolve(file)}|${s.size}|${Math.round(s.mtimeMs)}`;
}

/**
 * Checks that `content` (the file's data, uncompressed if the file is gzip)
 * has MD5 `expected`. A cached verified result for the same path, size and mtime skips hashing.
 * Returns true when the cache was used. Mismatch → DataError naming the file.
 */
export async function verifyMd5(file: string, content: Uint8Array, expected: string): Promise<boolean> {
  const key = await keyOf(file);
  const cache = await readCache();
  if (cache[key] === expected) return true;
  const actual = md5Hex(content);
  if (actual !== expected) {
    throw new DataError(`${file}: MD5 mismatch (got ${actual}, expected ${expected}); the file is corrupt or not the expected dataset`);
  }
  cache[key] = actual;
  await writeCache(cache);
  return false;
}
