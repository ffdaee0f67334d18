// The engine's structural fingerprint of plain state: equal exactly for values that are equal as values,
// incremental against the parent, and a clear error for what is not plain data.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  FP,
  canonicalString,
  fingerprintValueInto,
  fromJsonValue,
  intern,
  setParent,
  structurallyEqual,
  toJsonValue,
} from '../src/shared/fingerprint';
import { orbitFingerprintInto, orbitKey, renameIds } from '../src/shared/symmetry';
import { explore } from '../src/check/explore';
import { checkLiveness } from '../src/check/liveness';
import { UsageError } from '../src/shared/errors';
import { interned, setAdd, setRemove } from '../src/model/plain';
import type { Machine } from '../src/model/model';

const fp = (v: unknown, near?: unknown): string => {
  fingerprintValueInto(v, near);
  return `${FP[0]}:${FP[1]}`;
};

/** Plain values, with Sets and Maps built from arrays (so the same content comes in many insertion orders). */
const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, 1, -1, 'a', 'b', ''),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 4 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('x', 'y', 'z', 'rm1', 'rm2'), tie('value'), { maxKeys: 4 }),
    fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom('p', 'q', 'r')), { maxLength: 5 }).map((xs) => new Set(xs)),
    fc
      .uniqueArray(fc.tuple(fc.constantFrom('k1', 'k2', 'k3', 'k4'), tie('value')), { maxLength: 4, selector: (e) => e[0] })
      .map((es) => new Map(es)),
  ),
})).value;

/** A copy with every record's keys, Set's elements and Map's entries in reversed insertion order. */
function reorder(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(reorder);
  if (v instanceof Set) return new Set([...v].reverse().map(reorder));
  if (v instanceof Map) return new Map([...v].reverse().map(([k, x]) => [k, reorder(x)]));
  return Object.fromEntries(
    Object.entries(v)
      .reverse()
      .map(([k, x]) => [k, reorder(x)]),
  );
}

