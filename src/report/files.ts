// The reports folder on disk: read, write, and the drift check that `npm test` runs against a fresh rendering.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Files under reports/ that `check` does not generate (bench pages, real-cluster runs, last-run/), and so not part of the drift check. */
const isUntracked = (rel: string): boolean => rel.startsWith('bench') || rel.startsWith('real-clusters') || rel.startsWith('last-run/');

function listFiles(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(listFiles(full));
    else out.push(full);
  }
  return out;
}

/** Generated files currently on disk (not bench.md, not the traces `check` saves under last-run/). */
export function readReports(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const full of listFiles(dir)) {
    const rel = relative(dir, full).split('\\').join('/');
    if (!isUntracked(rel)) files.set(rel, readFileSync(full, 'utf8'));
  }
  return files;
}

/**
 * Writes the reports and removes generated files that no longer exist: only what `report` writes (the files at
 * the top of `dir` and under traces/), so that other folders in it, such as shards' reports, are left alone.
 */
export function writeReports(dir: string, files: Map<string, string>): void {
  const generated = (rel: string): boolean => !rel.includes('/') || rel.startsWith('traces/');
  for (const rel of readReports(dir).keys()) if (!files.has(rel) && generated(rel)) rmSync(join(dir, rel));
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

/** Paths whose committed text differs from a fresh rendering (added, removed or changed). */
export function reportDrift(dir: string, files: Map<string, string>): string[] {
  const onDisk = readReports(dir);
  const drift: string[] = [];
  for (const [rel, text] of files) if (onDisk.get(rel) !== text) drift.push(rel);
  for (const rel of onDisk.keys()) if (!files.has(rel)) drift.push(rel);
  return drift.sort();
}
