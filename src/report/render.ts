// Pure rendering of the committed reports: outcomes in, file texts out. No timings or dates, so two runs
// give byte-identical files and `npm test` can fail when the committed reports drift from the code.
import {
  LIVENESS_KINDS,
  livenessPropertyNames,
  type AnyMachine,
  type AnyModel,
  type Catalog,
  type Comparison,
  type ComparisonMetric,
} from '../model/model';
import { appliedParams, resolveParams } from '../model/params';
import { describeRollout, isMixedState, isRollingUpgrade } from '../model/versions';
import type { RunOutcome } from '../run/run';
import { renderMermaid, renderStepTable, type Trace } from '../trace/trace';
import { traceToJson } from '../trace/trace-file';
import { tallyLine, type ModelOutcomes } from './run';

const isFullRun = (all: readonly ModelOutcomes[], catalog: Catalog): boolean => all.length === catalog.models.length;

/** Parameters, with fault budgets shown as a budget and left out when zero. */
function scopeOf(model: AnyModel, o: RunOutcome): string {
  const plain = Object.entries(appliedParams(model, o.params)).filter(([k]) => !isBudget(model, k));
  const budget = Object.entries(o.params).filter(([k, v]) => isBudget(model, k) && v !== 0);
  const parts = [plain.map(([k, v]) => `${k}=${v}`).join(', ') || '(no parameters)'];
  if (budget.length) parts.push(`budget: ${budget.map(([k, v]) => `${k} ≤ ${v}`).join(', ')}`);
  if (o.strategy === 'random' && o.random) parts.push(`${o.random.runs} walks ≤ ${o.random.walkLength} steps, seed ${o.random.seed}`);
  if (o.symmetry) parts.push('symmetry reduction (distinct = orbits)');
  return parts.join('; ');
}

function isBudget(model: AnyModel, param: string): boolean {
  const spec = model.params[param];
  return spec?.type === 'int' && spec.budget === true;
}
const expectedOf = (o: RunOutcome): string =>
  o.expected.result === 'pass'
    ? 'pass'
    : `violates ${o.expected.property}${o.expected.holds?.length ? `; ${o.expected.holds.join(', ')} hold` : ''}`;
const gotOf = (o: RunOutcome): string =>
  o.result === 'violation' ? `violates ${o.violations.map((v) => v.property).join(', ')}` : o.result;
const mark = (o: RunOutcome): string => (o.asExpected ? '✓' : '✗');
const count = (n: number): string => n.toLocaleString('en-US');

function propertySummary(machine: AnyMachine, o: RunOutcome): string {
  const byKind = (kind: string): string[] => machine.properties.filter((p) => p.kind === kind).map((p) => p.name);
  const parts: string[] = [];
  for (const kind of ['always', 'step', 'sometimes', 'eventually', 'leadsTo']) {
    const names = byKind(kind);
    if (names.length === 0) continue;
    if (kind === 'sometimes') parts.push(`sometimes: ${names.length - o.unreached.length}/${names.length} reached`);
    else parts.push(`${kind}: ${names.join(', ')}`);
  }
  return parts.join('; ');
}

export const traceFileName = (o: RunOutcome, t: Trace): string => `traces/${o.model}/${o.configuration}.${t.property}.json`;

