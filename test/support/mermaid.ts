// Renders Mermaid blocks the way a reviewer sees them: the `mermaid` package from node_modules, loaded into one
// headless Chromium page (no network), every block parsed and rendered there. Used by test/diagrams.test.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';

export interface MermaidBlock {
  /** Path of the Markdown file, relative to the folder searched. */
  readonly file: string;
  /** 1-based position among the file's Mermaid blocks. */
  readonly index: number;
  readonly text: string;
}

/** Every ```mermaid block of every Markdown file under `dir` (sorted by path), skipping `skip` folders. */
export function mermaidBlocks(dir: string, skip: readonly string[] = []): MermaidBlock[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const rel = relative(dir, full).split('\\').join('/');
      if (statSync(full).isDirectory()) {
        if (!skip.includes(rel)) walk(full);
      } else if (name.endsWith('.md')) files.push(full);
    }
  };
  walk(dir);
  return files.flatMap((full) => {
    const file = relative(dir, full).split('\\').join('/');
    const blocks = [...readFileSync(full, 'utf8').matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)];
    return blocks.map((m, i) => ({ file, index: i + 1, text: m[1] }));
  });
}

export const blockName = (b: MermaidBlock): string => `${b.file} block #${b.index}`;

export interface Rendered {
  readonly error?: string;
  /** The diagram's natural size in px (its viewBox), as a page shows it when the column is wide enough. */
  readonly width: number;
  readonly height: number;
  readonly kind: string;
  /** For xycharts: the chart's background fill and the colour each series is drawn in (stroke or fill). */
  readonly background?: string;
  readonly series: readonly string[];
  readonly legend: readonly string[];
}

/**
 * Prepares the page: an empty document with mermaid loaded from node_modules, and the helpers of mermaid-page.js.
 * The page may not reach the network: every request other than inline data is aborted and listed in the result.
 */
export async function loadMermaid(page: Page): Promise<{ readonly blocked: readonly string[] }> {
  const blocked: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    const url = r.url();
    if (url.startsWith('data:') || url === 'about:blank') void r.continue();
    else {
      blocked.push(url);
      void r.abort();
    }
  });
  const require = createRequire(import.meta.url);
  await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body><div id="stage"></div></body></html>');
  await page.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') });
  await page.addScriptTag({ path: fileURLToPath(new URL('./mermaid-page.js', import.meta.url)) });
  return { blocked };
}

/**
 * Renders every block with one theme, in one round trip. Each result says what a reader would see: an error
 * message, or the size of the drawing and, for charts, the colours of its series and background.
 */
export async function renderBlocks(page: Page, blocks: readonly MermaidBlock[], theme: 'default' | 'dark'): Promise<Rendered[]> {
  const texts = blocks.map((b) => b.text);
  return (await page.evaluate(`renderMermaidTexts(${JSON.stringify(texts)}, ${JSON.stringify(theme)})`)) as Rendered[];
}

/** Renders one block on a white background at its natural size and saves a PNG of it. */
export async function screenshotBlock(page: Page, block: MermaidBlock, path: `${string}.png`): Promise<void> {
  await page.setViewport({ width: 2000, height: 1200 });
  await page.evaluate(`showMermaidText(${JSON.stringify(block.text)})`);
  const stage = await page.$('#stage');
  await stage!.screenshot({ path });
  await page.evaluate('clearMermaidStage()');
}

/** WCAG relative luminance of a CSS colour (`#rgb`, `#rrggbb`, `rgb(r, g, b)` or a few names). */
export function luminance(css: string): number {
  const named: Record<string, string> = { white: '#ffffff', black: '#000000' };
  const c = (named[css.trim().toLowerCase()] ?? css).trim();
  let rgb: number[];
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c);
  const fn = /^rgba?\(\s*(\d+)[,\s]+(\d+)[,\s]+(\d+)/i.exec(c);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((x) => x + x).join('') : hex[1];
    rgb = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  } else if (fn) rgb = [fn[1], fn[2], fn[3]].map(Number);
  else throw new Error(`cannot read colour ${css}`);
  const [r, g, b] = rgb.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