describe('structural fingerprint', () => {
  test.prop([plain])('ignores property, element and entry order', (v) => {
    expect(fp(reorder(v))).toBe(fp(v));
  });

  test.prop([plain, plain])('agrees with exact equality of canonical texts', (a, b) => {
    expect(fp(a) === fp(b)).toBe(canonicalString(a) === canonicalString(b));
  });

  it('tells kinds apart: an array, a Set and a record of the same content differ', () => {
    const shapes = [[1], new Set([1]), { 0: 1 }, new Map([[0, 1]]), 1, '1', [[1]], [], {}, new Set(), null, undefined, false];
    expect(new Set(shapes.map((s) => fp(s))).size).toBe(shapes.length);
  });

  it('treats a property holding undefined as absent, and -0 as 0', () => {
    expect(fp({ a: 1, b: undefined })).toBe(fp({ a: 1 }));
    expect(fp({ x: -0 })).toBe(fp({ x: 0 }));
  });

  test.prop([plain, fc.constantFrom('x', 'y', 'z', 'w'), plain])(
    'hashing a successor against its parent gives the fingerprint of a hash from scratch',
    (parentValue, key, newValue) => {
      const parent = { a: parentValue, b: { inner: parentValue, n: 1 }, c: [parentValue] };
      setParent(parent);
      const children = [
        { ...parent, [key]: newValue },
        { ...parent, b: { ...parent.b, n: 2 } },
        { ...parent, b: { inner: newValue } },
        { a: parent.a },
        { ...parent, extra: undefined },
      ];
      for (const child of children) {
        const near = fp(child, parent);
        expect(near).toBe(fp(child));
        // Again from scratch, with no parent remembered, as a second opinion.
        setParent(null);
        expect(fp(child)).toBe(near);
        setParent(parent);
      }
    },
  );

  it('rejects what is not plain data with one line naming the path', () => {
    const bad: [unknown, RegExp][] = [
      [{ a: { b: [1, () => 2] } }, /state\.a\.b\[1\] holds a function/],
      [{ when: new Date(0) }, /state\.when holds an instance of Date/],
      [{ n: Number.NaN }, /state\.n holds the non-finite number NaN/],
      [{ xs: [Infinity] }, /state\.xs\[0\] holds the non-finite number Infinity/],
    ];
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    bad.push([cyclic, /state\.self\.back holds a cycle/]);
    for (const [value, message] of bad) {
      expect(() => fingerprintValueInto(value)).toThrow(UsageError);
      expect(() => fingerprintValueInto(value)).toThrow(message);
    }
  });

  it('rejects a Set holding two structurally equal records, and says how to fix it', () => {
    const msgs = new Set([{ type: 'Commit' }, { type: 'Commit' }]);
    expect(() => fingerprintValueInto({ msgs })).toThrow(/state\.msgs holds two structurally equal elements \{"type":"Commit"\}.*intern/);
    // Built once, the same record is one element, as in the paper's set of messages.
    expect(new Set([intern({ type: 'Commit' }), intern({ type: 'Commit' })]).size).toBe(1);
    const Prepared = interned((rm: string) => ({ type: 'Prepared', rm }));
    expect(Prepared('rm1')).toBe(intern({ rm: 'rm1', type: 'Prepared' }));
    expect(Prepared('rm1')).not.toBe(Prepared('rm2'));
  });

  test.prop([plain, fc.string({ maxLength: 3 }), fc.integer()])(
    'an interned value keeps the fingerprint of an equal fresh value, in and out of a parent',
    (v, tag, n) => {
      const fresh = { tag, n, v };
      const shared = intern({ v, n, tag });
      expect(fp(shared)).toBe(fp(fresh));
      const parent = { msgs: new Set([shared]), other: [shared] };
      setParent(parent);
      const child = { ...parent, msgs: new Set([shared, intern({ tag, n: n + 1 })]) };
      const near = fp(child, parent);
      setParent(null);
      expect(near).toBe(fp({ msgs: new Set([fresh, { tag, n: n + 1 }]), other: [fresh] }));
    },
  );

  test.prop([
    fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom('p', 'q')), { maxLength: 5 }),
    fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom('p', 'q', 'r')),
  ])('a set made by setAdd or setRemove from the parent’s set is hashed from the difference, as from scratch', (xs, x) => {
    const parent = { msgs: new Set<unknown>(xs), n: 0 };
    setParent(parent);
    const added = { ...parent, msgs: setAdd(parent.msgs, x) };
    const removed = { ...parent, msgs: setRemove(parent.msgs, x) };
    // Derived twice in a row, from a set that is not the parent's: hashed in full.
    const twice = { ...parent, msgs: setAdd(setAdd(parent.msgs, x), 'fresh') };
    const near = [fp(added, parent), fp(removed, parent), fp(twice, parent)];
    setParent(null);
    expect(near).toEqual([
      fp({ msgs: new Set([...xs, x]), n: 0 }),
      fp({ msgs: new Set(xs.filter((y) => y !== x)), n: 0 }),
      fp({ msgs: new Set([...xs, x, 'fresh']), n: 0 }),
    ]);
  });

  test.prop([plain])('round-trips through JSON (trace files) with Sets and Maps', (v) => {
    const back = fromJsonValue(JSON.parse(JSON.stringify(toJsonValue({ v }))));
    expect(structurallyEqual(back, { v })).toBe(true);
  });
});

