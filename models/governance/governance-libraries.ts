// The circuit breakers and rate limiters people install from npm, checked against the circuit-breaker and
// rate-limiter models: what each check found, with the command lists fast-check shrank each finding to.
// Source: the checks in impl/governance/library-checks.ts (fake clock, fixed seeds); this file only renders.
// Scope: opossum (percentage rule), cockatiel (consecutive failures), limiter's TokenBucket and
// rate-limiter-flexible's RateLimiterMemory, at the versions the lockfile pins.
import type { Figure } from '../../src/model/model';
import type { DivergenceStep } from '../../src/check/async-mbt';
import type { BreakerObservation } from '../../impl/governance/breaker-drivers';
import {
  BUCKET,
  CONSECUTIVE,
  PERCENTAGE,
  libraryResults,
  type BreakerCheck,
  type LibraryResults,
  type LimiterCheck,
} from '../../impl/governance/library-checks';
import type { BucketObservation, Burst, Decision } from '../../impl/governance/limiter-drivers';
import { slidingBound } from './rate-limiter';

/** What each divergence means, by check id. */
const FINDINGS: Record<string, string> = {
  'opossum-spec':
    "opossum counts a call's attempt in the bucket of the moment it is fired and its failure in the bucket of the moment it ends " +
    '(its README: error rate = failures / fires). Two calls that time out two ticks later have left the two-tick window with ' +
    'their attempts: 2 failures over 0 attempts, below the minimum volume, so opossum stays closed where the model, counting ' +
    'completed calls, opens. With a minimum volume, calls slower than the window never count toward it.',
  'opossum-but-completed':
    'The same divergence, against the model of opossum in every other respect: the way the window counts requests explains it.',
  'opossum-but-reset':
    'opossum never clears its window. After a probe closes the breaker, the failures that opened it are still in the window, so a ' +
    'single failure opens it again. Hystrix starts a fresh window when it closes.',
  'opossum-but-stale-ignored':
    'Any success while half-open closes opossum, including the late answer of a call admitted before the breaker opened, which ' +
    'says nothing about the service now: no probe was needed. (Likewise any failure while half-open reopens it.)',
  'cockatiel-spec':
    "cockatiel does not reject a call that arrives while its half-open probe runs: the call waits for the probe's outcome, " +
    'then runs if the probe succeeded or fails if it did not (its README says so for `execute`). At most one probe is in ' +
    'flight either way; the difference is waiting instead of failing fast, and every waiting call starts at once when the ' +
    'breaker closes.',
  'cockatiel-no-call-during-probe':
    "A call admitted while closed that fails late, while a probe runs, still counts toward the consecutive threshold (cockatiel's " +
    'counter is not reset when the breaker opens), and the breaker reopens: the probe no longer decides.',
};

const observation = (o: unknown): string => {
  if (o && typeof o === 'object' && 'mode' in o) {
    const b = o as BreakerObservation;
    const passed = b.passed === null ? '' : b.passed ? ', let through' : b.waiting > 0 ? ', held back' : ', rejected';
    return `${b.mode}${passed}, ${b.inFlight} in flight${b.waiting > 0 ? `, ${b.waiting} waiting` : ''}`;
  }
  const t = o as BucketObservation;
  return t.passed === null ? '-' : `${t.passed ? 'admitted' : 'refused'}, ${t.tokens} token(s) left`;
};

function stepTable(steps: readonly DivergenceStep[]): string[] {
  return [
    '| step | command | library | model |',
    '|---:|---|---|---|',
    ...steps.map((s, i) => {
      const differs = i === steps.length - 1 ? ' **≠**' : '';
      return `| ${i + 1} | ${s.action} | ${observation(s.library)}${differs} | ${observation(s.model)} |`;
    }),
  ];
}

const burstList = (bursts: readonly Burst[]): string => bursts.map((b) => `${b.requests} at ${b.atMs} ms`).join(', ');
const historyList = (history: readonly Decision[]): string =>
  history.map((d) => `${d.at} ms ${d.admitted ? 'admitted' : 'refused'}`).join(', ');

