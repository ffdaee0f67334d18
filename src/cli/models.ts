// What a command works on: the catalog the command line was started with (an argument of main), or the
// models of files the user names. A mistyped id gets a suggestion, not the whole list.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModuleRef } from '../check/parallel';
import { loadEntries, type CatalogEntry, type LazyCatalog } from '../model/catalog';
import type { AnyModel } from '../model/model';
import { fail } from '../shared/errors';
import { isModelFile, loadModelFile, loadModelsOfFile, modelOrigin } from './load-model';

/** The catalog main runs on, and the module worker threads load it from (a module exporting a loaded Catalog). */
export interface App {
  readonly catalog: LazyCatalog;
  readonly catalogModule: ModuleRef;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/** The entry with this id; else one line with the nearest id, or the file the user probably meant. */
export function findEntry<T>(entries: readonly CatalogEntry<T>[], id: string, what = 'model'): CatalogEntry<T> {
  const found = entries.find((e) => e.id === id);
  if (found) return found;
  const file = ['.ts', '.js', '.mts', '.mjs'].map((ext) => `./${id}${ext}`).find((f) => existsSync(f));
  if (file) fail(`unknown ${what} '${id}'; for the file, write ${file}`);
  const near = entries
    .map((e) => ({ id: e.id, d: distance(id, e.id) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(id.length / 4)) || x.id.startsWith(id))
    .sort((a, b) => a.d - b.d);
  return fail(`unknown ${what} '${id}'${near.length ? ` (did you mean ${near[0].id}?)` : ''}; 'distcheck list' shows them all`);
}

/** A catalog model by id, or a user's model from a file (its default export, or --export NAME). */
export async function modelArg(app: App, arg: string, exportName?: string): Promise<AnyModel> {
  if (isModelFile(arg)) return loadModelFile(arg, exportName);
  if (exportName !== undefined) fail(`--export needs a model file (./path/to/model.ts), got '${arg}'`);
  return findEntry(app.catalog.models, arg).load();
}

/** Every model of the given files, or every model of the catalog when none is given. */
export async function modelsOf(app: App, files: readonly string[]): Promise<AnyModel[]> {
  if (!files.length) return loadEntries(app.catalog.models);
  for (const f of files) if (!isModelFile(f)) fail(`'${f}' is not a model file (a path such as ./my-model.ts)`);
  return (await Promise.all(files.map((f) => loadModelsOfFile(f)))).flat();
}

/** The module a worker thread imports the model from: the user's file, or the catalog's module. */
export function workerModule(app: App, model: AnyModel): ModuleRef {
  const origin = modelOrigin(model);
  return origin ? { module: pathToFileURL(resolve(origin.file)).href, exportName: origin.exportName } : app.catalogModule;
}
