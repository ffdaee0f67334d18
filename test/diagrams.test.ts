// The reports' diagrams as a reviewer sees them. Without a browser: every sequence diagram numbers each arrow and
// note once, with the numbers of its step table, declares only participants that act, and speaks plain words, not
// action names. In headless Chromium with the mermaid package: every block under reports/ parses and renders,
// every chart series stands out from its background, and a fixture of broken blocks shows that these checks fail.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { MODELS } from '../models/index';
import { resolveParams } from '../src/model/params';
import { launchChromium, requireChromium, type HeadlessBrowser } from './support/browser';
import {
  blockName,
  contrast,
  loadMermaid,
  mermaidBlocks,
  renderBlocks,
  screenshotBlock,
  type MermaidBlock,
  type Rendered,
} from './support/mermaid';
import { readFileSync } from 'node:fs';

const blocks = mermaidBlocks('reports', ['last-run']);
const fixtures = mermaidBlocks('test/fixtures/diagrams');
// Traces only: a history checker's timeline (marked by its comment) has no step table.
const sequences = blocks.filter((b) => /^sequenceDiagram$/m.test(b.text) && !b.text.includes('%% history timeline'));

/** Arrows and notes of a sequence diagram, with the label after the colon; the last note is the verdict. */
function events(b: MermaidBlock): { line: string; actors: string[]; label: string }[] {
  return b.text
    .split('\n')
    .map((line) => {
      const arrow = /^\s*(\S+?)->>(\S+?): (.*)$/.exec(line);
      if (arrow) return { line, actors: [arrow[1], arrow[2]], label: arrow[3] };
      const note = /^\s*Note over ([^:]+): (?:wrap: )?(.*)$/.exec(line);
      return note ? { line, actors: note[1].split(',').map((a) => a.trim()), label: note[2] } : null;
    })
    .filter((e) => e !== null);
}

/** Step numbers of the step table that follows a block in its file. */
function tableSteps(b: MermaidBlock): Set<number> {
  const text = readFileSync(`reports/${b.file}`, 'utf8');
  let at = 0;
  for (let i = 0; i < b.index; i++) at = text.indexOf('```mermaid', at) + 1;
  const after = text.slice(text.indexOf('\n```\n', at));
  const table = after.slice(0, after.indexOf('\n\n', after.indexOf('| # |')));
  return new Set([...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1])));
}

/** Action names that are not one plain word (e.g. TMSendDecision, CCanCommit), per model id. */
const compoundActionNames = new Map(
  MODELS.map((model) => {
    const names = model.configurations.flatMap((c) => model.machine(resolveParams(model, c.params ?? {}), c.variant).actionNames);
    return [model.id, new Set(names.filter((n) => !/^[A-Z]?[a-z]+$/.test(n)))];
  }),
);

describe('sequence diagrams in reports/', () => {
  it('exist (the checks below are not vacuous)', () => {
    expect(sequences.length).toBeGreaterThan(40);
  });

  it('number every arrow and note exactly once, in order, with the step numbers of the step table', () => {
    const bad: string[] = [];
    for (const b of sequences) {
      const steps = tableSteps(b);
      const numbered = events(b).slice(0, -1);
      let last = 1;
      for (const e of numbered) {
        const n = /^(\d+)\. (?!\d+\. )/.exec(e.label);
        if (!n || Number(n[1]) <= last || !steps.has(Number(n[1]))) bad.push(`${blockName(b)}: ${e.line.trim()}`);
        else last = Number(n[1]);
      }
      if (steps.size === 0) bad.push(`${blockName(b)}: no step table after it`);
    }
    expect(bad).toEqual([]);
  });

  it('give a column only to participants that take part', () => {
    const idle: string[] = [];
    for (const b of sequences) {
      const acting = new Set(
        events(b)
          .slice(0, -1)
          .flatMap((e) => e.actors),
      );
      for (const [, p] of b.text.matchAll(/^\s*participant (\S+)$/gm)) if (!acting.has(p)) idle.push(`${blockName(b)}: ${p}`);
    }
    expect(idle).toEqual([]);
  });

  it('say what happens in plain words: action names stay in the step table', () => {
    const named: string[] = [];
    for (const b of sequences) {
      const actions = compoundActionNames.get(b.file.replace(/\.md$/, '')) ?? new Set<string>();
      for (const e of events(b)) for (const w of e.label.split(/[^A-Za-z0-9_]+/)) if (actions.has(w)) named.push(`${blockName(b)}: ${w}`);
    }
    expect(named).toEqual([]);
  });
});

/** Parse and render errors, named by file and block. */
const renderErrors = (bs: readonly MermaidBlock[], rs: readonly Rendered[]): string[] =>
  bs.flatMap((b, i) => (rs[i].error !== undefined ? [`${blockName(b)}: ${rs[i].error}`] : []));

