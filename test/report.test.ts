import { describe, expect, it } from 'vitest';
import { MODELS } from '../src/registry';
import { renderReports, reportDrift, runAllConfigurations, tallyLine } from '../src/report';

describe('reports', () => {
  const first = renderReports(runAllConfigurations());

  it('are byte-identical across runs (no timings, no dates, fixed seeds)', () => {
    const second = renderReports(runAllConfigurations());
    expect([...second]).toEqual([...first]);
  });

  it('match the committed reports/ folder (run `npm run check` to refresh after a model change)', () => {
    expect(reportDrift('reports', first)).toEqual([]);
  });

  it('catch every bug variant and pass every correct one', () => {
    const line = tallyLine(runAllConfigurations());
    const [, caught, bugs, passed, correct] = line.match(/caught (\d+)\/(\d+) bugs, passed (\d+)\/(\d+) correct/)!.map(Number);
    expect(caught).toBe(bugs);
    expect(passed).toBe(correct);
  });

  it('list every model in the manifest with TLA+-style fields', () => {
    const manifest = JSON.parse(first.get('manifest.json')!);
    expect(manifest.models.map((m: { id: string }) => m.id)).toEqual(MODELS.map((m) => m.id));
    const tp = manifest.models.find((m: { id: string }) => m.id === 'two-phase-commit').configurations[0];
    expect(tp).toMatchObject({ mode: 'exhaustive search', result: 'success', distinctStates: 288, totalStates: 1146, depth: 11 });
  });
});