function breakerSection(r: LibraryResults): string[] {
  const row = (b: BreakerCheck): string => {
    const d = b.result.divergence;
    const found = d ? `diverges after ${d.steps.length} steps` : 'agrees';
    return `| \`${b.id}\` | ${b.library} | ${b.against}${b.restriction ? `; ${b.restriction}` : ''} | ${b.result.runs} | ${b.result.commands.toLocaleString('en-US')} | ${found} |`;
  };
  return [
    '## Circuit breakers',
    '',
    `opossum is compared with the model's percentage rule (${PERCENTAGE.percent} %, minimum volume ${PERCENTAGE.volume}, a window of ` +
      `${PERCENTAGE.buckets} ticks, cool-down ${PERCENTAGE.coolDown}, timeout ${PERCENTAGE.timeout} ticks, up to ` +
      `${PERCENTAGE.inFlight} concurrent calls), cockatiel with its consecutive rule (${CONSECUTIVE.threshold} failures), both with ` +
      "one probe in half-open. The commands are the model's actions: `Call`, `Succeed(i)` and `Fail(i)` of the i-th call in flight, " +
      "and `Tick`, after which calls older than the timeout have timed out. After each command the breaker's mode, whether a " +
      "call was let through, the calls in flight and the calls it holds back must equal the model's. Three knobs of the model (`volumeCounts`, " +
      "`windowReset`, `staleResults`) give opossum's semantics; opossum agrees with that model, and turning each knob back to " +
      "Hystrix's rule gives one divergence each, so each knob is needed.",
    '',
    '| check | library | compared with | runs | commands | result |',
    '|---|---|---|---:|---:|---|',
    ...r.breakers.map(row),
    '',
    '| behaviour | the model (Hystrix) | opossum | cockatiel |',
    '|---|---|---|---|',
    '| requests in the percentage window | completed calls | every attempt, counted when fired | (consecutive rule) |',
    '| the window when the breaker closes | starts empty | kept | (consecutive rule) |',
    '| late result of a call admitted before the breaker opened | ignored | decides: a success closes a half-open breaker, a failure reopens it | a failure counts toward the threshold and reopens a half-open breaker |',
    '| a call while the probe runs | rejected | rejected | waits, then runs if the probe succeeds and fails if it fails |',
    '| probes in flight in half-open | at most 1 | at most 1 | at most 1 |',
    '',
    ...r.breakers
      .filter((b) => b.result.divergence)
      .flatMap((b) => [`### \`${b.id}\``, '', FINDINGS[b.id] ?? '', '', ...stepTable(b.result.divergence!.steps), '']),
  ];
}

