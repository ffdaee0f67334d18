// How good are the random walks? The share of the reachable states (counted by the exhaustive explorer) that
// N fast-check walks visit, and how many walks it takes to catch each bug variant, for four ways of
// generating walks: uniform, swarm (Groce et al., ISSTA 2012; the walk before issue 14), guided (routes to
// states with unvisited successors, then unvisited successors first; after Go-Explore, Ecoffet et al. 2021)
// and guided + swarm (the default of `--strategy random`). Scope: TwoPhase with 4 to 6 RMs and two fault
// models, 2PC with message loss and 3PC with a coordinator crash. Fixed seeds, so the figure is deterministic.
import type { AnyModel, Figure, Params } from '../../src/model/model';
import { resolveParams, type GivenParams } from '../../src/model/params';
import { explore } from '../../src/check/explore';
import { DEFAULT_RANDOM } from '../../src/run/run';
import { walkCoverage, walksUntilViolation, type WalkStyle } from '../../src/check/walk';
import { twoPhaseCommit } from './two-phase-commit';
import { twoPhaseCommitFaults } from './two-phase-commit-faults';
import { threePhaseCommit } from './three-phase-commit';

export const WALK_STYLES: readonly { readonly name: string; readonly style: WalkStyle }[] = [
  { name: 'uniform', style: { swarm: false } },
  { name: 'swarm', style: { swarm: true } },
  { name: 'guided', style: { guided: true } },
  { name: 'guided + swarm', style: { guided: true, swarm: true } },
];

export interface WalkScope {
  readonly model: AnyModel;
  /** The configuration of the model with these parameters, for the link; undefined when it has none. */
  readonly configuration?: string;
  readonly params: GivenParams;
}

export const WALK_SCOPES: readonly WalkScope[] = [
  { model: twoPhaseCommit, params: { rms: 4 } },
  { model: twoPhaseCommit, configuration: 'rms5', params: { rms: 5 } },
  { model: twoPhaseCommit, params: { rms: 6 } },
  { model: twoPhaseCommitFaults, configuration: 'rms2-loss', params: { rms: 2, drops: 1 } },
  { model: threePhaseCommit, configuration: 'sync-crash', params: { participants: 3, network: 'synchronous', crashes: 1 } },
];

/** Walks counted: the coverage after the first 100 and 1,000 walks of one run. */
export const WALK_MARKS = [100, 1000];
export const WALK_SEED = 14;
export const WALK_LENGTH = DEFAULT_RANDOM.walkLength;
/** Walks-to-catch runs over these seeds, each for at most CATCH_CAP walks. */
export const CATCH_SEEDS = [1, 2, 3, 4, 5];
export const CATCH_CAP = 1000;

export interface CoverageRow {
  readonly scope: WalkScope;
  readonly reachable: number;
  /** Per style, distinct states visited after each of WALK_MARKS walks. */
  readonly visited: readonly (readonly number[])[];
}

export interface CatchRow {
  readonly scope: WalkScope;
  readonly variant: string;
  readonly property: string;
  /** Per style and seed: walks up to the first violation, or undefined if CATCH_CAP walks did not violate it. */
  readonly walks: readonly (readonly (number | undefined)[])[];
}

const resolved = (scope: WalkScope): Params => resolveParams(scope.model, scope.params);

export function coverageRow(scope: WalkScope, marks: readonly number[] = WALK_MARKS): CoverageRow {
  const machine = scope.model.machine(resolved(scope), 'correct');
  const reachable = explore(machine, { exact: true }).distinctStates;
  const options = { seed: WALK_SEED, walkLength: WALK_LENGTH };
  return { scope, reachable, visited: WALK_STYLES.map(({ style }) => walkCoverage(machine, marks, { ...options, style })) };
}

export function catchRows(scope: WalkScope): CatchRow[] {
  return scope.model.variants
    .filter((v) => v.breaks !== undefined)
    .map((v) => {
      const machine = scope.model.machine(resolved(scope), v.name);
      const walks = WALK_STYLES.map(({ style }) =>
        CATCH_SEEDS.map((seed) => walksUntilViolation(machine, v.breaks!, CATCH_CAP, { seed, walkLength: WALK_LENGTH, style })),
      );
      return { scope, variant: v.name, property: v.breaks!, walks };
    });
}