describe('symmetry from a declaration', () => {
  const ids = ['n1', 'n2', 'n3', 'n4'];
  /** A state in which ids occur as record keys, values, Set elements, Map keys and inside messages. */
  const state = fc
    .record({
      role: fc.constantFrom('leader', 'follower', 'candidate'),
      votes: fc.subarray(ids),
      inbox: fc.array(fc.record({ from: fc.constantFrom(...ids), term: fc.integer({ min: 0, max: 2 }) }), { maxLength: 3 }),
      leader: fc.constantFrom(null, ...ids),
    })
    .chain((shape) =>
      fc.tuple(fc.constant(shape), fc.array(fc.constantFrom('leader', 'follower', 'candidate'), { minLength: 4, maxLength: 4 })),
    )
    .map(([s, roles]) => ({
      roles: Object.fromEntries(ids.map((id, i) => [id, roles[i]])),
      votes: new Set(s.votes),
      acks: new Map(s.votes.map((v, i) => [v, i % 2])),
      inbox: s.inbox,
      leader: s.leader,
    }));
  const permutation = fc.shuffledSubarray(ids, { minLength: 4, maxLength: 4 });

  test.prop([state, permutation])('a permuted state has the same orbit fingerprint and key', (s, perm) => {
    const t = renameIds(s, new Map(ids.map((id, i) => [id, perm[i]])));
    orbitFingerprintInto(s, ids);
    const a = [FP[0], FP[1]];
    orbitFingerprintInto(t, ids);
    expect([FP[0], FP[1]]).toEqual(a);
    expect(orbitKey(t, ids)).toBe(orbitKey(s, ids));
  });

  test.prop([state, state])('two states share an orbit exactly when some permutation maps one to the other', (s, t) => {
    const perms = permutations(ids);
    const related = perms.some((p) => canonicalString(renameIds(s, new Map(ids.map((id, i) => [id, p[i]])))) === canonicalString(t));
    expect(orbitKey(s, ids) === orbitKey(t, ids)).toBe(related);
    orbitFingerprintInto(s, ids);
    const a = `${FP[0]}:${FP[1]}`;
    orbitFingerprintInto(t, ids);
    expect(`${FP[0]}:${FP[1]}` === a).toBe(related);
  });
});

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('CONSTRAINT and VIEW', () => {
  type S = { readonly clock: number; readonly log: readonly number[] };
  const tick = { name: 'Tick' };
  const base: Machine<S, { name: string }> = {
    init: [{ clock: 0, log: [] }],
    actions: () => [tick],
    next: (s) => ({ clock: s.clock + 1, log: [...s.log, s.clock] }),
    properties: [{ kind: 'sometimes', name: 'late', description: 'clock reaches 3', holds: (s) => s.clock === 3 }],
    actionNames: ['Tick'],
    formatAction: (a) => a.name,
  };

  it('a state constraint bounds an unbounded clock: the state outside it is counted, checked, not expanded', () => {
    const r = explore({ ...base, constraint: (s) => s.clock < 3 });
    expect([r.distinctStates, r.statesGenerated, r.depth, r.unreached]).toEqual([4, 4, 4, []]);
  });

  it('liveness does not call a state outside the constraint stuck, and still finds a stuck state inside it', () => {
    const eventually = { kind: 'eventually', name: 'reaches5', description: 'clock reaches 5', holds: (s: S) => s.clock === 5 } as const;
    expect(checkLiveness({ ...base, properties: [eventually], constraint: (s) => s.clock < 3 }).violations).toEqual([]);
    const halts: Machine<S, { name: string }> = { ...base, actions: (s) => (s.clock < 2 ? [tick] : []), properties: [eventually] };
    expect(checkLiveness({ ...halts, constraint: (s) => s.clock < 3 }).violations.map((v) => v.property)).toEqual(['reaches5']);
  });

  it('a view tells states apart by a projection: without the history variable, clock mod 2 leaves two states', () => {
    const r = explore({ ...base, projection: (s) => ({ parity: s.clock % 2 }) });
    expect([r.distinctStates, r.depth]).toEqual([2, 2]);
  });
});

describe('a hand-written orbit key', () => {
  // Two nodes that each hold a lock or not; the orbit key must count holders, whoever they are.
  type S = Readonly<Record<string, boolean>>;
  const ids = ['n1', 'n2', 'n3'];
  const machine = (symmetry: (s: S) => string): Machine<S, { name: string; node: string }> => ({
    init: [{ n1: false, n2: false, n3: false }],
    actions: () => ids.map((node) => ({ name: 'Toggle', node })),
    next: (s, a) => ({ ...s, [a.node]: !s[a.node] }),
    properties: [{ kind: 'sometimes', name: 'all', description: 'all hold', holds: (s) => ids.every((i) => s[i]) }],
    actionNames: ['Toggle'],
    formatAction: (a) => `Toggle(${a.node})`,
    symmetricIds: ids,
    symmetry,
  });

  it('is accepted when it is a true orbit key, with the orbit count the declaration gives', () => {
    const count = (s: S): string => String(ids.filter((i) => s[i]).length);
    expect(explore(machine(count), { symmetry: true }).distinctStates).toBe(4);
    const { symmetry: _hand, ...declared } = machine(count);
    expect(explore(declared, { symmetry: true }).distinctStates).toBe(4);
  });

  it('is rejected, in one line, when it tells apart two permutations of one state', () => {
    // Forgets that n1 is like the others: a wrong key that would still "pass" with a wrong count.
    const wrong = (s: S): string => `${s.n1}:${ids.filter((i) => s[i]).length}`;
    expect(() => explore(machine(wrong), { symmetry: true })).toThrow(/symmetry: the model's orbit key gives different keys/);
  });
});
