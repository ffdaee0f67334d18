// The trace explorer in a real browser: Debian's chromium, headless, driven by puppeteer-core. The tests run a
// check from the model list of `serve`, step through its counterexample with the keyboard and the buttons, check
// the changed fields and the highlighted diagram step at each step against the engine's own diff, take a manual
// exploration step, reopen a shared URL, and do the same on the static pages of `html` for a lasso. Screenshots
// go to reports/last-run/. No page may load anything from outside its server or its folder.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveParams } from '../src/model/params';
import { pathStates, stateChanges, type Trace } from '../src/trace/trace';
import type { UiServer } from '../src/ui/server';
import { writeHtmlSite } from '../src/ui/static';
import { exploreView, parseScope } from '../src/ui/views';
import { launchChromium, requireChromium, type HeadlessBrowser } from './support/browser';
import { model, runConfiguration, someOutcomes, startTestServer } from './support/ui';

const SHOTS = join(process.cwd(), 'reports', 'last-run');
const enabled = requireChromium('drive the trace explorer in a real browser');

/** The fields the engine says changed at each step of a trace: what the page must mark. */
function changedFields(trace: Trace): string[][] {
  const m = model(trace.model);
  const machine = m.machine(resolveParams(m, trace.params), trace.variant);
  return trace.steps.map((s, i) => (i === 0 ? [] : stateChanges(machine, trace.steps[i - 1].state, s.state).map((c) => c.field)));
}

function traceOf(modelId: string, config: string, property: string): Trace {
  return runConfiguration(modelId, config).violations.find((v) => v.property === property)!.trace;
}

interface Watch {
  readonly requests: string[];
  readonly errors: string[];
}

async function open(browser: HeadlessBrowser): Promise<{ page: Page; watch: Watch }> {
  const page = await browser.browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const watch: Watch = { requests: [], errors: [] };
  page.on('request', (r) => void watch.requests.push(r.url()));
  page.on('pageerror', (e) => void watch.errors.push((e as Error).message));
  page.on('console', (m) => void (m.type() === 'error' && watch.errors.push(m.text())));
  return { page, watch };
}

const texts = (page: Page, selector: string, attribute?: string): Promise<string[]> =>
  page.$$eval(selector, (els, a) => els.map((e) => (a ? (e.getAttribute(a) ?? '') : (e.textContent ?? '').trim())), attribute);

/** Walks a trace page from its first to its last step with → and checks each step against the engine. */
async function stepThrough(page: Page, trace: Trace, url: () => string): Promise<void> {
  const expected = changedFields(trace);
  await page.keyboard.press('Home');
  for (let i = 0; i < trace.steps.length; i++) {
    expect(await texts(page, 'ol.steps li.current', 'data-step')).toEqual([String(i + 1)]);
    expect(await texts(page, 'table.fields tr.changed', 'data-field'), `changed fields at step ${i + 1}`).toEqual(expected[i]);
    expect(await texts(page, '.position')).toEqual([`step ${i + 1} of ${trace.steps.length}`]);
    if (i > 0) {
      const highlighted = await texts(page, '.diagram .dc-current');
      expect(highlighted.length, `diagram highlight at step ${i + 1}`).toBeGreaterThan(0);
      expect(highlighted.every((t) => t.startsWith(`${i + 1}. `) || !/^\d+\. /.test(t))).toBe(true);
    }
    expect(url()).toContain(`step=${i + 1}`);
    await page.keyboard.press('ArrowRight');
  }
  expect(await texts(page, 'ol.steps li.current', 'data-step')).toEqual([String(trace.steps.length)]);
}

