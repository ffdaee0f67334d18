// `distcheck html DIR`: the trace views of the browser UI as static pages, for a CI artifact. DIR/index.html
// links every counterexample of every configuration; each trace page carries its data inline and loads the
// app, its styles and mermaid from DIR/assets/ (copied from this package and node_modules), so the pages open
// from the file system with no server and no network.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appliedParams, formatParams, resolveParams } from '../model/params';
import type { ModelOutcomes } from '../report/run';
import { tallyLine } from '../report/run';
import { ASSET_FILES, escapeHtml, pageHtml } from './pages';
import { traceView } from './views';

const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-');

/** The page file of one counterexample, relative to DIR. */
export function tracePageName(model: string, configuration: string, property: string): string {
  return `${slug(model)}/${slug(configuration)}.${slug(property)}.html`;
}

/** Writes DIR/index.html, one page per counterexample and the assets; returns the pages written (relative to DIR). */
export function writeHtmlSite(dir: string, all: readonly ModelOutcomes[]): string[] {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  for (const [name, file] of Object.entries(ASSET_FILES)) copyFileSync(file, join(dir, 'assets', name));
  const pages: string[] = [];
  const sections = all.map(({ model, outcomes }) => {
    const rows = outcomes.map((o) => {
      const machine = model.machine(resolveParams(model, o.params), o.variant);
      const links = o.violations.map((v) => {
        const name = tracePageName(model.id, o.configuration ?? o.variant, v.property);
        const view = traceView(model, machine, v.trace);
        mkdirSync(join(dir, slug(model.id)), { recursive: true });
        writeFileSync(
          join(dir, name),
          pageHtml({
            title: view.title,
            assets: '../assets/',
            data: { page: 'trace', view, configuration: o.configuration, index: '../index.html' },
          }),
        );
        pages.push(name);
        const shape = v.trace.loopStart !== undefined ? 'lasso, ' : v.trace.stutter ? 'stuck, ' : '';
        return `<a href="${escapeHtml(name)}">${escapeHtml(v.property)}</a> <span class="muted">(${shape}${v.trace.steps.length - 1} steps)</span>`;
      });
      return [
        `<tr class="${o.asExpected ? 'row-ok' : 'row-bad'}">`,
        `<td>${o.asExpected ? '✓' : '✗'}</td>`,
        `<td>${escapeHtml(o.configuration ?? '')}</td>`,
        `<td>${escapeHtml(o.variant)}</td>`,
        `<td>${escapeHtml(formatParams(appliedParams(model, o.params)))}</td>`,
        `<td>${escapeHtml(o.verdict)}</td>`,
        `<td class="num">${o.distinctStates.toLocaleString('en-US')}</td>`,
        `<td>${links.join('<br>') || '<span class="muted">none</span>'}</td>`,
        '</tr>',
      ].join('');
    });
    return [
      `<section class="panel model" id="${escapeHtml(slug(model.id))}">`,
      `<h2>${escapeHtml(model.title)} <code>${escapeHtml(model.id)}</code></h2>`,
      `<p class="muted">${escapeHtml(model.source)}</p>`,
      '<table class="configs"><thead><tr><th></th><th>configuration</th><th>variant</th><th>parameters</th><th>verdict</th><th>distinct states</th><th>counterexamples</th></tr></thead>',
      `<tbody>${rows.join('\n')}</tbody></table>`,
      '</section>',
    ].join('\n');
  });
  const body = [
    '<h1>distcheck: counterexamples</h1>',
    `<p>${escapeHtml(tallyLine(all))}. Every configuration of every model, with a step-through page per counterexample.</p>`,
    ...sections,
  ].join('\n');
  writeFileSync(join(dir, 'index.html'), pageHtml({ title: 'distcheck: counterexamples', assets: 'assets/', body, scripts: false }));
  return pages;
}
