// Shared by the UI tests: the catalog as `serve` sees it, a server on a free port, and one configuration's run.
import { MODELS } from '../../models/index';
import { requestFromConfiguration, run, type RunOutcome } from '../../src/run/run';
import type { AnyModel } from '../../src/model/model';
import { findModel } from '../../src/model/model';
import type { ModelOutcomes } from '../../src/report/run';
import type { CatalogSource } from '../../src/ui/jobs';
import { startUiServer, type UiServer } from '../../src/ui/server';

export const CATALOG_SOURCE: CatalogSource = { module: new URL('../../models/index.ts', import.meta.url).href, exportName: 'MODELS' };

export function startTestServer(): Promise<UiServer> {
  return startUiServer({ models: MODELS, catalog: CATALOG_SOURCE, port: 0, log: (line) => console.error(line) });
}

export function model(id: string): AnyModel {
  return findModel(MODELS, id);
}

/** One named configuration of a model, run as `report` runs it. */
export function runConfiguration(id: string, config: string): RunOutcome {
  const m = model(id);
  const c = m.configurations.find((x) => x.name === config);
  if (!c) throw new Error(`no configuration ${config} of ${id}`);
  return run(requestFromConfiguration(m, c));
}

/** A few configurations as `html` sees them (a full report run would take too long for a test). */
export function someOutcomes(picks: readonly (readonly [string, string])[]): ModelOutcomes[] {
  const ids = [...new Set(picks.map(([id]) => id))];
  return ids.map((id) => ({ model: model(id), outcomes: picks.filter(([m]) => m === id).map(([m, c]) => runConfiguration(m, c)) }));
}
