// `distcheck linearizable --html FILE`: the timeline page, without a browser (what it says) and in headless
// Chromium (what a reader sees: one lane per client, bars placed by time, the operation that cannot be placed
// and the ones concurrent with it marked, a click showing an operation's details, no network).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { parseHistory } from '../src/check/history';
import { SPECS, checkLinearizable } from '../src/check/linearizability';
import { kvHistoryEdn } from './support/kv-histories';
import { launchChromium, requireChromium, type HeadlessBrowser } from './support/browser';

const tmp = mkdtempSync(join(tmpdir(), 'distcheck-lin-html-'));
const H6 = 'test/fixtures/histories/h6-register.jsonl';
// Small Porcupine-shaped kv histories: 8 clients over 2 keys with a stale get on key "1", and 5 clients over 3 keys.
const BAD = join(tmp, 'bad.edn');
writeFileSync(BAD, kvHistoryEdn({ seed: 4, clients: 8, keys: 2, operationsPerClient: 8, staleGet: { key: '1', at: 0.6 } }));
const KV = join(tmp, 'ok.edn');
writeFileSync(KV, kvHistoryEdn({ seed: 4, clients: 5, keys: 3, operationsPerClient: 6 }));

async function html(history: string, model: string): Promise<{ code: number; file: string; text: string }> {
  const file = join(tmp, `${model}-${history.split('/').pop()}.html`);
  const code = await main(['linearizable', history, '--model', model, '--html', file], { log: () => {}, err: () => {} });
  return { code, file, text: readFileSync(file, 'utf8') };
}

describe('the timeline page', () => {
  it('draws a history that is not linearizable: the failing operation, the concurrent ones, the partial linearization', async () => {
    const { code, text } = await html(BAD, 'kv');
    expect(code).toBe(1);
    expect(text).toContain('key &quot;1&quot;: not linearizable');
    expect(text).toContain('data-verdict="not linearizable"');
    expect(text.match(/class="op[^"]*\bstuck\b/g)).toHaveLength(1);
    expect(text).toMatch(/class="op[^"]*\bconcurrent\b/);
    expect(text).toMatch(/class="order">1</);
    expect(text).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('draws every key of a linearizable history with its linearization order', async () => {
    const { code, text } = await html(KV, 'kv');
    expect(code).toBe(0);
    expect(text.match(/data-verdict="linearizable"/g)?.length).toBeGreaterThan(1);
    expect(text).not.toMatch(/\bstuck\b"/);
  });

  it('rejects --html with more than one history', async () => {
    const err: string[] = [];
    const code = await main(['linearizable', H6, KV, '--model', 'register', '--html', join(tmp, 'x.html')], {
      log: () => {},
      err: (s) => err.push(s),
    });
    expect([code, err]).toEqual([2, ['distcheck: --html draws one history: give one file']]);
  });
});

const enabled = requireChromium('render the linearizability timeline page');

describe.skipIf(!enabled)('the timeline page in headless chromium', () => {
  let chromium: HeadlessBrowser;
  beforeAll(async () => {
    chromium = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
  });

  it('shows one lane per client, bars in time order, the failing operation marked, details on a click, and loads nothing', async () => {
    const { file } = await html(BAD, 'kv');
    const page = await chromium.browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => void requests.push(r.url()));
    page.on('pageerror', (e) => void errors.push(String(e)));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    await page.setViewport({ width: 1100, height: 700 });
    await page.goto(pathToFileURL(file).href);
    // The lanes are the clients with an operation on the failing key up to the breaking line.
    const x = checkLinearizable(SPECS.kv, parseHistory(readFileSync(BAD, 'utf8'), BAD, SPECS.kv, 'edn').operations).explanation!;
    const processes = [...new Set(x.operations.map((o) => o.process))];
    const lanes = await page.$$eval('.lane', (ls) =>
      ls.map((l) => ({
        process: l.getAttribute('data-process'),
        bars: [...l.querySelectorAll('.op')].map((o) => {
          const r = o.getBoundingClientRect();
          return { left: r.left, right: r.right, width: r.width, height: r.height };
        }),
      })),
    );
    const background = (selector: string): Promise<string> =>
      page.$eval(selector, (e) => e.ownerDocument.defaultView!.getComputedStyle(e).backgroundColor);
    const layout = {
      lanes,
      colour: await background('.op.stuck'),
      plain: await background('.op:not(.stuck):not(.concurrent)'),
      concurrent: (await page.$$('.op.concurrent')).length,
    };
    expect(layout.lanes.map((l) => l.process).sort()).toEqual(processes.map(String).sort());
    for (const lane of layout.lanes)
      for (const [a, b] of lane.bars.slice(1).map((b, i) => [lane.bars[i], b])) {
        expect(a.width).toBeGreaterThan(3);
        expect(a.height).toBeGreaterThan(10);
        // A client's operations do not overlap: each starts after the previous one ended.
        expect(b.left).toBeGreaterThanOrEqual(a.right - 0.5);
      }
    expect(layout.colour).not.toBe(layout.plain);
    expect(layout.concurrent).toBeGreaterThan(0);
    await page.click('.op.stuck');
    const details = await page.$eval('#details', (e) => e.textContent ?? '');
    expect(details).toMatch(/cannot be placed next, in state/);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
