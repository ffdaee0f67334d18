// Conformance checks every registered model must pass; a new model gets them for free.
import { describe, expect, it } from 'vitest';
import { canonicalString } from '../src/shared/fingerprint';
import { explore } from '../src/check/explore';
import { resolveParams } from '../src/model/params';
import { stateKeyOf } from '../src/model/model';
import { MODELS } from '../models/index';

describe.each(MODELS.map((m) => [m.id, m] as const))('%s', (_id, model) => {
  const bugs = model.variants.filter((v) => v.breaks);
  const smallest = resolveParams(model, model.configurations[0].params ?? {});

  it('has a correct variant and at least one bug variant naming a real invariant, step or liveness property (not a witness)', () => {
    expect(model.variants.some((v) => v.name === 'correct' && !v.breaks)).toBe(true);
    expect(bugs.length).toBeGreaterThan(0);
    for (const v of bugs) {
      const names = model
        .machine(smallest, v.name)
        .properties.filter((p) => p.kind !== 'sometimes')
        .map((p) => p.name);
      expect(names, v.name).toContain(v.breaks);
    }
  });

  it('has sometimes properties and runs every variant in some configuration', () => {
    expect(model.machine(smallest, 'correct').properties.some((p) => p.kind === 'sometimes')).toBe(true);
    const configured = new Set(model.configurations.map((c) => c.variant));
    for (const v of model.variants) expect(configured.has(v.name), v.name).toBe(true);
  });

  it.each(model.variants.map((v) => v.name))('variant %s: its key (hand-written or structural) agrees with the exact canonical text on every reachable state (the first 3,000 of a larger scope)', (variant) => {
    const machine = model.machine(smallest, variant);
    const byKey = new Map<string | number, string>();
    const byJson = new Map<string, string | number>();
    const seen: unknown[] = [...machine.init];
    // A bounded sweep: enough states to exercise every field of the key (the fingerprint itself is property-tested
    // in fingerprint.test.ts). 20,000 states per variant made this file 3 of npm test's 4 minutes.
    const limit = 3_000;
    for (let i = 0; i < seen.length && byKey.size < limit; i++) {
      const s = seen[i];
      const k = stateKeyOf(machine)(s);
      const j = canonicalString(machine.projection ? machine.projection(s) : s);
      if (byKey.has(k)) {
        expect(byKey.get(k)).toBe(j);
        continue;
      }
      expect(byJson.has(j), `two keys for one state ${j}`).toBe(false);
      byKey.set(k, j);
      byJson.set(j, k);
      for (const a of machine.actions(s)) seen.push(machine.next(s, a));
    }
    if (byKey.size < limit) expect(byKey.size).toBe(explore(machine).distinctStates);
  });

  it('names only declared actions', () => {
    const machine = model.machine(smallest, 'correct');
    const r = explore(machine);
    expect(r.coverage.map((c) => c.action)).toEqual(machine.actionNames);
  });
});
