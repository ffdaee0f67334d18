import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { simulateHistory, type SimulationOptions } from '../src/cli/bench-linearizable';
import { historyToJsonl, parseHistory, type Operation } from '../src/check/history';
import { SPECS, checkLinearizable, linearization, type SequentialSpec } from '../src/check/linearizability';
import { renderHistoryMermaid, renderTimeline } from '../src/trace/history-render';
import { UsageError } from '../src/shared/errors';

const FIXTURES = 'test/fixtures/histories';
const tmp = mkdtempSync(join(tmpdir(), 'distcheck-lin-'));
const jsonl = (...events: object[]): string => events.map((e) => `${JSON.stringify(e)}\n`).join('');
const ops = (model: string, text: string): readonly Operation[] => parseHistory(text, 'h.jsonl', SPECS[model]).operations;
const verdict = (model: string, text: string): boolean | null => checkLinearizable(SPECS[model], ops(model, text)).linearizable;

// ---------------------------------------------------------------------------------------------------------
// A brute-force checker, written independently of the search: every order of the operations that respects
// real time (an ok operation that returned before another was invoked comes first), every ok operation
// placed, each info operation placed or not, judged by its own sequential semantics.

type Value = unknown;
function legalStep(model: string, state: Value, o: Operation): { ok: boolean; state: Value } {
  const known = o.outcome === 'ok';
  switch (o.f) {
    case 'read':
    case 'get':
      return { ok: !known || o.output === state, state };
    case 'write':
    case 'put':
      return { ok: true, state: o.input };
    case 'append':
      return { ok: true, state: `${state as string}${o.input as string}` };
    case 'cas': {
      const [expected, next] = o.input as [Value, Value];
      const swapped = state === expected;
      return { ok: !known || o.output === swapped, state: swapped ? next : state };
    }
    default:
      throw new Error(`${model}: unexpected ${o.f}`);
  }
}

function bruteForce(model: string, all: readonly Operation[]): boolean {
  const byKey = new Map<unknown, Operation[]>();
  for (const o of all) if (o.outcome !== 'fail') byKey.set(o.key, [...(byKey.get(o.key) ?? []), o]);
  const init = model === 'kv' ? '' : null;
  return [...byKey.values()].every((cands) => {
    const mustPlace = cands.filter((o) => o.outcome === 'ok').length;
    const placed = cands.map(() => false);
    const extend = (state: Value, placedOk: number): boolean => {
      if (placedOk === mustPlace) return true;
      for (let i = 0; i < cands.length; i++) {
        if (placed[i]) continue;
        const o = cands[i];
        if (cands.some((p, j) => !placed[j] && p.outcome === 'ok' && p.ret < o.call)) continue;
        const r = legalStep(model, state, o);
        if (!r.ok) continue;
        placed[i] = true;
        if (extend(r.state, placedOk + (o.outcome === 'ok' ? 1 : 0))) return true;
        placed[i] = false;
      }
      return false;
    };
    return extend(init, 0);
  });
}

/** An order is a linearization: real time respected, every ok operation in it, every step legal. */
function isLinearization(model: string, all: readonly Operation[], order: readonly Operation[]): boolean {
  const at = new Map(order.map((o, i) => [o, i]));
  for (const o of all) if (o.outcome === 'ok' && !at.has(o)) return false;
  for (const a of order) for (const b of order) if (a.ret < b.call && at.get(a)! > at.get(b)!) return false;
  let state: Value = model === 'kv' ? '' : null;
  for (const o of order) {
    const r = legalStep(model, state, o);
    if (!r.ok) return false;
    state = r.state;
  }
  return true;
}

/** The first lines of a history: operations without their completion are pending, as the checker sees a prefix. */
const firstLines = (text: string, n: number): string =>
  text
    .split('\n')
    .slice(0, n)
    .map((l) => `${l}\n`)
    .join('');

const randomStream = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 64 });
const cycle = (xs: readonly number[]): (() => number) => {
  let i = 0;
  return () => xs[i++ % xs.length];
};

