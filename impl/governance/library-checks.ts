// Every check of a real governance library against the circuit-breaker and rate-limiter models, with its
// scope, seed and number of runs: the tests pin what each one finds, and the governance-libraries figure
// prints it. All results are plain data, deterministic for a given library version (fixed seeds, fake clock).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  OPOSSUM_SEMANTICS,
  PERCENTAGE_RULE,
  breakerMachine,
  type BreakerAction,
  type BreakerConfig,
  type BreakerState,
} from '../../models/governance/circuit-breaker';
import { rateMachine, slidingBound, type RateConfig } from '../../models/governance/rate-limiter';
import type { Machine } from '../../src/model/model';
import { checkConformance, type ConformanceResult } from '../../src/check/async-mbt';
import { cockatielDriver, opossumDriver } from './breaker-drivers';
import { TICK_MS } from './fake-clock';
import {
  checkHistories,
  exactTokenBucket,
  fixedWindowSpec,
  maxAdmittedInWindow,
  tokenBucketDriver,
  tokenBucketSpec,
  type HistoryCheck,
} from './limiter-drivers';

/** The percentage breaker opossum is compared with: 50 %, volume 2, a window of 2 ticks, 3 concurrent calls. */
export const PERCENTAGE: BreakerConfig = { ...PERCENTAGE_RULE, inFlight: 3, arrivals: 3 };

/** The consecutive-failures breaker cockatiel is compared with: 2 failures trip it. */
export const CONSECUTIVE: BreakerConfig = { ...PERCENTAGE, rule: 'consecutive' };

/** The token bucket: 1 token per tick, capacity 2, windows of 2 ticks; the bound rate·T + burst is 4. */
export const BUCKET: RateConfig = { algorithm: 'token-bucket', rate: 1, burst: 2, window: 2, arrivals: 4, start: 'full' };

export interface BreakerCheck {
  readonly id: string;
  readonly library: 'opossum' | 'cockatiel';
  /** What the library is compared with, in one phrase. */
  readonly against: string;
  readonly config: BreakerConfig;
  /** Commands the model never offers in this check (a narrower scope), or null. */
  readonly restriction: string | null;
  readonly seed: number;
  readonly numRuns: number;
  readonly maxCommands: number;
  readonly result: ConformanceResult;
}

export interface LimiterCheck {
  readonly id: string;
  readonly library: string;
  readonly property: string;
  readonly seed: number;
  readonly numRuns: number;
  readonly tickResult?: ConformanceResult;
  readonly historyResult?: HistoryCheck;
}

export interface LibraryVersion {
  readonly name: string;
  readonly version: string;
  /** The Node versions its package.json declares, or null when it declares none. */
  readonly engines: string | null;
}

export interface LibraryResults {
  readonly versions: readonly LibraryVersion[];
  readonly breakers: readonly BreakerCheck[];
  readonly limiters: readonly LimiterCheck[];
}

const noCallDuringProbe = (m: Machine<BreakerState, BreakerAction>): Machine<BreakerState, BreakerAction> => ({
  ...m,
  actions: (s) => m.actions(s).filter((a) => !(a.name === 'Call' && s.mode === 'half-open' && s.probes > 0)),
});

interface BreakerPlan extends Omit<BreakerCheck, 'result'> {
  readonly driver: typeof opossumDriver;
}

const SPEC = 'the model as Hystrix describes the rule';
const OPOSSUM = "the model with opossum's semantics";

const breakerPlans: readonly BreakerPlan[] = [
  {
    id: 'opossum-spec',
    library: 'opossum',
    against: SPEC,
    config: PERCENTAGE,
    restriction: null,
    seed: 1,
    numRuns: 100,
    maxCommands: 30,
    driver: opossumDriver,
  },
  {
    id: 'opossum-semantics',
    library: 'opossum',
    against: OPOSSUM,
    config: { ...PERCENTAGE, ...OPOSSUM_SEMANTICS },
    restriction: null,
    seed: 1,
    numRuns: 300,
    maxCommands: 50,
    driver: opossumDriver,
  },
  {
    id: 'opossum-semantics-slow',
    library: 'opossum',
    against: `${OPOSSUM}, volume 3, 30 %, a window of 3 ticks, cool-down 2, timeout 3`,
    config: { ...PERCENTAGE, ...OPOSSUM_SEMANTICS, volume: 3, percent: 30, buckets: 3, coolDown: 2, timeout: 3 },
    restriction: null,
    seed: 2,
    numRuns: 200,
    maxCommands: 50,
    driver: opossumDriver,
  },
  {
    id: 'opossum-but-completed',
    library: 'opossum',
    against: `${OPOSSUM}, except that the window counts completed calls`,
    config: { ...PERCENTAGE, ...OPOSSUM_SEMANTICS, volumeCounts: 'completed' },
    restriction: null,
    seed: 1,
    numRuns: 100,
    maxCommands: 30,
    driver: opossumDriver,
  },
  {
    id: 'opossum-but-reset',
    library: 'opossum',
    against: `${OPOSSUM}, except that the window restarts on every mode change`,
    config: { ...PERCENTAGE, ...OPOSSUM_SEMANTICS, windowReset: true },
    restriction: null,
    seed: 1,
    numRuns: 100,
    maxCommands: 30,
    driver: opossumDriver,
  },
  {
    id: 'opossum-but-stale-ignored',
    library: 'opossum',
    against: `${OPOSSUM}, except that late results are ignored`,
    config: { ...PERCENTAGE, ...OPOSSUM_SEMANTICS, staleResults: 'ignored' },
    restriction: null,
    seed: 1,
    numRuns: 100,
    maxCommands: 30,
    driver: opossumDriver,
  },
  {
    id: 'cockatiel-spec',
    library: 'cockatiel',
    against: SPEC,
    config: CONSECUTIVE,
    restriction: null,
    seed: 1,
    numRuns: 100,
    maxCommands: 30,
    driver: cockatielDriver,
  },
  {
    id: 'cockatiel-no-call-during-probe',
    library: 'cockatiel',
    against: SPEC,
    config: CONSECUTIVE,
    restriction: 'no call arrives while a probe runs',
    seed: 1,
    numRuns: 200,
    maxCommands: 40,
    driver: cockatielDriver,
  },
  {
    id: 'cockatiel-no-late-results',
    library: 'cockatiel',
    against: SPEC,
    config: { ...CONSECUTIVE, timeout: 1 },
    restriction: 'no call arrives while a probe runs; timeout 1 tick, so no call outlives the cool-down',
    seed: 1,
    numRuns: 300,
    maxCommands: 50,
    driver: cockatielDriver,
  },
];

