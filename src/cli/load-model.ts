// `distcheck check ./path/to/model.ts`: a model from a user's file instead of the built-in catalog. The file is
// imported as a module (TypeScript through tsx's loader, registered here on the first .ts file, so that runs
// without one never load tsx); its default export is the model, or the export named by --export. Anything
// else is bad input: one line, exit 2. The model comes back guarded: an exception in it is a ModelError.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { guardModel } from '../model/guard';
import type { AnyModel } from '../model/model';
import { fail } from '../shared/errors';

/** Where a model came from: the file (as given) and the export. Recorded in saved traces. */
export interface ModelFileRef {
  readonly file: string;
  readonly exportName: string;
}

const origins = new WeakMap<AnyModel, ModelFileRef>();

/** The file a loaded model came from, or undefined for a catalog model. */
export const modelOrigin = (model: AnyModel): ModelFileRef | undefined => origins.get(model);

let typescript: Promise<void> | undefined;

/** Registers tsx's loader (ESM and CommonJS) once; from the sources it already is (bin/distcheck.mjs). */
function ensureTypeScript(): Promise<void> {
  if (import.meta.url.endsWith('.ts')) return Promise.resolve();
  typescript ??= (async () => {
    const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
    esm.register();
    cjs.register();
  })();
  return typescript;
}

/** A path rather than a catalog id: it has a directory separator or a script extension. */
export const isModelFile = (arg: string): boolean => /[\\/]/.test(arg) || /\.[cm]?[jt]sx?$/.test(arg);

/** Why a value is not a model (defineModel's result), or undefined when it is one. */
function notAModel(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `it is ${value === null ? 'null' : typeof value}`;
  const m = value as Record<string, unknown>;
  if (typeof m.id !== 'string') return 'it has no string id';
  if (typeof m.machine !== 'function') return 'it has no machine function';
  if (!Array.isArray(m.variants)) return 'it has no variants';
  if (!Array.isArray(m.configurations)) return 'it has no configurations';
  if (typeof m.params !== 'object' || m.params === null) return 'it has no params';
  return undefined;
}

/** The error on one line: its first line, and the next one too when the first only announces it (esbuild's "Transform failed with 1 error:"). */
function firstLine(e: unknown): string {
  const lines = (e instanceof Error ? e.message : String(e)).trim().split('\n');
  return lines[0].endsWith(':') && lines.length > 1 ? `${lines[0]} ${lines[1].trim()}` : lines[0];
}

async function importFile(file: string): Promise<Record<string, unknown>> {
  const full = resolve(file);
  if (!existsSync(full) || !statSync(full).isFile()) fail(`no model file ${file}`);
  if (/\.[cm]?tsx?$/.test(full)) await ensureTypeScript();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
  } catch (e) {
    return fail(`cannot load ${file}: ${firstLine(e)}`);
  }
  // A CommonJS file (a .ts in a package without "type": "module") arrives as { default: module.exports }.
  const inner = mod.default as Record<string, unknown> | undefined;
  const commonJs = Object.keys(mod).length === 1 && typeof inner === 'object' && inner !== null && notAModel(inner) !== undefined;
  return commonJs && exportedModels(inner).length ? inner : mod;
}

function guarded(model: AnyModel, file: string, exportName: string): AnyModel {
  const g = guardModel(model);
  origins.set(g, { file, exportName });
  return g;
}

/** Every model a file exports (the default export first, a model exported twice once). */
export async function loadModelsOfFile(file: string): Promise<AnyModel[]> {
  const mod = await importFile(file);
  const names = exportedModels(mod);
  if (!names.length) fail(`${file} exports no model (export default defineModel({...}))`);
  const seen = new Set<unknown>();
  return names.filter((k) => !seen.has(mod[k]) && seen.add(mod[k])).map((k) => guarded(mod[k] as AnyModel, file, k));
}

function exportedModels(mod: Record<string, unknown>): string[] {
  return Object.keys(mod)
    .filter((k) => notAModel(mod[k]) === undefined)
    .sort((a, b) => Number(b === 'default') - Number(a === 'default') || a.localeCompare(b));
}

export async function loadModelFile(file: string, exportName?: string): Promise<AnyModel> {
  const mod = await importFile(file);
  const models = exportedModels(mod);
  const named = models.filter((k) => k !== 'default');
  const hint = models.length
    ? `; its models: ${models.map((k) => (k === 'default' ? 'the default export' : k)).join(', ')}${named.length ? ' (choose with --export NAME)' : ''}`
    : '; it exports no model (export default defineModel({...}))';
  const name = exportName ?? 'default';
  if (!(name in mod)) fail(`${file} has no ${exportName ? `export '${exportName}'` : 'default export'}${hint}`);
  const problem = notAModel(mod[name]);
  if (problem)
    fail(`${file}: ${exportName ? `export '${exportName}'` : 'the default export'} is not a distcheck model (${problem})${hint}`);
  return guarded(mod[name] as AnyModel, file, name);
}
