// `distcheck diff BASE HEAD`: what a protocol change did to the checked configurations, from two
// reports/manifest.json files (e.g. the main branch's and a pull request's), as Markdown fit for a review
// comment. Pure: manifests in, a summary and a verdict out.
import { fail } from '../shared/errors';

export interface ManifestConfiguration {
  readonly name: string;
  readonly variant: string;
  readonly expected: string;
  readonly result: string;
  readonly asExpected: boolean;
  readonly distinctStates: number;
  readonly totalStates: number;
  readonly depth: number;
}

export interface Manifest {
  readonly models: readonly { readonly id: string; readonly configurations: readonly ManifestConfiguration[] }[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks a manifest's shape; anything else is one usage-error line naming the file. */
export function parseManifest(text: string, name: string): Manifest {
  const bad = (why: string): never => fail(`${name} is not a distcheck manifest: ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return bad(`not JSON (${(e as Error).message})`);
  }
  if (!isRecord(raw) || !Array.isArray(raw.models)) return bad("expected an object with a 'models' array");
  raw.models.forEach((m: unknown, i: number) => {
    if (!isRecord(m) || typeof m.id !== 'string' || !Array.isArray(m.configurations)) bad(`models[${i}] needs an id and configurations`);
    (m as { configurations: unknown[] }).configurations.forEach((c, j) => {
      const ok =
        isRecord(c) &&
        typeof c.name === 'string' &&
        typeof c.variant === 'string' &&
        typeof c.expected === 'string' &&
        typeof c.result === 'string' &&
        typeof c.asExpected === 'boolean' &&
        ['distinctStates', 'totalStates', 'depth'].every((k) => typeof c[k] === 'number');
      if (!ok) bad(`models[${i}].configurations[${j}] lacks name, variant, expected, result, asExpected or counts`);
    });
  });
  return raw as unknown as Manifest;
}

export interface ManifestDiff {
  /** Configurations that were as expected (or new) and are not now: a correct variant broke or a bug is missed. */
  readonly regressions: readonly string[];
  /** Configurations that were not as expected and now are. */
  readonly fixed: readonly string[];
  /** Verdicts (result) that changed while staying as expected. */
  readonly verdicts: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly counts: readonly string[];
  /** Still not as expected, before and after. */
  readonly stillFailing: readonly string[];
}

const flatten = (m: Manifest): Map<string, ManifestConfiguration> =>
  new Map(m.models.flatMap((model) => model.configurations.map((c) => [`${model.id} / ${c.name}`, c] as const)));

const n = (x: number): string => x.toLocaleString('en-US');

/** What failed, in words: a correct variant broke, or a bug variant is no longer caught. */
const failure = (c: ManifestConfiguration): string =>
  c.expected === 'success' ? `correct variant \`${c.variant}\` now gives ${c.result}` : `no longer caught (${c.expected}; got ${c.result})`;

export function diffManifests(base: Manifest, head: Manifest): ManifestDiff {
  const before = flatten(base);
  const after = flatten(head);
  const out = { regressions: [], fixed: [], verdicts: [], added: [], removed: [], counts: [], stillFailing: [] } as {
    [K in keyof ManifestDiff]: string[];
  };
  for (const [id, c] of after) {
    const b = before.get(id);
    if (!b) {
      out.added.push(`${id} (${c.variant}: ${c.result}${c.asExpected ? '' : ', NOT as expected'})`);
      if (!c.asExpected) out.regressions.push(`${id}: new configuration, ${failure(c)}`);
      continue;
    }
    if (b.asExpected && !c.asExpected) out.regressions.push(`${id}: ${failure(c)}`);
    else if (!b.asExpected && c.asExpected) out.fixed.push(`${id}: now ${c.result}, as expected`);
    else if (!b.asExpected && !c.asExpected) out.stillFailing.push(`${id}: ${failure(c)}`);
    else if (b.result !== c.result) out.verdicts.push(`${id}: ${b.result} → ${c.result}`);
    const changed = (['distinctStates', 'totalStates', 'depth'] as const).filter((k) => b[k] !== c[k]);
    if (changed.length) out.counts.push(`${id}: ${changed.map((k) => `${k} ${n(b[k])} → ${n(c[k])}`).join(', ')}`);
  }
  for (const id of before.keys()) if (!after.has(id)) out.removed.push(id);
  return out;
}

/** Exit 1 when a configuration regressed (a correct variant broke or a bug stopped being caught), else 0. */
export const diffExitCode = (d: ManifestDiff): 0 | 1 => (d.regressions.length > 0 ? 1 : 0);

export function renderDiff(d: ManifestDiff): string {
  const section = (title: string, items: readonly string[]): string[] =>
    items.length ? [`### ${title}`, '', ...items.map((i) => `- ${i}`), ''] : [];
  const changed = [d.regressions, d.fixed, d.verdicts, d.added, d.removed, d.counts, d.stillFailing].some((x) => x.length > 0);
  const headline =
    d.regressions.length > 0
      ? `**✗ ${d.regressions.length} configuration${d.regressions.length === 1 ? '' : 's'} regressed**`
      : changed
        ? '**✓ no regression**: every configuration that was as expected still is'
        : '**✓ no change** in any verdict or count';
  return [
    '## distcheck: protocol checks, base → head',
    '',
    headline,
    '',
    ...section('Regressions (a correct variant broke, or a bug is no longer caught)', d.regressions),
    ...section('Fixed', d.fixed),
    ...section('Verdicts that changed (still as expected)', d.verdicts),
    ...section('New configurations', d.added),
    ...section('Removed configurations', d.removed),
    ...section('State counts that changed', d.counts),
    ...section('Still not as expected (before and after)', d.stillFailing),
  ].join('\n');
}
