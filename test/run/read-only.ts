/**
 * A real read-only directory for tests. Root ignores permission bits, so as root the directory is made immutable
 * (chattr +i: nothing can be created, renamed or removed in it); as another user chmod 0555 is enough. Where
 * neither works (root without CAP_LINUX_IMMUTABLE, a file system without the attribute) the caller skips,
 * with the reason this returns.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface ReadOnly {
  /** Makes the directory writable again (call before removing it). */
  undo(): Promise<void>;
}

/** Can a file be created in `dir`? */
async function writable(dir: string): Promise<boolean> {
  const probe = path.join(dir, `.probe-${process.pid}`);
  try {
    await fs.writeFile(probe, '');
    await fs.rm(probe);
    return true;
  } catch {
    return false;
  }
}

/** Makes `dir` read-only for this process; returns how to undo it, or the reason it cannot be done here. */
export async function makeReadOnly(dir: string): Promise<ReadOnly | { skip: string }> {
  if (process.getuid?.() !== 0) {
    await fs.chmod(dir, 0o555);
    if (!(await writable(dir))) return { undo: () => fs.chmod(dir, 0o755) };
    await fs.chmod(dir, 0o755);
    return { skip: 'chmod 0555 did not make a read-only directory here' };
  }
  const r = spawnSync('chattr', ['+i', dir], { encoding: 'utf8' });
  if (r.status !== 0) return { skip: `as root a read-only directory needs chattr +i, which failed here: ${(r.stderr || r.error?.message || '').trim()}` };
  if (await writable(dir)) {
    spawnSync('chattr', ['-i', dir]);
    return { skip: 'chattr +i did not make the directory read-only here' };
  }
  return { undo: async () => { spawnSync('chattr', ['-i', dir]); } };
}
