/**
 * The rooms of src/ and their order: a room imports only from rooms below it (or from itself), and no
 * two files import each other, directly or round a circle. A new room goes into ROOMS at its level.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Lowest first. Files directly under src/ (errors, args, api-types) are the base; index.ts the top. */
const ROOMS = [
  'base', 'backend', 'models', 'cost', 'data', 'engine', 'format', 'run', 'weights', 'evaluate', 'train', 'quantize',
  'export', 'serve', 'bench', 'cli', 'index',
];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : n.endsWith('.ts') ? [p] : [];
  });
}

function roomOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  if (rel.length > 1) return rel[0];
  return rel[0] === 'index.ts' ? 'index' : 'base';
}

/** Relative imports of a file (type-only ones too: they tie the rooms as tightly). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)\.js'/gm)) {
    out.push(path.resolve(path.dirname(file), m[1]) + '.ts');
  }
  return out;
}

const files = tsFiles(SRC);

test('every room of src/ is in the list of rooms', () => {
  const unknown = [...new Set(files.map(roomOf))].filter((r) => !ROOMS.includes(r));
  assert.deepEqual(unknown, []);
});

test('no room imports from a room above it', () => {
  const bad: string[] = [];
  for (const f of files) {
    const from = ROOMS.indexOf(roomOf(f));
    for (const t of importsOf(f)) {
      const to = ROOMS.indexOf(roomOf(t));
      if (roomOf(t) !== roomOf(f) && to >= from) bad.push(`${path.relative(SRC, f)} -> ${path.relative(SRC, t)}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('no import circle between files', () => {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
  const state = new Map<string, 1 | 2>(); // 1: on the path, 2: done
  const circles: string[] = [];
  const visit = (f: string, trail: string[]): void => {
    state.set(f, 1);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 1) circles.push([...trail.slice(trail.indexOf(t)), t].map((p) => path.relative(SRC, p)).join(' -> '));
      else if (!state.has(t)) visit(t, [...trail, t]);
    }
    state.set(f, 2);
  };
  for (const f of files) if (!state.has(f)) visit(f, [f]);
  assert.deepEqual(circles, []);
});
