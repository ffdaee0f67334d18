// The report's "Rolling upgrades" table and the version labels of sequence diagrams, against real runs of the
// upgrade models (all their configurations but raise-r-first-overlapping, 14,301 states, left out for time).
import { describe, expect, it } from 'vitest';
import { nwrReconfigure } from '../models/upgrades/nwr-reconfigure';
import { snowflakeLayout } from '../models/upgrades/snowflake-layout';
import type { Machine } from '../src/model/model';
import templateModel from '../templates/template-model';
import {
  describeRollout,
  initialVersions,
  isRollingUpgrade,
  versionActionNames,
  withVersions,
  type Rollout,
  type VersionAction,
  type VersionState,
} from '../src/model/versions';
import { renderReports } from '../src/report/render';
import { requestFromConfiguration, run } from '../src/run/run';
import { buildTrace, renderMermaid, sequenceLayout } from '../src/trace/trace';

// A toy protocol without a view: node A takes one step; any node may upgrade to v2.
interface Toy {
  readonly versions: VersionState;
  readonly steps: number;
}
type Step = { readonly name: 'Step'; readonly node: string };
const toyMachine = (): Machine<Toy, Step | VersionAction> => {
  const rollout: Rollout = { nodes: ['A', 'B', 'C'], last: 2, order: 'any' };
  return withVersions<Toy, Step>(
    rollout,
    {},
    {
      init: [{ versions: initialVersions(rollout), steps: 0 }],
      actions: (s) => (s.steps < 1 ? [{ name: 'Step', node: 'A' }] : []),
      next: (s) => ({ ...s, steps: s.steps + 1 }),
      properties: [],
      actionNames: ['Step'],
      formatAction: (a) => `Step(${a.node})`,
    },
  );
};
const models = [nwrReconfigure, snowflakeLayout];
const all = models.map((model) => ({
  model,
  outcomes: model.configurations.filter((c) => c.name !== 'raise-r-first-overlapping').map((c) => run(requestFromConfiguration(model, c))),
}));
const files = await renderReports(all, { models, comparisons: [], figures: [] });

/** The lines of a Markdown section, from its heading to the next one. */
function section(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start, end === -1 ? undefined : end);
}

/** The first Mermaid block under a heading. */
function diagramAfter(text: string, heading: string): string {
  const from = text.indexOf(heading);
  const start = text.indexOf('```mermaid\n', from) + '```mermaid\n'.length;
  return text.slice(start, text.indexOf('\n```', start));
}

describe('reports: rolling upgrades', () => {
  it('list every configuration that rolls a version out, with its rollout, verdict and shortest trace', () => {
    expect(section(files.get('README.md')!, '## Rolling upgrades').filter((l) => l.startsWith('|'))).toEqual([
      '| change | configuration (variant, when it differs) | rollout | safe? | shortest trace |',
      '|---|---|---|---|---:|',
      '| [Changing R and W of an NWR store while it serves (rolling upgrade)](nwr-reconfigure.md) | raise-r-first (correct) | v1→v3, rolling N1→N2→N3, one deploy at a time, rollback allowed (≤ 1) | passes |  |',
      '|  | direct | v1→v2, rolling N1→N2→N3, no rollback | caught: noStaleRead | 3 steps |',
      '|  | lower-w-first | v1→v3, rolling N1→N2→N3, one deploy at a time, no rollback | caught: noStaleRead | 3 steps |',
      '| [A Snowflake layout change in a rolling deploy (more worker bits, fewer sequence bits)](snowflake-layout.md) | wide-worker-any-order (wide-worker) | v1→v2, any order, no rollback | caught: unique | 5 steps |',
      '|  | wide-worker-rolling (wide-worker) | v1→v2, rolling G1→G2, rollback allowed (≤ 1) | caught: unique | 6 steps |',
      '|  | version-bit (correct) | v1→v2, any order, rollback allowed (≤ 2) | passes |  |',
      '|  | disjoint-workers | v1→v2, any order, rollback allowed (≤ 2) | passes |  |',
    ]);
  });

  it('has no such section when no configuration can move a version', async () => {
    // The starter template's v1-only configuration: its machine has a rollout, up to v1, which moves nothing.
    const v1Only = templateModel.configurations.find((c) => c.name === 'two-clients')!;
    const report = await renderReports([{ model: templateModel, outcomes: [run(requestFromConfiguration(templateModel, v1Only))] }], {
      models: [templateModel],
      comparisons: [],
      figures: [],
    });
    expect(report.get('README.md')).toContain('| two-clients | correct |');
    expect(report.get('README.md')).not.toContain('Rolling upgrades');
  });

  it('say a rollout in words: versions, order, overlapping deploys, rollbacks', () => {
    const r: Rollout = { nodes: ['A', 'B', 'C'], last: 3, order: 'any', stepwise: false };
    expect(describeRollout(r)).toBe('v1→v3, any order, deploys may overlap, no rollback');
    expect(describeRollout({ ...r, start: { B: 2 }, order: 'rolling', stepwise: true, downgrades: 2 })).toBe(
      'A v1, B v2, C v1 → v3, rolling A→B→C, one deploy at a time, rollback allowed (≤ 2)',
    );
  });
});

