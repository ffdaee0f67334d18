// The HTML around the browser app: one shell for every page of `serve`, and the static pages of `html DIR`
// (a trace page carries its data inline, so it opens from the file system with no server and no network).
// Scripts and styles are files next to this one (assets/) and mermaid's single-file build: the copy the build puts
// in dist/ (the installed package has no mermaid dependency), or node_modules' in the repository.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

// From src/ui/ and from the bundle (dist/cli/ or dist/chunks/) alike, the package root is two folders up.
const ASSETS = new URL('../../src/ui/assets/', import.meta.url);

/** The files a page loads, by the name it loads them under. */
export const ASSET_FILES: Readonly<Record<string, string>> = {
  'app.js': fileURLToPath(new URL('app.js', ASSETS)),
  'style.css': fileURLToPath(new URL('style.css', ASSETS)),
  get 'mermaid.min.js'(): string {
    const built = fileURLToPath(new URL('../mermaid.min.js', import.meta.url));
    return existsSync(built) ? built : require.resolve('mermaid/dist/mermaid.min.js');
  },
};

export function readAsset(name: string): Buffer {
  return readFileSync(ASSET_FILES[name]);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element: no `<` can close it or open a comment. */
function inlineJson(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export interface PageOptions {
  readonly title: string;
  /** Prefix of the asset URLs: `/assets/` for the server, a relative folder for static pages. */
  readonly assets: string;
  /** Data the app renders without asking a server (static trace pages). */
  readonly data?: unknown;
  /** Pre-rendered content of <main> (static index). */
  readonly body?: string;
  /** Whether the page needs the app and mermaid (the static index does not). */
  readonly scripts?: boolean;
}

export function pageHtml(o: PageOptions): string {
  const scripts = o.scripts ?? true;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(o.title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="${o.assets}style.css">`,
    '</head>',
    '<body>',
    `<main id="app">${o.body ?? ''}</main>`,
    ...(o.data !== undefined ? [`<script type="application/json" id="distcheck-data">${inlineJson(o.data)}</script>`] : []),
    ...(scripts ? [`<script src="${o.assets}mermaid.min.js"></script>`, `<script src="${o.assets}app.js"></script>`] : []),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