function renderIndex(all: readonly ModelOutcomes[], catalog: Catalog): string {
  const lines = [
    '# distcheck report',
    '',
    'Written by `npm run check`; do not edit by hand. `npm test` fails when these files differ from a fresh run,',
    'so a change to a protocol model shows up here in review. Timings live in `bench.md`, outside this check.',
    '',
    `**${tallyLine(all)}**`,
    '',
    '| model | configuration | variant | scope | strategy | expected | got | | distinct | generated | depth | properties |',
    '|---|---|---|---|---|---|---|---|---:|---:|---:|---|',
  ];
  for (const { model, outcomes } of all) {
    for (const o of outcomes) {
      const machine = machineOf(model, o);
      lines.push(
        `| [${model.id}](${model.id}.md) | ${o.configuration} | ${o.variant} | ${scopeOf(model, o)} | ${o.strategy} | ${expectedOf(o)} | ${gotOf(o)} | ${mark(o)} | ${count(o.distinctStates)} | ${count(o.statesGenerated)} | ${o.depth} | ${propertySummary(machine, o)} |`,
      );
    }
  }
  lines.push(
    '',
    'For random walks, *distinct* and *generated* count the states the walks visited, and *depth* is the longest walk plus one.',
    '',
  );
  const ran = new Set(all.map((m) => m.model.id));
  for (const c of catalog.comparisons)
    if (c.rows.every((r) => r.cells.every((x) => ran.has(x.model)))) lines.push(...renderComparison(c, all));
  lines.push(...renderRollingUpgrades(all));
  if (isFullRun(all, catalog) && catalog.figures.length)
    lines.push('## Figures', '', ...catalog.figures.map((f) => `- [${f.title}](${f.id}.md)`), '');
  return lines.join('\n');
}

/**
 * One row per configuration whose machine carries a rollout that moves some node's version (`withVersions`
 * sets it): the change, the rollout in words, the verdict, and for an unsafe one the length of the shortest
 * counterexample, the shortest run through the mixed cluster to the violation.
 */
function renderRollingUpgrades(all: readonly ModelOutcomes[]): string[] {
  const rows: string[] = [];
  for (const { model, outcomes } of all) {
    let first = true;
    for (const o of outcomes) {
      const rollout = machineOf(model, o).rollout;
      if (rollout === undefined || !isRollingUpgrade(rollout)) continue;
      const verdict =
        o.result === 'pass' ? 'passes' : o.result === 'violation' ? `caught: ${o.violations.map((v) => v.property).join(', ')}` : o.result;
      const shortest = o.violations.map((v) => {
        const mixed = v.trace.steps.some((step) => isMixedState(step.state));
        const steps = `${v.trace.steps.length - 1} steps${mixed ? '' : ' (never mixed)'}`;
        return o.violations.length > 1 ? `${v.property}: ${steps}` : steps;
      });
      rows.push(
        `| ${first ? `[${model.title}](${model.id}.md)` : ''} | ${o.configuration === o.variant ? o.configuration : `${o.configuration} (${o.variant})`} | ${describeRollout(rollout)} | ${verdict}${o.asExpected ? '' : ` (**not as expected**: ${expectedOf(o)})`} | ${shortest.join(', ')} |`,
      );
      first = false;
    }
  }
  if (rows.length === 0) return [];
  return [
    '## Rolling upgrades',
    '',
    'Every configuration that rolls a protocol change out while the cluster serves: some nodes run the old version and some the new. *Shortest trace*: the steps of the shortest counterexample, upgrades included, for the unsafe ones.',
    '',
    '| change | configuration (variant, when it differs) | rollout | safe? | shortest trace |',
    '|---|---|---|---|---:|',
    ...rows,
    '',
  ];
}

function renderComparison(c: Comparison, all: readonly ModelOutcomes[]): string[] {
  const outcome = (model: string, configuration: string): RunOutcome => {
    const o = all.find((m) => m.model.id === model)?.outcomes.find((x) => x.configuration === configuration);
    if (!o) throw new Error(`comparison ${c.id} names ${model} ${configuration}, which is not a configuration`);
    return o;
  };
  const cell = (model: string, configuration: string, metric: ComparisonMetric): string => {
    const o = outcome(model, configuration);
    const value =
      metric === 'distinctStates'
        ? count(o.distinctStates)
        : 'metric' in metric
          ? String(o.metrics[metric.metric] ?? 'n/a')
          : o.violations.some((v) => v.property === metric.ifViolated)
            ? metric.yes
            : metric.no;
    return `${value} ([${configuration}](${model}.md))`;
  };
  return [
    `## ${c.title}`,
    '',
    `| | ${c.columns.join(' | ')} |`,
    `|---|${c.columns.map(() => '---').join('|')}|`,
    ...c.rows.map((r) => `| ${r.question} | ${r.cells.map((x) => cell(x.model, x.configuration, x.metric)).join(' | ')} |`),
    '',
  ];
}