// WCAG's minimum for graphical objects; GitHub's dark page is #0d1117, Mermaid's dark chart background #333.
const MIN_CONTRAST = 3;
const DARK_PAGE = '#0d1117';

/** Series drawn with less than 3:1 contrast against the chart's background (and, in the dark theme, the page). */
function lowContrast(bs: readonly MermaidBlock[], rs: readonly Rendered[], theme: 'default' | 'dark'): string[] {
  const out: string[] = [];
  bs.forEach((b, i) => {
    const r = rs[i];
    if (r.kind !== 'xychart') return;
    const backgrounds = [r.background ?? (theme === 'dark' ? '#333333' : '#ffffff'), ...(theme === 'dark' ? [DARK_PAGE] : [])];
    for (const color of r.series)
      for (const bg of backgrounds) {
        const ratio = contrast(color, bg);
        if (ratio < MIN_CONTRAST) out.push(`${blockName(b)} (${theme}): ${color} on ${bg} is ${ratio.toFixed(2)}:1`);
      }
  });
  return out;
}

const haveBrowser = requireChromium('render the Mermaid blocks of reports/ in a browser');

describe.skipIf(!haveBrowser)('every Mermaid block, rendered by mermaid in headless Chromium', () => {
  let chromium: HeadlessBrowser | undefined;
  let page: Page;
  let light: Rendered[];
  let dark: Rendered[];
  let charts: MermaidBlock[];
  let fixtureLight: Rendered[];
  let network: { readonly blocked: readonly string[] };

  beforeAll(async () => {
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    network = await loadMermaid(page);
    light = await renderBlocks(page, blocks, 'default');
    charts = blocks.filter((_, i) => light[i].kind === 'xychart');
    dark = await renderBlocks(page, charts, 'dark');
    fixtureLight = await renderBlocks(page, fixtures, 'default');
  });
  afterAll(async () => chromium?.close());

  it('parses and renders every block under reports/', () => {
    expect(blocks.length).toBeGreaterThan(40);
    expect(renderErrors(blocks, light)).toEqual([]);
    expect(renderErrors(charts, dark)).toEqual([]);
  });

  it('renders offline: the page asked the network for nothing', () => {
    expect(network.blocked).toEqual([]);
  });

  it('draws every chart series with at least 3:1 contrast, on white and in the dark theme', () => {
    expect(charts.length).toBeGreaterThanOrEqual(4);
    const lightCharts = blocks.map((b, i) => [b, light[i]] as const).filter(([, r]) => r.kind === 'xychart');
    for (const [, r] of lightCharts) expect(r.series.length).toBeGreaterThan(0);
    expect(lowContrast(blocks, light, 'default')).toEqual([]);
    expect(lowContrast(charts, dark, 'dark')).toEqual([]);
  });

  it('gives every chart a legend that names each series', () => {
    charts.forEach((b, i) => {
      const names = [...b.text.matchAll(/^\s*(?:line|bar) "([^"]+)"/gm)].map((m) => m[1]);
      expect(names.length, blockName(b)).toBeGreaterThan(0);
      expect(dark[i].legend, blockName(b)).toEqual(names);
    });
  });

  it('keeps sequence diagrams of up to eight participants narrow enough for a ~900 px column', () => {
    // sequenceLayout fits eight columns of 100 px boxes into about 900 px; beyond that a diagram must grow.
    const participants = (b: MermaidBlock): number => b.text.match(/^\s*participant /gm)?.length ?? 0;
    const wide = blocks.filter((b, i) => light[i].kind === 'sequence' && participants(b) <= 8 && light[i].width > 1000);
    expect(wide.map(blockName)).toEqual([]);
  });

  it('fails on the broken fixture blocks, naming the file and block', () => {
    expect(renderErrors(fixtures, fixtureLight)).toEqual([expect.stringMatching(/^broken\.md block #1: .*Parse error/s)]);
    expect(lowContrast(fixtures, fixtureLight, 'default')).toEqual([
      expect.stringMatching(/^broken\.md block #2 \(default\): rgb\(236, 236, 255\)/),
    ]);
  });

  it('saves PNGs of the keys-moved chart and of the widest sequence diagram under reports/last-run/', async () => {
    mkdirSync('reports/last-run', { recursive: true });
    const keysMoved = blocks.find((b) => b.text.includes('title "Keys moved'));
    expect(keysMoved).toBeDefined();
    await screenshotBlock(page, keysMoved!, 'reports/last-run/keys-moved-chart.png');
    const widest = blocks.reduce(
      (w, b, i) => (light[i].kind === 'sequence' && light[i].width > light[blocks.indexOf(w)].width ? b : w),
      sequences[0],
    );
    await screenshotBlock(page, widest, 'reports/last-run/widest-sequence-diagram.png');
    console.log(`widest sequence diagram: ${blockName(widest)}, ${Math.round(light[blocks.indexOf(widest)].width)} px`);
  });
});