/** The median with undefined (not caught) counted as larger than any number; undefined when that is the median. */
export function medianWalks(walks: readonly (number | undefined)[]): number | undefined {
  const sorted = [...walks].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  return sorted[(sorted.length - 1) >> 1];
}

let cache: { coverage: CoverageRow[]; catches: CatchRow[] } | undefined;

/** Both tables, computed once per process (the report and its test both render the figure). */
export function walkTables(): { coverage: CoverageRow[]; catches: CatchRow[] } {
  cache ??= { coverage: WALK_SCOPES.map((s) => coverageRow(s)), catches: WALK_SCOPES.flatMap(catchRows) };
  return cache;
}

const paramText = (p: GivenParams): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
const scopeText = (s: WalkScope): string =>
  `[\`${s.model.id}\`](${s.model.id}.md) ${paramText(s.params)}${s.configuration ? ` (${s.configuration})` : ''}`;
const pct = (n: number, of: number): string => `${((100 * n) / of).toFixed(1)}%`;
const num = (n: number): string => n.toLocaleString('en-US');

export const walkCoverageFigure: Figure = {
  id: 'walk-coverage',
  title: 'How good are the random walks? State coverage and walks to catch each bug',
  render: () => {
    const { coverage, catches } = walkTables();
    return [
      '# How good are the random walks? (`walk-coverage`)',
      '',
      `Random walks (\`--strategy random\`) of up to ${WALK_LENGTH} steps, generated four ways:`,
      '',
      '- **uniform**: each step picks one of the enabled actions uniformly;',
      '- **swarm**: each walk also mutes a random subset of action names (Groce et al., ISSTA 2012), which was the walk',
      '  of `--strategy random` before this figure;',
      '- **guided**: the generator remembers the states earlier walks visited. A walk first replays the route to a',
      '  visited state that still has an unvisited successor (a random depth, then a random state of that depth), then',
      '  takes unvisited successors first (after Go-Explore, Ecoffet et al., 2021);',
      '- **guided + swarm**: guided walks, half of them also swarm walks. This is the default of `--strategy random`.',
      '',
      'In every style a walk is plain numbers read modulo the actions to choose from, so every walk is a valid run,',
      'fast-check shrinks it like any other, and `--seed S --path P` replays it. Only the choice of the numbers differs.',
      '',
      `## Coverage: distinct states visited / reachable (seed ${WALK_SEED})`,
      '',
      'Reachable is the exhaustive breadth-first count. Each cell counts the distinct states visited by the first N walks',
      'of one run.',
      '',
      ...WALK_MARKS.flatMap((n, m) => [
        `### N = ${num(n)} walks`,
        '',
        `| scope | reachable | ${WALK_STYLES.map((s) => s.name).join(' | ')} |`,
        `|---|---:|${WALK_STYLES.map(() => '---:').join('|')}|`,
        ...coverage.map(
          (r) => `| ${scopeText(r.scope)} | ${num(r.reachable)} | ${r.visited.map((v) => pct(v[m], r.reachable)).join(' | ')} |`,
        ),
        '',
      ]),
      `## Walks to catch each bug variant (median over seeds ${CATCH_SEEDS.join(', ')})`,
      '',
      `The number of walks up to and including the first that violates the property the variant breaks, at most`,
      `${num(CATCH_CAP)} walks per seed; in brackets the fewest and the most, or how many seeds caught it within ${num(CATCH_CAP)}.`,
      '',
      `| scope | variant | breaks | ${WALK_STYLES.map((s) => s.name).join(' | ')} |`,
      `|---|---|---|${WALK_STYLES.map(() => '---:').join('|')}|`,
      ...catches.map((r) => {
        const cells = r.walks.map((w) => {
          const med = medianWalks(w);
          const caught = w.filter((x): x is number => x !== undefined);
          const detail =
            caught.length === w.length ? `${num(Math.min(...caught))}–${num(Math.max(...caught))}` : `${caught.length}/${w.length} seeds`;
          return `${med === undefined ? `> ${num(CATCH_CAP)}` : num(med)} (${detail})`;
        });
        return `| ${scopeText(r.scope)} | ${r.variant} | ${r.property} | ${cells.join(' | ')} |`;
      }),
      '',
    ].join('\n');
  },
};