describe.skipIf(!enabled)('the trace explorer in headless chromium', () => {
  let chromium: HeadlessBrowser;
  let ui: UiServer;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [chromium, ui] = await Promise.all([launchChromium(), startTestServer()]);
  });
  afterAll(async () => {
    await Promise.all([chromium?.close(), ui?.close()]);
  });

  it('serve: runs a configuration, steps through its counterexample, explores one step by hand and reopens a shared state', async () => {
    const { page, watch } = await open(chromium);
    const trace = traceOf('two-phase-commit', 'rms3-heuristic-commit', 'consistent');
    expect(changedFields(trace)).toEqual([[], ['rm1', 'msgs'], ['rm1'], ['rm2']]);

    // The model list: run one configuration and follow its counterexample.
    await page.goto(ui.url);
    await page.waitForSelector('#app[data-ready="/"]');
    await page.click('section[data-model="two-phase-commit"] tr[data-config="rms3-heuristic-commit"] button.run');
    await page.waitForSelector('[data-status="done"]');
    expect(await texts(page, '.verdict')).toEqual(['✓ as expected: caught: consistent violated']);
    await page.click('.trace-links.violations a[href*="property=consistent"]');
    await page.waitForSelector('#app[data-ready="/trace"] .trace[data-diagram="ready"]');
    expect(await texts(page, 'h1')).toEqual(['two-phase-commit [heuristic-commit; rms=3] violates always consistent in 3 steps']);

    // Step through with the keyboard; then back with ← and the previous button.
    await stepThrough(page, trace, () => page.url());
    expect(await texts(page, 'table.fields tr.changed td')).toEqual(['working → aborted']);
    expect(await texts(page, '.state .verdict')).toEqual(['consistent is violated here.']);
    await page.keyboard.press('ArrowLeft');
    await page.click('#prev');
    expect(await texts(page, 'ol.steps li.current', 'data-step')).toEqual(['2']);
    expect(await texts(page, 'table.fields tr.changed td')).toEqual(['working → prepared', '{} → {Prepared(rm1)}']);
    await page.keyboard.press('ArrowRight');
    await page.screenshot({ path: join(SHOTS, 'ui-trace.png') });

    // Manual exploration from step 3: take the first enabled action, check the diff, go back.
    await page.click('a.explore-link');
    await page.waitForSelector('#app[data-ready="/explore"]');
    expect(await texts(page, 'ol.steps li')).toEqual(['1. initial state', '2. RMPrepare(rm1)', '3. RMHeuristicCommit(rm1)']);
    const at = new URL(page.url());
    const first = await page.$eval('ol.actions a.action', (a) => ({ label: a.textContent, choice: a.getAttribute('data-choice') }));
    await page.click('ol.actions a.action');
    await page.waitForSelector('#app[data-ready="/explore"]');
    const after = new URL(page.url());
    expect(after.searchParams.get('path')).toBe(`${at.searchParams.get('path')}.${first.choice}`);
    const tpc = model('two-phase-commit');
    const scope = parseScope([tpc], after.searchParams);
    const path = { init: 0, choices: after.searchParams.get('path')!.split('.').map(Number) };
    const { states } = pathStates(scope.machine, path);
    const expectedChanges = stateChanges(scope.machine, states[states.length - 2], states[states.length - 1]).map((c) => c.field);
    expect(expectedChanges.length).toBeGreaterThan(0);
    expect(await texts(page, 'table.fields tr.changed', 'data-field')).toEqual(expectedChanges);
    expect(await texts(page, 'ol.steps li.current')).toEqual([`4. ${first.label}`]);
    const view = exploreView(scope, path);
    const shown = await page.$$eval('table.properties tr', (rows) => rows.map((r) => [r.getAttribute('data-property'), r.className]));
    expect(shown).toEqual(
      view.properties.map((p) => [p.name, expect.stringMatching(p.kind === 'always' ? (p.holds ? 'ok' : 'bad') : /./)]),
    );
    await page.screenshot({ path: join(SHOTS, 'ui-explore.png') });
    const shared = await page.$eval('input.share', (i) => (i as unknown as { value: string }).value);
    await page.keyboard.press('Backspace');
    await page.waitForSelector('#app[data-ready="/explore"]');
    expect(new URL(page.url()).searchParams.get('path')).toBe(at.searchParams.get('path'));

    // The shared URL opens the same state in a fresh page.
    const other = await open(chromium);
    await other.page.goto(shared);
    await other.page.waitForSelector('#app[data-ready="/explore"]');
    expect(await texts(other.page, 'table.fields tr', 'data-field')).toEqual(view.fields.map(([f]) => f));
    expect(await texts(other.page, 'table.fields td')).toEqual(
      view.fields.map(([f, v]) => {
        const c = view.changes.find((x) => x.field === f);
        return c ? `${c.from} → ${v}` : v;
      }),
    );

    for (const w of [watch, other.watch]) {
      expect(w.errors).toEqual([]);
      expect(w.requests.filter((u) => !u.startsWith(ui.url))).toEqual([]);
    }
    await Promise.all([page.close(), other.page.close()]);
  });

  it('html: the index links each counterexample; a lasso page marks its cycle and steps through offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'distcheck-html-'));
    writeHtmlSite(
      dir,
      someOutcomes([
        ['two-phase-commit', 'rms3-heuristic-commit'],
        ['leader-election', 'n3-fixed'],
      ]),
    );
    const lasso = traceOf('leader-election', 'n3-fixed', 'leaderEventually');
    expect(lasso.loopStart).toBe(3);
    const { page, watch } = await open(chromium);
    await page.goto(pathToFileURL(join(dir, 'index.html')).href);
    expect(await texts(page, 'table.configs a')).toEqual(['consistent', 'refinesTransactionCommit', 'leaderEventually']);
    await Promise.all([page.waitForNavigation(), page.click('a[href$="n3-fixed.leaderEventually.html"]')]);
    await page.waitForSelector('.trace[data-diagram="ready"]');

    const n = lasso.steps.length;
    expect(await texts(page, 'ol.steps li.in-loop[data-step]', 'data-step')).toEqual(
      Array.from({ length: n - lasso.loopStart! }, (_, i) => String(lasso.loopStart! + 1 + i)),
    );
    expect(await texts(page, 'ol.steps li .badge.loop')).toEqual(['cycle starts']);
    expect(await texts(page, 'ol.steps li[data-step="4"] .badge.loop')).toEqual(['cycle starts']);
    expect(await texts(page, 'ol.steps li.ending')).toEqual(['↻ then back to step 4, forever (a fair cycle)']);
    expect(await texts(page, '.diagram .loopText')).toEqual(['[forever]']);

    await stepThrough(page, lasso, () => page.url());
    expect(await texts(page, '.state .verdict')).toEqual([
      'This state is the state of step 4: the cycle from there repeats forever, and leaderEventually never holds on it.',
    ]);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.screenshot({ path: join(SHOTS, 'ui-html-lasso.png') });

    expect(watch.errors).toEqual([]);
    expect(watch.requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });
});