describe('differential test against brute force', () => {
  it('agrees on 1,200 simulated register and cas-register histories of up to 7 operations, with info and fail mixed in', () => {
    const tally = { linearizable: 0, not: 0, withInfo: 0, withFail: 0 };
    fc.assert(
      fc.property(
        fc.record({
          model: fc.constantFrom('register' as const, 'cas-register' as const),
          processes: fc.integer({ min: 1, max: 4 }),
          operations: fc.integer({ min: 1, max: 7 }),
          values: fc.integer({ min: 2, max: 3 }),
          crashes: fc.integer({ min: 0, max: 2 }),
          fails: fc.integer({ min: 0, max: 2 }),
          // Half the objects are faulty: some of their reads report a value they did not see.
          staleReads: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 })),
        }),
        randomStream,
        (options: SimulationOptions, stream) => {
          const text = simulateHistory(cycle(stream), options);
          const history = ops(options.model, text);
          const expected = bruteForce(options.model, history);
          const r = checkLinearizable(SPECS[options.model], history);
          expect(r.linearizable).toBe(expected);
          if (history.some((o) => o.outcome === 'info')) tally.withInfo++;
          if (history.some((o) => o.outcome === 'fail')) tally.withFail++;
          if (expected) {
            tally.linearizable++;
            expect(isLinearization(options.model, history, linearization(SPECS[options.model], history)!)).toBe(true);
          } else {
            tally.not++;
            // The explanation's prefix is exact: everything before the breaking line is linearizable, and not with it.
            const line = r.explanation!.breakingLine;
            expect(bruteForce(options.model, ops(options.model, firstLines(text, line - 1)))).toBe(true);
            expect(bruteForce(options.model, ops(options.model, firstLines(text, line)))).toBe(false);
          }
        },
      ),
      { numRuns: 1200, seed: 20240510 },
    );
    // Both verdicts must be common, or the comparison proves little: at least a third each (with this seed,
    // 611 linearizable and 589 not; 451 histories hold an info, 259 a fail).
    expect(tally.linearizable).toBeGreaterThan(400);
    expect(tally.not).toBeGreaterThan(400);
    expect(tally.withInfo).toBeGreaterThan(300);
    expect(tally.withFail).toBeGreaterThan(200);
  });

  it('agrees on 300 simulated kv histories over two keys', () => {
    let not = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 2 }), randomStream, (operations, staleReads, stream) => {
        const options: SimulationOptions = { model: 'kv', processes: 3, operations, keys: 2, crashes: 1, fails: 1, staleReads };
        const history = ops('kv', simulateHistory(cycle(stream), options));
        const expected = bruteForce('kv', history);
        if (!expected) not++;
        expect(verdict('kv', historyToJsonl(history))).toBe(expected);
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(not).toBeGreaterThan(30);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Herlihy & Wing, "Linearizability: A Correctness Condition for Concurrent Objects" (TOPLAS 1990): the FIFO
// queue histories H1–H4 of Figure 1 (the checker takes any sequential specification, so the test brings a
// queue), and the register histories H5/H6 of Figure 2 (after Misra), in test/fixtures/histories.

const queue: SequentialSpec<readonly string[]> = {
  name: 'queue',
  operations: ['enq', 'deq'],
  checkValue: () => undefined,
  readOnly: () => false,
  init: () => [],
  step: (q, { f, value }, output) =>
    f === 'enq' ? { ok: true, state: [...q, value as string] } : { ok: output === undefined || q[0] === output, state: q.slice(1) },
  key: (q) => q.join(','),
  describeOperation: (o) => (o.f === 'enq' ? `E(${o.input as string})` : `D(${String(o.output)})`),
  describeState: (q) => `[${q.join(', ')}]`,
};
const E = (p: string, x: string) => ({ process: p, type: 'invoke', f: 'enq', value: x });
const D = (p: string) => ({ process: p, type: 'invoke', f: 'deq' });
const ok = (p: string, value?: string) => ({ process: p, type: 'ok', ...(value ? { value } : {}) });
const onQueue = (...events: object[]) => checkLinearizable(queue, parseHistory(jsonl(...events), 'hw.jsonl', queue).operations);

describe("Herlihy & Wing's histories", () => {
  it('H1: concurrent enqueues of x and y, then x and y dequeued, is linearizable', () => {
    const r = onQueue(E('A', 'x'), E('B', 'y'), ok('B'), ok('A'), D('B'), ok('B', 'x'), D('A'), ok('A', 'y'), E('A', 'z'));
    expect(r.linearizable).toBe(true);
  });

  it('H2: x enqueued before y, yet y dequeued first, is not; the dequeue of y cannot be placed', () => {
    const r = onQueue(E('A', 'x'), ok('A'), E('B', 'y'), D('A'), ok('B'), ok('A', 'y'));
    expect(r.linearizable).toBe(false);
    expect(r.explanation!.stuck).toMatchObject({ process: 'A', f: 'deq', output: 'y' });
    expect(r.explanation!.breakingLine).toBe(6);
  });

  it('H3: x dequeued before its enqueue returned is linearizable', () => {
    expect(onQueue(E('A', 'x'), D('B'), ok('B', 'x')).linearizable).toBe(true);
  });

  it('H4: y dequeued twice is not', () => {
    const r = onQueue(E('A', 'x'), E('B', 'y'), ok('A'), ok('B'), D('A'), D('C'), ok('A', 'y'), ok('C', 'y'));
    expect(r.linearizable).toBe(false);
    expect(r.explanation!.breakingLine).toBe(8);
  });

  it('H5 is linearizable and H6 is not: C wrote 0 after A read 1, so B cannot read 1 afterwards', async () => {
    expect((await cli('linearizable', `${FIXTURES}/h5-register.jsonl`, '--model', 'register')).code).toBe(0);
    const r = checkLinearizable(SPECS.register, parseHistory(await read('h6-register.jsonl'), 'h6', SPECS.register).operations);
    expect(r.linearizable).toBe(false);
    expect(r.explanation!.linearized.map((l) => SPECS.register.describeOperation(l.op))).toEqual([
      'write 0',
      'write 1',
      'read → 1',
      'write 0',
    ]);
    expect(r.explanation!.stuck).toMatchObject({ process: 'B', output: 1 });
    expect(renderTimeline(SPECS.register, r.explanation!)).toBe(
      [
        'not linearizable: everything before line 10 is linearizable; line 10, where B read → 1 completes, is not',
        '  line │ 1         2 3 4          5 6         7 8 9            10',
        '  A    │ [write 0──]   [read → 1──]',
        '  B    │             [write 1───────────────────] [✗ read → 1──]',
        '  C    │                            [write 0──]',
        '  linearized: A write 0 → B write 1 → A read → 1 → C write 0 (state 0)',
        '  cannot be placed next: B read → 1 (lines 9–10) in state 0',
        '  concurrent with it: none',
      ].join('\n'),
    );
    expect(renderHistoryMermaid(SPECS.register, r.explanation!)).toContain('Note over P1,OBJ: ✗ read → 1 cannot be placed in state 0');
  });
});

async function read(name: string): Promise<string> {
  const { readFileSync } = await import('node:fs');
  return readFileSync(join(FIXTURES, name), 'utf8');
}

describe('the checker', () => {
  it('lets an info write take effect late, or never', () => {
    const w = { process: 0, type: 'invoke', f: 'write', value: 1 };
    const info = { process: 0, type: 'info', f: 'write' };
    const r = (p: number, v: number | null) => [
      { process: p, type: 'invoke', f: 'read', value: null },
      { process: p, type: 'ok', f: 'read', value: v },
    ];
    expect(verdict('register', jsonl(w, info, ...r(1, null), ...r(2, 1)))).toBe(true);
    expect(verdict('register', jsonl(w, info, ...r(1, null), ...r(2, null)))).toBe(true);
    // Once seen, it stays: a later read of null is a new-old inversion.
    expect(verdict('register', jsonl(w, info, ...r(1, 1), ...r(2, null)))).toBe(false);
  });

  it('ignores a failed write, and treats an operation pending at the end like an info', () => {
    const failed = [
      { process: 0, type: 'invoke', f: 'write', value: 1 },
      { process: 0, type: 'fail', f: 'write' },
    ];
    const read1 = [
      { process: 1, type: 'invoke', f: 'read', value: null },
      { process: 1, type: 'ok', f: 'read', value: 1 },
    ];
    expect(verdict('register', jsonl(...failed, ...read1))).toBe(false);
    expect(verdict('register', jsonl(failed[0], ...read1))).toBe(true);
  });

  it('checks a cas history with a crashed cas, a failed one and one that did not match', async () => {
    expect(verdict('cas-register', await read('cas-crashed.jsonl'))).toBe(true);
  });

  it('finds the breaking line past the search bound when a cas still pending could have swapped', () => {
    // Up to line 5 the pending cas may have swapped 1→2, which explains the read of 2; its false on line 6 does not.
    const r = checkLinearizable(
      SPECS['cas-register'],
      ops(
        'cas-register',
        jsonl(
          { process: 0, type: 'invoke', f: 'write', value: 1 },
          { process: 0, type: 'ok', f: 'write', value: 1 },
          { process: 1, type: 'invoke', f: 'cas', value: [1, 2] },
          { process: 2, type: 'invoke', f: 'read', value: null },
          { process: 2, type: 'ok', f: 'read', value: 2 },
          { process: 1, type: 'ok', f: 'cas', value: false },
        ),
      ),
    );
    expect(r.explanation).toMatchObject({ breakingLine: 6, breaking: { f: 'cas', output: false }, stuck: { f: 'read', output: 2 } });
  });

  it('checks each key on its own and explains the first key that fails', async () => {
    const r = checkLinearizable(SPECS.kv, ops('kv', await read('kv-two-keys.jsonl')));
    expect(r).toMatchObject({ linearizable: false, keys: 2, failingKeys: ['y'] });
    expect(r.explanation).toMatchObject({ key: 'y', breakingLine: 9, stuck: { f: 'get', output: '' }, stuckState: '"p"' });
  });

  it('gives up at the time limit without a verdict', () => {
    const r = checkLinearizable(SPECS.register, ops('register', hardHistory()), { maxSeconds: 0.05 });
    expect(r.linearizable).toBeNull();
  });

  it('round-trips a parsed history through JSON Lines', async () => {
    for (const [file, model] of [
      ['kv-two-keys.jsonl', 'kv'],
      ['cas-crashed.jsonl', 'cas-register'],
      ['h6-register.jsonl', 'register'],
    ]) {
      const parsed = ops(model, await read(file));
      expect(ops(model, historyToJsonl(parsed))).toEqual(parsed);
    }
  });
});

/** 24 concurrent writes, then a read of a value nobody wrote: every subset of the writes is a configuration. */
function hardHistory(): string {
  const ids = Array.from({ length: 24 }, (_, i) => i);
  return jsonl(
    ...ids.map((i) => ({ process: i, type: 'invoke', f: 'write', value: i })),
    ...ids.map((i) => ({ process: i, type: 'ok', f: 'write', value: i })),
    { process: 0, type: 'invoke', f: 'read', value: null },
    { process: 0, type: 'ok', f: 'read', value: 99 },
  );
}

describe('bad input names the file and the line', () => {
  const bad: [string, string, string, RegExp][] = [
    ['a malformed line', 'register', '{"process": 0, "type": "invoke", "f": "read"', /^x\.jsonl:1: not valid JSON$/],
    ['a line that is not an object', 'register', '[1, 2]', /^x\.jsonl:1: an event must be a JSON object$/],
    [
      'an unknown type',
      'register',
      jsonl({ process: 0, type: 'start', f: 'read' }),
      /x\.jsonl:1: type must be one of invoke, ok, fail, info/,
    ],
    [
      'an ok without an invoke',
      'register',
      jsonl({ process: 0, type: 'invoke', f: 'read' }, { process: 1, type: 'ok', f: 'read', value: 3 }),
      /^x\.jsonl:2: ok for process 1, which has no operation pending$/,
    ],
    [
      'a second invoke while one is pending',
      'register',
      jsonl({ process: 0, type: 'invoke', f: 'write', value: 1 }, { process: 0, type: 'invoke', f: 'read' }),
      /^x\.jsonl:2: invoke for process 0 while its write from line 1 is pending$/,
    ],
    [
      'an ok after info (the process must invoke again)',
      'register',
      jsonl({ process: 0, type: 'invoke', f: 'write', value: 1 }, { process: 0, type: 'info' }, { process: 0, type: 'ok', value: 1 }),
      /^x\.jsonl:3: ok for process 0, which has no operation pending$/,
    ],
    [
      'an unknown f',
      'register',
      jsonl({ process: 0, type: 'invoke', f: 'cas', value: [1, 2] }),
      /x\.jsonl:1: unknown operation 'cas' for model register \(known: read, write\)/,
    ],
    [
      'a write of the wrong type',
      'register',
      jsonl({ process: 0, type: 'invoke', f: 'write', value: [1] }),
      /^x\.jsonl:1: a write needs a number or a string$/,
    ],
    [
      'a cas returning the wrong type',
      'cas-register',
      jsonl({ process: 0, type: 'invoke', f: 'cas', value: [1, 2] }, { process: 0, type: 'ok', f: 'cas', value: [5, 6] }),
      /^x\.jsonl:2: a cas must return true/,
    ],
    [
      'a get returning a number',
      'kv',
      jsonl({ process: 0, type: 'invoke', f: 'get' }, { process: 0, type: 'ok', value: 3 }),
      /^x\.jsonl:2: a get must return a string$/,
    ],
    [
      'a completion for another operation',
      'register',
      jsonl({ process: 0, type: 'invoke', f: 'read' }, { process: 0, type: 'ok', f: 'write', value: 1 }),
      /^x\.jsonl:2: ok write for process 0, whose pending operation is read \(line 1\)$/,
    ],
  ];
  it.each(bad)('%s', (_what, model, text, message) => {
    expect(() => parseHistory(text, 'x.jsonl', SPECS[model])).toThrow(UsageError);
    expect(() => parseHistory(text, 'x.jsonl', SPECS[model])).toThrow(message);
  });
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('distcheck linearizable', () => {
  const file = (name: string) => `${FIXTURES}/${name}`;

  it('exits 0 when every file is linearizable, with one JSON object per file', async () => {
    const r = await cli('linearizable', file('h5-register.jsonl'), file('h5-register.jsonl'), '--model', 'register', '--json');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      file: file('h5-register.jsonl'),
      model: 'register',
      linearizable: true,
      operations: 5,
      processes: 3,
      keys: 1,
    });
    expect(lines[0].seconds).toBeTypeOf('number');
  });

  it('exits 1 when some file is not, and explains it', async () => {
    const r = await cli('linearizable', file('h5-register.jsonl'), file('h6-register.jsonl'), '--model', 'register');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file('h5-register.jsonl')}: linearizable (5 operations, 3 processes, 1 key,`);
    expect(r.out).toContain(`${file('h6-register.jsonl')}: NOT linearizable`);
    expect(r.out).toContain('cannot be placed next: B read → 1 (lines 9–10) in state 0');
    const json = JSON.parse((await cli('linearizable', file('kv-two-keys.jsonl'), '--model', 'kv', '--json')).out);
    expect(json).toMatchObject({
      linearizable: false,
      failingKeys: ['y'],
      explanation: { key: 'y', breakingLine: 9, stuck: { process: 2, f: 'get', output: '', callLine: 8, retLine: 9 } },
    });
  });

  it('exits 2 on bad input with one line naming the file and the line', async () => {
    const r = await cli('linearizable', file('h5-register.jsonl'), file('bad-ok-without-invoke.jsonl'), '--model', 'register');
    expect(r).toEqual({
      code: 2,
      out: '',
      err: `distcheck: ${file('bad-ok-without-invoke.jsonl')}:2: ok for process 1, which has no operation pending`,
    });
    expect((await cli('linearizable', file('h5-register.jsonl'), '--model', 'queue')).err).toMatch(
      /^distcheck: unknown model 'queue' \(known: register, cas-register, kv, or a spec file .\/name.ts\)$/,
    );
    expect((await cli('linearizable', file('h5-register.jsonl'))).code).toBe(2);
    expect((await cli('linearizable', join(tmp, 'missing.jsonl'), '--model', 'kv')).err).toMatch(/cannot read .*missing\.jsonl: ENOENT/);
    expect((await cli('linearizable', file('h5-register.jsonl'), '--model', 'register', '--max-seconds', 'soon')).code).toBe(2);
  });

  it('exits 3 when the time limit is reached without a verdict', async () => {
    const hard = join(tmp, 'hard.jsonl');
    writeFileSync(hard, hardHistory());
    const r = await cli('linearizable', hard, '--model', 'register', '--max-seconds', '0.05', '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ linearizable: null, timedOut: true, operations: 25 });
  });
});
