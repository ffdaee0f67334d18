// `distcheck check ./path/to/model.ts`: a model from a user's file instead of the built-in catalog. The file is
// imported as a module (TypeScript through tsx's loader, which bin/distcheck.mjs registers); its default export
// is the model, or the export named by --export. Anything else is bad input: one line, exit 2.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyModel } from '../model/model';
import { fail } from '../shared/errors';

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

export async function loadModelFile(file: string, exportName?: string): Promise<AnyModel> {
  const full = resolve(file);
  if (!existsSync(full) || !statSync(full).isFile()) fail(`no model file ${file}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
  } catch (e) {
    return fail(`cannot load ${file}: ${firstLine(e)}`);
  }
  const models = Object.keys(mod)
    .filter((k) => notAModel(mod[k]) === undefined)
    .sort((a, b) => Number(b === 'default') - Number(a === 'default') || a.localeCompare(b));
  const named = models.filter((k) => k !== 'default');
  const hint = models.length
    ? `; its models: ${models.map((k) => (k === 'default' ? 'the default export' : k)).join(', ')}${named.length ? ' (choose with --export NAME)' : ''}`
    : '; it exports no model (export default defineModel({...}))';
  const name = exportName ?? 'default';
  if (!(name in mod)) fail(`${file} has no ${exportName ? `export '${exportName}'` : 'default export'}${hint}`);
  const problem = notAModel(mod[name]);
  if (problem)
    fail(`${file}: ${exportName ? `export '${exportName}'` : 'the default export'} is not a distcheck model (${problem})${hint}`);
  return mod[name] as AnyModel;
}
