/**
 * Where the page's files live: the esbuild bundle in web/dist (made by scripts/build-web.mjs) and the
 * TF.js wasm binaries in node_modules (served by us, so the page needs no CDN and works offline).
 */
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

/** The package root: the nearest folder above this module with web/ or package.json. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Folder holding index.html and the bundle. */
export function webDistDir(): string {
  return path.join(packageRoot(), 'web', 'dist');
}

/** Folder holding tfjs-backend-wasm's .wasm files. */
export function wasmDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
}

export interface StaticFile {
  body: Buffer;
  type: string;
}

/**
 * Reads `name` from `dir` if it is a plain file name (no path separators, no leading dot) with a known
 * type; null otherwise or when it does not exist.
 */
export async function readStatic(dir: string, name: string): Promise<StaticFile | null> {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) return null;
  const type = TYPES[path.extname(name)];
  if (!type) return null;
  try {
    return { body: await fs.readFile(path.join(dir, name)), type };
  } catch {
    return null;
  }
}