/** The configurations table, with one extra column per metric any configuration measured. */
function configurationTable(model: AnyModel, outcomes: readonly RunOutcome[]): string[] {
  const metrics = [...new Set(outcomes.flatMap((o) => Object.keys(o.metrics)))];
  return [
    `| configuration | variant | scope | strategy | expected | got | | distinct | generated | depth |${metrics.map((m) => ` ${m} |`).join('')}`,
    `|---|---|---|---|---|---|---|---:|---:|---:|${metrics.map(() => '---:|').join('')}`,
    ...outcomes.map(
      (o) =>
        `| ${o.configuration} | ${o.variant} | ${scopeOf(model, o)} | ${o.strategy} | ${expectedOf(o)} | ${gotOf(o)} | ${mark(o)} | ${count(o.distinctStates)} | ${count(o.statesGenerated)} | ${o.depth} |${metrics.map((m) => ` ${o.metrics[m] ?? ''} |`).join('')}`,
    ),
  ];
}

/** The machine an outcome was produced by, for rendering its traces and properties. */
const machineOf = (model: AnyModel, o: RunOutcome): AnyMachine => model.machine(resolveParams(model, o.params), o.variant);

/** The machine's explanation of a counterexample's last state, if it has one. */
function explainLast(machine: AnyMachine, trace: Trace): string[] {
  const text = machine.explain?.(trace.steps[trace.steps.length - 1].state);
  return text ? [text, ''] : [];
}

function fairnessLines(model: AnyModel): string[] {
  const config = model.configurations[0];
  const machine = model.machine(resolveParams(model, config.params ?? {}), config.variant);
  if (livenessPropertyNames(machine).length === 0) return [];
  return [`**Fairness (every configuration):** ${machine.fairness ?? 'weak fairness on every action'}`, ''];
}

