import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index';
import { loadLab } from '../models/lab';
import { findModel } from '../src/model/model';
import { reportDrift } from '../src/report/files';
import { renderReports } from '../src/report/render';
import { runAllConfigurations, variantTally } from '../src/report/run';
import { runConfigurations } from '../src/run/testing';

// One full run serves every test here, shared with the model tests that ran in the same worker.
const all = MODELS.map((model) => ({ model, outcomes: runConfigurations(model) }));
// The committed reports are the lab's: the shipped catalog's models and figures, and the lab's figures.
const files = await renderReports(all, await loadLab());

describe('reports', () => {
  it('match the committed reports/ folder (run `npm run check` to refresh after a model change)', () => {
    expect(reportDrift('reports', files)).toEqual([]);
  });

  it('are byte-identical across runs, random walks included (no timings, no dates, fixed seeds)', async () => {
    const again = await renderReports(runAllConfigurations([findModel(MODELS, 'two-phase-commit')]), await loadLab());
    expect(again.get('two-phase-commit.md')).toBe(files.get('two-phase-commit.md'));
  });

  it('catch every expected violation and pass every correct configuration', () => {
    const t = variantTally(all);
    expect(t.caught).toBe(t.bugs);
    expect(t.passed).toBe(t.correct);
  });

  it('list every model in the manifest with TLA+-style fields', () => {
    const manifest = JSON.parse(files.get('manifest.json')!);
    expect(manifest.models.map((m: { id: string }) => m.id)).toEqual(MODELS.map((m) => m.id));
    const tp = manifest.models.find((m: { id: string }) => m.id === 'two-phase-commit').configurations[0];
    expect(tp).toMatchObject({ mode: 'exhaustive search', result: 'success', distinctStates: 288, totalStates: 1146, depth: 11 });
  });

  it('compare two- and three-phase commit side by side', () => {
    const index = files.get('README.md')!;
    expect(index).toContain('| blocks when the coordinator crashes? | yes: prepared RMs wait forever');
    expect(index).toContain('| consistent under a partition? (2PC checked with 2 RMs) | yes (but it blocks)');
    expect(index).toContain('no: one side commits, the other aborts');
  });
});
