import { describe, expect, it } from 'vitest';
import { cap, type CapState } from '../../models/replication/cap';
import { CATALOG } from '../../models/index';
import { renderReports } from '../../src/report/render';
import { replayTrace } from '../../src/trace/trace-file';
import { configurationOutcomes, noShorterViolation } from '../../src/run/testing';
import { resolveParams } from '../../src/model/params';
import type { AnyModel } from '../../src/model/model';

const { outcomes, outcome } = configurationOutcomes(cap);
const violation = (name: string, property: string) => outcome(name).violations.find((v) => v.property === property)!;

describe('cap', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it.each([
    ['cp', 110],
    ['ap', 110],
    ['cp-partition', 858],
    ['ap-partition', 489],
  ])('explores %s: %i distinct states', (name, states) => {
    expect(outcome(name).distinctStates).toBe(states);
  });

  it('without a partition, CP and AP are both linearizable and available', () => {
    expect(outcome('cp').violations).toEqual([]);
    expect(outcome('ap').violations).toEqual([]);
  });

  it('CP under a partition refuses a request and stays there: available is violated, linearizable holds', () => {
    const v = violation('cp-partition', 'available');
    expect(v.trace.stutter).toBe(true);
    expect(v.trace.steps.map((s) => s.action)).toContain('Partition({X} | {Y})');
    expect((v.trace.steps.at(-1)!.state as CapState).clients.map((c) => c.phase)).toContain('refused');
    expect(outcome('cp-partition').violations.map((x) => x.property)).toEqual(['available']);
  });

  it('AP under a partition acknowledges a write on X alone, then Y reads ∅: linearizable breaks in 5 steps', () => {
    const steps = violation('ap-partition', 'linearizable')
      .trace.steps.slice(1)
      .map((s) => s.action);
    expect(steps).toEqual(['Invoke(W)', 'Partition({X} | {Y})', 'Timeout(W)', 'Invoke(R1)', 'Timeout(R1)']);
    expect(noShorterViolation(cap, 'ap', { readers: 2, partitions: 1 }, 'linearizable', 5)).toBe(true);
    const model: AnyModel = cap;
    const machine = model.machine(resolveParams(model, { readers: 2, partitions: 1 }), 'ap');
    const last = violation('ap-partition', 'linearizable').trace.steps.at(-1)!.state as CapState;
    expect(machine.explain!(last)).toContain('cannot be placed next: R1 read → null (lines 3–4) in state 1');
    expect(outcome('ap-partition').violations.map((x) => x.property)).toEqual(['linearizable']);
  });

  it('derives the CAP table from the runs', async () => {
    const index = (await renderReports([{ model: cap, outcomes }], CATALOG)).get('README.md')!;
    const table = index.slice(index.indexOf('## CAP on two replicas'));
    expect(table).toContain('| linearizable without a partition? | yes ([cp](cap.md)) | yes ([ap](cap.md)) |');
    expect(table).toContain('| available without a partition? | yes ([cp](cap.md)) | yes ([ap](cap.md)) |');
    expect(table).toContain(
      '| linearizable under a partition? | yes ([cp-partition](cap.md)) | no: Y reads ∅ after X acknowledged 1 ([ap-partition](cap.md)) |',
    );
    expect(table).toContain(
      '| available under a partition? | no: requests are refused ([cp-partition](cap.md)) | yes ([ap-partition](cap.md)) |',
    );
  });

  it('replays every counterexample', () => {
    for (const o of outcomes)
      for (const v of o.violations) expect(replayTrace(v.trace, cap).reproduced, `${o.configuration} ${v.property}`).toBe(true);
  });
});