function renderModel(model: AnyModel, outcomes: readonly RunOutcome[]): string {
  const lines = [
    `# ${model.title} (\`${model.id}\`)`,
    '',
    `**Source:** ${model.source}`,
    '',
    `**Scope:** ${model.scope}`,
    '',
    ...fairnessLines(model),
    '## Variants',
    '',
    '| variant | what it does | must break |',
    '|---|---|---|',
    ...model.variants.map((v) => `| ${v.name} | ${v.description} | ${v.breaks ?? '(nothing: must pass)'} |`),
    '',
    '## Configurations',
    '',
    ...configurationTable(model, outcomes),
    '',
  ];

  const covered = outcomes.find((o) => o.strategy === 'bfs' && o.expected.result === 'pass');
  if (covered) {
    lines.push(
      `## Action coverage (${covered.configuration})`,
      '',
      'As TLC reports it: how often each action fired, and how many distinct new states it produced.',
      '',
      '| action | fired | distinct new states |',
      '|---|---:|---:|',
      ...covered.coverage.map((c) => `| ${c.action} | ${count(c.fired)} | ${count(c.distinctNew)} |`),
      '',
    );
    if (covered.neverFired.length) lines.push(`**Never fired:** ${covered.neverFired.join(', ')}`, '');
    if (covered.collisionProbability !== null) {
      lines.push(
        covered.collisionProbability === 0
          ? 'Fingerprint collisions: none possible (integer state keys are fingerprinted by a bijection).'
          : `Fingerprint collision probability (TLC's optimistic estimate): ${covered.collisionProbability.toExponential(2)}.`,
        '',
      );
    }
  }

  lines.push('## Counterexamples', '');
  let any = false;
  for (const o of outcomes) {
    const machine = machineOf(model, o);
    const variant = model.variants.find((v) => v.name === o.variant);
    const config = model.configurations.find((c) => c.name === o.configuration);
    for (const v of o.violations) {
      any = true;
      const prop = machine.properties.find((p) => p.name === v.property);
      const shape = v.trace.loopStart !== undefined ? ', a lasso' : v.trace.stutter ? ', ending stuck' : '';
      lines.push(
        `### ${o.configuration}: ${v.property} (${v.kind}), ${v.trace.steps.length - 1} steps${shape}`,
        '',
        `${config?.description ?? variant?.description ?? ''} ${prop ? `It breaks *${prop.name}*: ${prop.description}` : ''}`.trim(),
        '',
        '```mermaid',
        renderMermaid(v.trace, machine),
        '```',
        '',
        renderStepTable(v.trace, machine),
        '',
        ...explainLast(machine, v.trace),
        `Replay: \`npx distcheck replay reports/${traceFileName(o, v.trace)}\``,
      );
      if (v.seed !== undefined) {
        lines.push(
          '',
          `Found by random walks; rerun the shrunk case with \`npx distcheck check ${o.model} --variant ${o.variant} ${Object.entries(
            o.params,
          )
            .map(([k, val]) => `--param ${k}=${val}`)
            .join(' ')} --strategy random --seed ${v.seed} --path ${v.path}\``,
        );
      }
      lines.push('');
    }
  }
  if (!any) lines.push('None.', '');

  lines.push('## Witnesses', '', 'Shortest runs that reach each `sometimes` property (breadth-first configurations).', '');
  for (const o of outcomes) {
    if (o.witnesses.length === 0 && o.unreached.length === 0) continue;
    const parts = o.witnesses.map((w) => `${w.property} in ${w.steps.length - 1} steps`);
    if (o.unreached.length) parts.push(`**never reached: ${o.unreached.join(', ')}**`);
    lines.push(`- ${o.configuration}: ${parts.join('; ')}`);
  }
  lines.push('');
  return lines.join('\n');
}

function renderManifest(all: readonly ModelOutcomes[]): string {
  const resultOf = (o: RunOutcome): string => {
    if (o.result === 'pass') return 'success';
    if (o.result === 'limit') return 'limit';
    const kinds = o.violations.map((v) => v.kind);
    if (kinds.some((k) => k === 'always' || k === 'step')) return 'safety failure';
    return kinds.some((k) => LIVENESS_KINDS.includes(k as never)) ? 'liveness failure' : 'deadlock failure';
  };
  const manifest = {
    models: all.map(({ model, outcomes }) => ({
      id: model.id,
      title: model.title,
      source: model.source,
      configurations: outcomes.map((o) => ({
        name: o.configuration,
        variant: o.variant,
        params: o.params,
        mode: o.strategy === 'bfs' ? 'exhaustive search' : `simulation (${o.random?.runs} walks, seed ${o.random?.seed})`,
        ...(o.symmetry ? { symmetry: true } : {}),
        expected: o.expected.result === 'pass' ? 'success' : `violation of ${o.expected.property}`,
        result: resultOf(o),
        asExpected: o.asExpected,
        distinctStates: o.distinctStates,
        totalStates: o.statesGenerated,
        depth: o.depth,
        ...(Object.keys(o.metrics).length > 0 ? { metrics: o.metrics } : {}),
      })),
    })),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Every generated file, by path relative to reports/ (asynchronous because a figure may be). */
export async function renderReports(all: readonly ModelOutcomes[], catalog: Catalog): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  files.set('README.md', renderIndex(all, catalog));
  files.set('manifest.json', renderManifest(all));
  // Figures belong to the full report only: a partial run (of some models) renders just those models.
  if (isFullRun(all, catalog)) for (const f of catalog.figures) files.set(`${f.id}.md`, await f.render());
  for (const { model, outcomes } of all) {
    files.set(`${model.id}.md`, renderModel(model, outcomes));
    for (const o of outcomes) for (const v of o.violations) files.set(traceFileName(o, v.trace), traceToJson(v.trace));
  }
  return files;
}