function limiterSection(r: LibraryResults): string[] {
  const limit = slidingBound(BUCKET);
  const windowMs = BUCKET.window * 1000;
  const check = (id: string): LimiterCheck => r.limiters.find((l) => l.id === id)!;
  const row = (l: LimiterCheck): string => {
    if (l.tickResult) {
      const d = l.tickResult.divergence;
      return `| ${l.library} | ${l.property} | ${l.tickResult.runs} | ${l.tickResult.commands.toLocaleString('en-US')} commands | - | ${d ? `diverges after ${d.steps.length} step(s)` : 'holds'} |`;
    }
    const h = l.historyResult!;
    const result = h.counterexample ? `broken: ${burstList(h.counterexample.bursts)}` : 'holds';
    return `| ${l.library} | ${l.property} | ${h.runs} | ${h.requests.toLocaleString('en-US')} requests | ${h.maxObserved} | ${result} |`;
  };
  const exact = check('token-bucket-exact').historyResult!.counterexample;
  const fixed = check('fixed-window-sliding-bound').historyResult!.counterexample;
  return [
    '## Rate limiters',
    '',
    `Both are given the model's token bucket figures: ${BUCKET.rate} token per second, capacity ${BUCKET.burst}, windows of ` +
      `T = ${windowMs} ms, so the sliding bound rate·T + burst is ${limit}; the fixed window gets ${limit} points per ${windowMs / 1000} s. ` +
      "Tick by tick, the TokenBucket is driven by the model's actions. At millisecond resolution, fast-check draws lists of " +
      'bursts (some requests at some instant; half of the instants whole multiples of 100 ms) and judges the history: the most ' +
      `requests admitted in any window [t, t + ${windowMs} ms), and for the bucket the decision an exact (integer) token bucket takes.`,
    '',
    '| library | property | runs | tried | most in a window | result |',
    '|---|---|---:|---:|---:|---|',
    ...r.limiters.map(row),
    '',
    '| bound per window of T | TokenBucket | RateLimiterMemory |',
    '|---|---|---|',
    `| rate·T + burst = ${limit} (the sliding bound) | meets it (at most ${check('token-bucket-bound').historyResult!.maxObserved} seen) | exceeds it |`,
    `| 2·limit − 1 = ${2 * limit - 1} (a fixed window's bound: its whole limit on each side of a boundary, less the request that started the first window) | meets it | meets it (at most ${check('fixed-window-double-bound').historyResult!.maxObserved} seen) |`,
    '',
    "### limiter's TokenBucket",
    '',
    'It starts empty (`content = 0`), so the first request is refused where a full bucket admits it; its `RateLimiter` fills the ' +
      'bucket before use. Against the model of a bucket that starts empty it agrees tick by tick. At millisecond resolution it ' +
      'adds each refill in floating point, and the sum can fall just short of a whole token: fast-check found a request refused ' +
      'although the exact bucket holds one token.',
    '',
    exact ? `- requests: ${burstList(exact.bursts)}` : '- no refusal differed from the exact bucket',
    exact ? `- TokenBucket: ${historyList(exact.history)}` : '',
    '',
    "### rate-limiter-flexible's RateLimiterMemory",
    '',
    'A fixed window that starts at the first request and lasts `duration`; it admits up to `points` in it. The shortest breach ' +
      'fast-check found: the window opens at the first request, three more come just after it, and two more when the window ' +
      `has expired, all admitted: ${limit + 1} in less than ${windowMs} ms.`,
    '',
    fixed ? `- requests: ${burstList(fixed.bursts)}` : '- no breach found',
    fixed ? `- RateLimiterMemory: ${historyList(fixed.history)}` : '',
    '',
    'The same happens in the model: the `fixed-window` configuration of `rate-limiter` breaks `slidingBound` in 7 steps and ' +
      'reaches twice its limit within one window in 10 (see [rate-limiter](rate-limiter.md)).',
    '',
  ];
}

export function renderGovernanceLibraries(r: LibraryResults): string {
  return [
    '# Circuit breakers and rate limiters from npm against the models (`governance-libraries`)',
    '',
    'Each library runs under a fake clock (@sinonjs/fake-timers: `Date`, `performance.now` and the timer functions; one tick ' +
      'of the models is 1000 ms), driven by fast-check with a fixed seed. A divergence from a model is a finding, pinned in ' +
      '`properties/governance/*-libraries.test.ts` with the command list fast-check shrank it to (then with every single ' +
      'command the divergence does not need dropped).',
    '',
    '| package | version | engines.node |',
    '|---|---|---|',
    ...r.versions.map((v) => `| ${v.name} | ${v.version} | ${v.engines?.replaceAll('|', '\\|') ?? '(none declared)'} |`),
    '',
    'opossum 10 and cockatiel 4 declare Node ≥ 22, so the suite (Node ≥ 20) pins opossum 9 and cockatiel 3. ' +
      'rate-limiter-flexible declares no Node version and runs on Node 20.',
    '',
    ...breakerSection(r),
    ...limiterSection(r),
  ].join('\n');
}

export const governanceLibrariesFigure: Figure = {
  id: 'governance-libraries',
  title: 'Circuit breakers and rate limiters from npm against the models',
  render: async () => renderGovernanceLibraries(await libraryResults()),
};
