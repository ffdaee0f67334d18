import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ClockMovedBackwardsError, SnowflakeGenerator } from '../../impl/snowflake-generator';
import {
  TWITTER_EPOCH,
  decodeSnowflake,
  encodeSnowflake,
  snowflake,
  type SnowflakeAction,
  type SnowflakeState,
} from '../../models/ids/snowflake';
import { conformsToModel } from '../../src/check/mbt';
import { configurationOutcomes } from '../../src/run/testing';

const EPOCH = Number(TWITTER_EPOCH);
const fieldsArb = fc.record({
  timestamp: fc.integer({ min: EPOCH, max: EPOCH + 2 ** 41 - 1 }),
  datacenterId: fc.integer({ min: 0, max: 31 }),
  workerId: fc.integer({ min: 0, max: 31 }),
  sequence: fc.integer({ min: 0, max: 4095 }),
});

describe('snowflake encoding', () => {
  test.prop([fieldsArb])('decode(encode(x)) = x, and the id is a non-negative 63-bit integer', (fields) => {
    const id = encodeSnowflake(fields);
    expect(decodeSnowflake(id)).toEqual(fields);
    expect(id >= 0n && id < 1n << 63n).toBe(true);
  });

  test.prop([fieldsArb, fieldsArb])('orders ids by timestamp first', (a, b) => {
    fc.pre(a.timestamp !== b.timestamp);
    expect(encodeSnowflake(a) < encodeSnowflake(b)).toBe(a.timestamp < b.timestamp);
  });

  it('places the fields where the layout says', () => {
    expect(encodeSnowflake({ timestamp: EPOCH, datacenterId: 0, workerId: 0, sequence: 0 })).toBe(0n);
    expect(encodeSnowflake({ timestamp: EPOCH + 1, datacenterId: 0, workerId: 0, sequence: 0 })).toBe(1n << 22n);
    expect(encodeSnowflake({ timestamp: EPOCH, datacenterId: 1, workerId: 1, sequence: 1 })).toBe((1n << 17n) | (1n << 12n) | 1n);
  });

  it('rejects fields out of bounds', () => {
    expect(() => encodeSnowflake({ timestamp: EPOCH, datacenterId: 32, workerId: 0, sequence: 0 })).toThrow(RangeError);
    expect(() => encodeSnowflake({ timestamp: EPOCH, datacenterId: 0, workerId: 0, sequence: 4096 })).toThrow(RangeError);
    expect(() => encodeSnowflake({ timestamp: EPOCH - 1, datacenterId: 0, workerId: 0, sequence: 0 })).toThrow(RangeError);
  });
});

describe('snowflake model', () => {
  const { outcomes, outcome } = configurationOutcomes(snowflake);

  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it('reaches sequence exhaustion, a clock behind, a refusal and an id after a restart', () => {
    expect(outcome('leaf').witnesses.map((w) => w.property)).toEqual(['sequenceExhausted', 'clockBehind', 'refused', 'issuedAfterRestart']);
  });

  it('catches an ignored rollback and a reused worker id, each with a duplicate-id trace', () => {
    for (const name of ['rollback-ignored', 'worker-id-reused']) {
      const v = outcome(name).violations.find((x) => x.property === 'unique')!;
      const issued = (v.trace.steps.at(-1)!.state as SnowflakeState).issued;
      expect(new Set(issued).size, name).toBe(issued.length - 1);
    }
    expect(outcome('worker-id-reused').violations[0].trace.steps.map((s) => s.action)).toEqual([null, 'NextId(W1)', 'NextId(W2)']);
  });
});

describe('snowflake generator against the model', () => {
  const machine = snowflake.machine({ workers: 2, seqBits: 1, maxIds: 6, ticks: 4, policy: 'leaf', rollbacks: 2, restarts: 2 }, 'correct');
  interface Real {
    clocks: number[];
    gens: SnowflakeGenerator[];
    issued: string[];
  }
  const make = (real: Real, w: number, persistedLastTs?: number): SnowflakeGenerator =>
    new SnowflakeGenerator({
      workerId: w,
      now: () => real.clocks[w],
      policy: 'leaf',
      sequenceBits: 1,
      ...(persistedLastTs === undefined ? {} : { persistedLastTs }),
    });
  const driver = {
    create: (): Real => {
      const real: Real = { clocks: [10, 10], gens: [], issued: [] };
      real.gens = [make(real, 0), make(real, 1)];
      return real;
    },
    apply: (real: Real, a: SnowflakeAction) => {
      if (!('w' in a)) {
        // A clock step of the clocks block: a worker's clock ticks, or jumps back by 2 or 7 ms.
        const c = Number(a.node!.slice(1)) - 1;
        if (a.name === 'Tick') real.clocks[c]++;
        else if (a.name === 'ClockJumpBack') real.clocks[c] -= a.by;
        else throw new Error(`unexpected clock step ${a.name}`);
        return;
      }
      const w = a.w;
      if (a.name === 'Restart') real.gens[w] = make(real, w, real.gens[w].lastTimestamp);
      else if (a.name === 'NextId') real.issued.push(String(real.gens[w].nextId()));
      else if (a.name === 'Wait') real.issued.push(...(real.gens[w].nextId() === null ? [] : ['issued instead of waiting']));
      else {
        try {
          real.gens[w].nextId();
          real.issued.push('no refusal');
        } catch (e) {
          if (!(e instanceof ClockMovedBackwardsError)) throw e;
        }
      }
    },
    observe: (real: Real) => ({ issued: [...real.issued].sort(), lastTs: real.gens.map((g) => g.lastTimestamp) }),
    expected: (s: SnowflakeState) => ({ issued: s.issued, lastTs: s.lastTs }),
  };

  it('issues exactly the ids the model issues, waits and refuses when it does', () => {
    fc.assert(conformsToModel(machine, driver, 40), { numRuns: 200, seed: 17 });
  });
});
