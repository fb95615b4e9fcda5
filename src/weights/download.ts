/**
 * Downloads one file into a cache directory safely: into DEST.download-PID-N beside it, length and MD5
 * checked, then `check` (e.g. "is it Keras weights of the right network"), and only then renamed to DEST.
 * Any failure removes the temporary file; one left by a killed process is removed by the next download
 * of the same file. So the cache never holds a partial or unchecked file under the real name.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs, rmSync } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors.js';

export interface DownloadOptions {
  /** Expected MD5 (hex), where one is published. */
  md5?: string;
  /** Checks the complete temporary file; throwing refuses it (it is removed). */
  check?: (tmpFile: string) => Promise<void>;
  /** Plain progress lines (start, every 10%, done). */
  onProgress?: (msg: string) => void;
  /** Byte counts as they arrive (for a progress bar); total is null when the server sends no length. */
  onBytes?: (received: number, total: number | null) => void;
  /** One line telling an offline user what to do (appended to network errors). */
  offlineHint?: string;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Whether process `pid` is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes DEST.download-PID-* files of processes that are gone. */
async function removeStale(dest: string): Promise<void> {
  const dir = path.dirname(dest);
  const prefix = `${path.basename(dest)}.download-`;
  for (const n of await fs.readdir(dir).catch(() => [] as string[])) {
    const pid = Number(n.slice(prefix.length).split('-')[0]);
    if (n.startsWith(prefix) && Number.isInteger(pid) && !alive(pid)) await fs.rm(path.join(dir, n), { force: true });
  }
}

let counter = 0;

/** Streams `url` into `tmp`, returning the byte count and MD5; throws DataError on HTTP or stream errors. */
async function fetchInto(url: string, tmp: string, o: DownloadOptions): Promise<{ bytes: number; md5: string }> {
  const name = path.basename(url);
  const hint = o.offlineHint ? `; ${o.offlineHint}` : '';
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    const c = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new DataError(`cannot download ${name} from ${url}: ${c?.code ?? c?.message ?? (e as Error).message}${hint}`);
  }
  if (!res.ok || !res.body) throw new DataError(`cannot download ${name} from ${url}: HTTP ${res.status}${hint}`);
  const lenHeader = res.headers.get('content-length');
  const total = lenHeader !== null && /^\d+$/.test(lenHeader) ? Number(lenHeader) : null;
  o.onProgress?.(`downloading ${name} from ${url}${total !== null ? ` (${mb(total)})` : ''}`);
  const hash = createHash('md5');
  const out = createWriteStream(tmp, { flags: 'wx' });
  let bytes = 0;
  let shown = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      o.onBytes?.(bytes, total);
      const tenth = total ? Math.floor((10 * bytes) / total) : 0;
      if (total && tenth > shown && tenth < 10) {
        shown = tenth;
        o.onProgress?.(`  ${tenth * 10}% ${mb(bytes)} of ${mb(total)}`);
      }
    }
  } catch (e) {
    const c = (e as { cause?: { code?: string } }).cause;
    throw new DataError(`download of ${name} from ${url} was interrupted after ${bytes} of ${total ?? '?'} bytes ` +
      `(${c?.code ?? (e as Error).message}); nothing was saved${hint}`);
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  if (total !== null && bytes !== total) {
    throw new DataError(`download of ${name} from ${url} was cut short: ${bytes} of ${total} bytes; nothing was saved${hint}`);
  }
  return { bytes, md5: hash.digest('hex') };
}

/** Downloads `url` to `dest` as the file comment says; returns dest. */
export async function downloadTo(url: string, dest: string, o: DownloadOptions = {}): Promise<string> {
  await fs.mkdir(path.dirname(dest), { recursive: true });
  await removeStale(dest);
  const tmp = `${dest}.download-${process.pid}-${counter++}`;
  const cleanup = () => rmSync(tmp, { force: true });
  process.once('exit', cleanup);
  try {
    const { bytes, md5 } = await fetchInto(url, tmp, o);
    if (o.md5 && md5 !== o.md5.toLowerCase()) {
      throw new DataError(`downloaded ${path.basename(dest)} from ${url} has MD5 ${md5}, Keras publishes ${o.md5}: refused, nothing was saved`);
    }
    await o.check?.(tmp);
    const fh = await fs.open(tmp, 'r+');
    await fh.sync();
    await fh.close();
    await fs.rename(tmp, dest);
    o.onProgress?.(`saved ${dest} (${mb(bytes)}${o.md5 ? ', MD5 as Keras publishes' : ''})`);
    return dest;
  } finally {
    await fs.rm(tmp, { force: true });
    process.removeListener('exit', cleanup);
  }
}

/** MD5 (hex) of a file. */
export async function md5File(file: string): Promise<string> {
  const h = createHash('md5');
  const fh = await fs.open(file, 'r');
  try {
    for await (const chunk of fh.createReadStream()) h.update(chunk as Buffer);
  } finally {
    await fh.close().catch(() => undefined);
  }
  return h.digest('hex');
}