async function runBreakerChecks(): Promise<BreakerCheck[]> {
  const out: BreakerCheck[] = [];
  for (const { driver, ...plan } of breakerPlans) {
    const machine = breakerMachine(plan.config, 'correct');
    const result = await checkConformance(plan.restriction ? noCallDuringProbe(machine) : machine, driver(plan.config), {
      seed: plan.seed,
      numRuns: plan.numRuns,
      maxCommands: plan.maxCommands,
    });
    out.push({ ...plan, result });
  }
  return out;
}

async function runLimiterChecks(): Promise<LimiterCheck[]> {
  const windowMs = BUCKET.window * TICK_MS;
  const limit = slidingBound(BUCKET);
  const history = { horizonMs: 3 * windowMs, maxRequests: limit + 1, maxLength: 16 };
  const tokenBucket = tokenBucketSpec(BUCKET);
  const fixedWindow = fixedWindowSpec(limit, BUCKET.window);
  const out: LimiterCheck[] = [];
  for (const start of ['full', 'empty'] as const) {
    const c = { ...BUCKET, start };
    out.push({
      id: `token-bucket-ticks-${start}`,
      library: tokenBucket.name,
      property: `admits exactly when the model's token bucket does (starting ${start}), tick by tick`,
      seed: 1,
      numRuns: 200,
      tickResult: await checkConformance(rateMachine(c, 'correct'), tokenBucketDriver(c), { seed: 1, numRuns: 200, maxCommands: 50 }),
    });
  }
  const histories: [string, string, typeof tokenBucket, number, Parameters<typeof checkHistories>[3]][] = [
    ['token-bucket-bound', tokenBucket.name, tokenBucket, 1000, (_, h) => maxAdmittedInWindow(h, windowMs) <= limit],
    [
      'token-bucket-exact',
      tokenBucket.name,
      tokenBucket,
      1000,
      (b, h) => exactTokenBucket(BUCKET, b).every((admit, i) => admit === h[i].admitted),
    ],
    ['fixed-window-sliding-bound', fixedWindow.name, fixedWindow, 1000, (_, h) => maxAdmittedInWindow(h, windowMs) <= limit],
    ['fixed-window-double-bound', fixedWindow.name, fixedWindow, 1000, (_, h) => maxAdmittedInWindow(h, windowMs) <= 2 * limit - 1],
  ];
  const properties: Record<string, string> = {
    'token-bucket-bound': `any window of ${windowMs} ms admits at most rate·T + burst = ${limit}`,
    'token-bucket-exact': 'admits exactly when a token bucket in exact arithmetic does (millisecond times)',
    'fixed-window-sliding-bound': `any window of ${windowMs} ms admits at most its limit, ${limit}`,
    'fixed-window-double-bound': `any window of ${windowMs} ms admits at most twice its limit less one, ${2 * limit - 1}`,
  };
  for (const [id, library, spec, numRuns, holds] of histories) {
    const historyResult = await checkHistories(spec, { seed: 1, numRuns, ...history }, windowMs, holds);
    out.push({ id, library, property: properties[id], seed: 1, numRuns, historyResult });
  }
  return out;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function versions(): LibraryVersion[] {
  return ['opossum', 'cockatiel', 'limiter', 'rate-limiter-flexible'].map((name) => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/node_modules/${name}/package.json`, 'utf8')) as {
      version: string;
      engines?: { node?: string };
    };
    return { name, version: pkg.version, engines: pkg.engines?.node ?? null };
  });
}

let pending: Promise<LibraryResults> | undefined;

/** Runs every library check once per process. */
export function libraryResults(): Promise<LibraryResults> {
  pending ??= (async () => {
    return { versions: versions(), breakers: await runBreakerChecks(), limiters: await runLimiterChecks() };
  })();
  return pending;
}
