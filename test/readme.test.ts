// The README's model table is checked against the catalog, so it cannot drift from what `npm run check` runs,
// and every repository path it names must exist.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index';

function modelFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? modelFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [e.name.replace(/\.ts$/, '')] : [],
  );
}

/** The first-column ids of the table that follows "Models so far:". */
function tableIds(readme: string): string[] {
  const start = readme.indexOf('Models so far:');
  const rows = readme.slice(start).split('\n').slice(1);
  const ids: string[] = [];
  let inTable = false;
  for (const row of rows) {
    if (row.startsWith('|')) inTable = true;
    else if (inTable) break;
    const m = /^\| `([a-z0-9-]+)`/.exec(row);
    if (m) ids.push(m[1]);
  }
  return ids;
}

describe('README', () => {
  const ids = tableIds(readFileSync('README.md', 'utf8'));

  it('lists every registered model in its model table', () => {
    const missing = MODELS.map((m) => m.id).filter((id) => !ids.includes(id));
    expect(missing, 'add a row to the "Models so far" table').toEqual([]);
  });

  it('lists nothing that is neither a registered model nor a file in models/', () => {
    const known = new Set([...MODELS.map((m) => m.id), ...modelFiles('models')]);
    expect(ids.filter((id) => !known.has(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names only repository paths that exist', () => {
    const readme = readFileSync('README.md', 'utf8');
    const roots = 'src|models|test|properties|impl|templates|scripts|bin|docs|reports|\\.ci|\\.github';
    const named = [...readme.matchAll(new RegExp(`(?<![\\w./-])(?:${roots})/[\\w./-]*[\\w/]`, 'g'))].map((m) => m[0]);
    // Paths that a command creates (reports/last-run/) or that stand for a user's file are not in the repository.
    const made = /^reports\/(last-run|bench)|\/my-/;
    const missing = [...new Set(named)].filter((p) => !made.test(p) && !existsSync(p));
    expect(missing).toEqual([]);
    expect(named.length).toBeGreaterThan(20);
  });
});
