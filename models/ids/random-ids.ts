// Timestamp + user code + random bits: ids that need no coordination, and may collide.
// Source: the seed's 分布式ID section (时间戳 + 用户ID + 随机数). Two ids collide only when they share the
// millisecond and the user code, so the risk is the birthday problem over the random part: with n ids in
// one millisecond and b random bits, P(collision) = 1 - prod_{i<n} (1 - i/2^b) ≈ 1 - exp(-n(n-1)/2^(b+1)).
// Scope: measured collision rates at several rates and widths, against that bound, with a fixed seed.
import { seededRandom } from '../../src/shared/random';
import type { Figure } from '../../src/model/model';
import { xyChart } from '../../src/report/xychart';

export interface RandomIdFields {
  readonly timestampMs: number;
  readonly userCode: number;
  readonly random: number;
}

/** Layout: milliseconds | 10 bits of user code | `randomBits` random bits. */
export function randomId(fields: RandomIdFields, randomBits: number): bigint {
  return (
    (BigInt(fields.timestampMs) << BigInt(10 + randomBits)) | (BigInt(fields.userCode & 1023) << BigInt(randomBits)) | BigInt(fields.random)
  );
}

/** Exact birthday probability that n uniform draws from 2^bits values are not all distinct. */
export function birthdayCollisionProbability(n: number, bits: number): number {
  const space = 2 ** bits;
  let distinct = 1;
  for (let i = 1; i < n; i++) distinct *= 1 - i / space;
  return 1 - Math.max(0, distinct);
}

export interface CollisionMeasurement {
  readonly idsPerMs: number;
  readonly randomBits: number;
  readonly trials: number;
  /** Fraction of simulated milliseconds with at least one collision. */
  readonly measured: number;
  readonly bound: number;
}

/** Simulates `trials` milliseconds, each with `idsPerMs` ids of one user, and counts those with a collision. */
export function measureCollisions(idsPerMs: number, randomBits: number, trials: number, seed: number): CollisionMeasurement {
  const next = seededRandom(seed);
  const space = 2 ** randomBits;
  let hits = 0;
  const seen = new Set<bigint>();
  for (let t = 0; t < trials; t++) {
    seen.clear();
    for (let i = 0; i < idsPerMs; i++) {
      const id = randomId({ timestampMs: t, userCode: 42, random: Math.floor(next() * space) }, randomBits);
      if (seen.has(id)) {
        hits++;
        break;
      }
      seen.add(id);
    }
  }
  return { idsPerMs, randomBits, trials, measured: hits / trials, bound: birthdayCollisionProbability(idsPerMs, randomBits) };
}

export const RATES = [10, 50, 200];
export const WIDTHS = [8, 10, 12, 16, 20];
export const TRIALS = 2000;
export const SEED = 20261126;

export function collisionTable(): CollisionMeasurement[] {
  return RATES.flatMap((rate) => WIDTHS.map((bits) => measureCollisions(rate, bits, TRIALS, SEED + rate * 100 + bits)));
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export const randomIdsFigure: Figure = {
  id: 'random-ids',
  title: 'Timestamp + user code + random bits: collision rate against the birthday bound',
  render: () => {
    const rows = collisionTable();
    const series = RATES.map((rate) => ({
      name: `${rate} ids per ms`,
      values: WIDTHS.map((b) => rows.find((r) => r.idsPerMs === rate && r.randomBits === b)!.measured * 100),
    }));
    return [
      `# Timestamp + user code + random bits (\`random-ids\`)`,
      '',
      "Source: the seed's 分布式ID section. Two ids collide only when they share the millisecond and the user code, so",
      'the chance that a millisecond with n ids of one user holds a collision is the birthday bound over the random bits:',
      '1 − ∏(1 − i/2^b). Each cell simulates ' + `${TRIALS.toLocaleString('en-US')} milliseconds with a fixed seed.`,
      '',
      '| ids per ms (one user) | random bits | measured | birthday bound |',
      '|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.idsPerMs} | ${r.randomBits} | ${pct(r.measured)} | ${pct(r.bound)} |`),
      '',
      `Measured collision rate (%) by random bits; one line per rate (${RATES.join(', ')} ids per millisecond):`,
      '',
      ...xyChart({
        title: 'Milliseconds with a collision (%)',
        kind: 'line',
        x: { title: 'random bits', labels: WIDTHS },
        y: { title: 'collision rate (%)', min: 0, max: 100 },
        series,
        decimals: 2,
      }),
      '',
    ].join('\n');
  },
};