describe('which configurations are rolling upgrades', () => {
  it('are those whose rollout can move a version; the version actions listed are those it can take', () => {
    const r: Rollout = { nodes: ['A', 'B'], last: 1, order: 'any', downgrades: 1 };
    expect([isRollingUpgrade(r), versionActionNames(r)]).toEqual([false, []]);
    expect(versionActionNames({ ...r, start: { A: 2 }, last: 2 })).toEqual(['Upgrade', 'Downgrade']);
    expect(versionActionNames({ ...r, last: 2, downgrades: 0 })).toEqual(['Upgrade']);
    expect(versionActionNames({ ...r, start: 2, last: 2 })).toEqual(['Downgrade']);
  });
});

describe('sequence diagrams of mixed versions', () => {
  it('head each column with the version it starts at, and mark each change on its lifeline', () => {
    expect(diagramAfter(files.get('nwr-reconfigure.md')!, '### direct: noStaleRead').split('\n')).toEqual([
      '%%{init: {"sequence": {"width": 150, "actorMargin": 50, "mirrorActors": false}}}%%',
      'sequenceDiagram',
      '  participant N1 as N1 (v1)',
      '  participant N2 as N2 (v1)',
      '  Note over N1: wrap: 2. ⬆ restarts as v2',
      '  Note over N1: wrap: 3. v2 writes 1 (W=1), acked by N1',
      '  Note over N2: wrap: 4. v1 reads 0 (R=2) from N2, N3, stale: last write 1',
      '  Note over N1,N2: wrap: noStaleRead violated',
    ]);
  });

  it('put a version change on its node when the machine draws nothing, and leave unmixed traces alone', () => {
    const machine = toyMachine();
    const trace = (choices: number[]) =>
      buildTrace(machine, { model: 'toy', variant: 'correct', params: {} }, { property: 'p', kind: 'always', path: { init: 0, choices } });
    // Upgrade(B), then Step(A): the machine has no view, so each step is a note with its action.
    expect(renderMermaid(trace([2, 0]), machine).split('\n')).toEqual([
      sequenceLayout(2, false),
      'sequenceDiagram',
      '  participant A as A (v1)',
      '  participant B as B (v1)',
      '  Note over B: wrap: 2. Upgrade(B)',
      '  Note over A: wrap: 3. Step(A)',
      '  Note over A,B: wrap: p violated',
    ]);
    // Step(A) alone: versions are in the state but never mixed, so the diagram is as for any model.
    expect(renderMermaid(trace([0]), machine).split('\n')).toEqual([
      sequenceLayout(1),
      'sequenceDiagram',
      '  participant A',
      '  Note over A: wrap: 2. Step(A)',
      '  Note over A: wrap: p violated',
    ]);
  });
});
