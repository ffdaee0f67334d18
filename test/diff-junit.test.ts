import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { twoPhaseCommit } from '../models/commit/two-phase-commit';
import { run } from '../src/run/run';
import { main } from '../src/cli/main';
import { diffExitCode, diffManifests, parseManifest, renderDiff, type Manifest, type ManifestConfiguration } from '../src/report/diff';
import { renderJUnit } from '../src/report/junit';

const tmp = mkdtempSync(join(tmpdir(), 'distcheck-diff-'));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const config = (name: string, over: Partial<ManifestConfiguration> = {}): ManifestConfiguration => ({
  name,
  variant: 'correct',
  expected: 'success',
  result: 'success',
  asExpected: true,
  distinctStates: 10,
  totalStates: 20,
  depth: 3,
  ...over,
});
const manifest = (...configurations: ManifestConfiguration[]): Manifest => ({ models: [{ id: 'm', configurations }] });
const bug = (over: Partial<ManifestConfiguration> = {}): ManifestConfiguration =>
  config('bug', { variant: 'b', expected: 'violation of safe', result: 'safety failure', ...over });

describe('distcheck diff', () => {
  const base = manifest(config('small'), bug(), config('old'));

  it('passes (exit 0) when only counts and configurations change, and lists them', () => {
    const d = diffManifests(base, manifest(config('small', { distinctStates: 12 }), bug(), config('new')));
    expect(diffExitCode(d)).toBe(0);
    expect(d.counts).toEqual(['m / small: distinctStates 10 → 12']);
    expect(d.added).toEqual(['m / new (correct: success)']);
    expect(d.removed).toEqual(['m / old']);
    expect(renderDiff(d)).toContain('**✓ no regression**');
  });

  it('fails (exit 1) when a correct variant breaks', () => {
    const d = diffManifests(base, manifest(config('small', { result: 'safety failure', asExpected: false }), bug(), config('old')));
    expect(diffExitCode(d)).toBe(1);
    expect(d.regressions).toEqual(['m / small: correct variant `correct` now gives safety failure']);
  });

  it('fails (exit 1) when a bug variant is no longer caught, also in a new configuration', () => {
    const d = diffManifests(
      base,
      manifest(
        config('small'),
        bug({ result: 'success', asExpected: false }),
        config('old'),
        bug({ name: 'bug2', asExpected: false, result: 'success' }),
      ),
    );
    expect(d.regressions).toEqual([
      'm / bug: no longer caught (violation of safe; got success)',
      'm / bug2: new configuration, no longer caught (violation of safe; got success)',
    ]);
    expect(renderDiff(d)).toContain('**✗ 2 configurations regressed**');
  });

  it('runs on files: exit 1 on a regression, exit 2 with one line for a file that is not a manifest', async () => {
    const b = join(tmp, 'base.json');
    const h = join(tmp, 'head.json');
    writeFileSync(b, JSON.stringify(base));
    writeFileSync(h, JSON.stringify(manifest(config('small'), bug({ asExpected: false, result: 'success' }))));
    expect((await cli('diff', b, h)).code).toBe(1);
    expect((await cli('diff', b, b)).out).toContain('**✓ no change**');
    const bad = await cli('diff', b, 'package.json');
    expect([bad.code, bad.err]).toEqual([
      2,
      "distcheck: package.json is not a distcheck manifest: expected an object with a 'models' array",
    ]);
    expect(() => parseManifest('{"models":[{"id":"m","configurations":[{"name":"x"}]}]}', 'f')).toThrow(/configurations\[0\] lacks/);
  });

  it('accepts the committed manifest', () => {
    expect(parseManifest(readFileSync('reports/manifest.json', 'utf8'), 'reports/manifest.json').models.length).toBeGreaterThan(10);
  });
});

describe('--junit', () => {
  it('writes one test case per configuration, with the counterexample as the failure text', () => {
    const missed = run({
      model: twoPhaseCommit,
      variant: 'correct',
      expect: { violates: 'consistent' },
      configuration: 'expects <a> bug & more',
    });
    const caught = run({ model: twoPhaseCommit, variant: 'heuristic-commit' });
    const broken = run({ model: twoPhaseCommit, variant: 'heuristic-commit', expect: 'pass', configuration: 'heuristic as if correct' });
    const xml = renderJUnit([
      { outcome: missed, seconds: 0.5 },
      { outcome: caught, seconds: 0.25 },
      { outcome: broken, machine: twoPhaseCommit.machine({ rms: 3 }, 'heuristic-commit'), seconds: 0.25 },
    ]);
    expect(xml).toContain('<testsuites name="distcheck" tests="3" failures="2" time="1.000">');
    expect(xml).toContain('name="expects &lt;a&gt; bug &amp; more"');
    expect(xml).toContain('<failure message="BUG MISSED: consistent was never violated" type="unexpected">');
    expect(xml).toContain('<testcase classname="two-phase-commit" name="heuristic-commit [rms=3]" time="0.250">');
    expect(xml).toContain(
      '<failure message="UNEXPECTED VIOLATION: consistent, refinesTransactionCommit" type="unexpected">UNEXPECTED VIOLATION: consistent, refinesTransactionCommit\n\ntwo-phase-commit [heuristic-commit; rms=3] violates always consistent in 3 steps',
    );
  });

  it('is written by check and report', async () => {
    const file = join(tmp, 'out', 'check.xml');
    expect((await cli('check', 'two-phase-commit', '--variant', 'heuristic-commit', '--junit', file, '--save', tmp)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('<testcase classname="two-phase-commit" name="heuristic-commit [rms=3]"');
  });
});
