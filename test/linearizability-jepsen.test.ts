// The history checker on Jepsen's output and on users' own objects: EDN input with Jepsen's conventions, the
// keys raced (the first failing key decides), limits that end in exit 3, a specification that throws (exit 4),
// an internal error (exit 5), and `--model ./spec.ts` with `--init`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { C50_BAD, C50_BAD_KEY, simulateHistory } from '../src/cli/bench-linearizable';
import { parseHistory, type Operation } from '../src/check/history';
import { SPECS, checkLinearizable } from '../src/check/linearizability';
import { canonical, fromUserSpec } from '../src/check/user-spec';
import { seededRandom } from '../src/shared/random';
import { UsageError } from '../src/shared/errors';
import { kvHistoryEdn, kvHistoryEvents, kvHistoryJsonl } from './support/kv-histories';

const FIXTURES = 'test/fixtures/histories';
const SPECS_DIR = 'test/fixtures/specs';
const tmp = mkdtempSync(join(tmpdir(), 'distcheck-jepsen-'));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err };
}

/** JSON Lines events as EDN maps, one per line, optionally wrapped in a vector. */
function toEdn(jsonl: string, wrap: boolean): string {
  const edn = (v: unknown): string =>
    v === null || v === undefined
      ? 'nil'
      : Array.isArray(v)
        ? `[${v.map(edn).join(' ')}]`
        : typeof v === 'string'
          ? JSON.stringify(v)
          : String(v);
  const lines = jsonl
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map(
      (e, i) =>
        `{:process ${e.process}, :type :${e.type}, :f :${e.f}${e.key !== undefined ? `, :key ${JSON.stringify(e.key)}` : ''}, :value ${edn(e.value)}, :time ${i * 1000}}`,
    );
  return wrap ? `[${lines.join('\n ')}]\n` : `${lines.join('\n')}\n`;
}

const file = (name: string, text: string): string => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

describe('Jepsen EDN histories', () => {
  it('reads a vector of maps with comments, keywords, nil, :time and :error, leaving the nemesis out', () => {
    const h = parseHistory(
      `; a comment\n[{:process 0 :type :invoke :f :write :value 1 :time 5}\n {:process :nemesis :type :info :f :start :value nil}\n {:process 0 :type :ok :f :write :value 1 :error nil}]\n`,
      'h.edn',
      SPECS.register,
      'edn',
    );
    expect(h.operations).toHaveLength(1);
    expect(h.operations[0]).toMatchObject({ process: 0, f: 'write', input: 1, outcome: 'ok', callLine: 2, retLine: 4 });
  });

  it('applies Jepsen conventions: a read invoke with a value, an ok cas repeating [old new], a failed cas dropped', async () => {
    const ok = await cli('linearizable', `${FIXTURES}/jepsen-register.edn`, '--model', 'cas-register', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ format: 'edn', linearizable: true, operations: 6, unknown: 1, failed: 1 });
    const bad = await cli('linearizable', `${FIXTURES}/jepsen-register-bad.edn`, '--model', 'cas-register', '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ linearizable: false, explanation: { breakingLine: 13 } });
  });

  it('accepts the same conventions in JSON Lines, and a process named "nemesis" is left out', () => {
    const text = [
      { process: 0, type: 'invoke', f: 'cas', value: [null, 1] },
      { process: 'nemesis', type: 'info', f: 'start' },
      { process: 0, type: 'ok', f: 'cas', value: [null, 1], time: 3 },
      { process: 1, type: 'invoke', f: 'read', value: 9 },
      { process: 1, type: 'ok', f: 'read', value: 1 },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const h = parseHistory(text, 'h.jsonl', SPECS['cas-register']);
    expect(h.operations.map((o) => [o.f, o.input, o.output])).toEqual([
      ['cas', [null, 1], true],
      ['read', null, 1],
    ]);
    expect(checkLinearizable(SPECS['cas-register'], h.operations).linearizable).toBe(true);
  });

  it('gives the same verdicts on EDN as on the same histories in JSON Lines (200 simulated histories)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.boolean(),
        fc.constantFrom('register', 'cas-register', 'kv'),
        (seed, wrap, model) => {
          const text = simulateHistory(seededRandom(seed), {
            model: model as 'register',
            processes: 4,
            operations: 12,
            crashes: 2,
            fails: 1,
            staleReads: seed % 2,
            ...(model === 'kv' ? { keys: 2 } : {}),
          });
          const a = checkLinearizable(SPECS[model], parseHistory(text, 'h.jsonl', SPECS[model]).operations, { explain: false });
          const b = checkLinearizable(SPECS[model], parseHistory(toEdn(text, wrap), 'h.edn', SPECS[model], 'edn').operations, {
            explain: false,
          });
          expect(b.linearizable).toBe(a.linearizable);
        },
      ),
      { numRuns: 200, seed: 20 },
    );
  });

  it('names the file and line of bad EDN input', () => {
    const bad = (text: string): string => {
      try {
        parseHistory(text, 'h.edn', SPECS.register, 'edn');
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('{:process 0 :type :invoke :f :read :value nil')).toMatch(/^h\.edn: not valid EDN/);
    expect(bad('{:process 0 :type :invoke :f :read}\n{:process 0 :type :invoke :f :read}\n')).toMatch(
      /^h\.edn:2: invoke for process 0 while its read from line 1 is pending$/,
    );
    expect(bad('[1 2]')).toMatch(/^h\.edn: entry 1: an event must be an EDN map$/);
    expect(bad('{:process 0 :type :begin :f :read}')).toMatch(/^h\.edn:1: type must be one of/);
  });

  it('chooses the format by extension, or by --format', async () => {
    const edn = file('plain.txt', toEdn(simulateHistory(seededRandom(3), { model: 'register', processes: 3, operations: 10 }), false));
    expect((await cli('linearizable', edn, '--model', 'register')).err[0]).toMatch(/plain\.txt:1: not valid JSON/);
    expect((await cli('linearizable', edn, '--model', 'register', '--format', 'edn')).code).toBe(0);
    expect((await cli('linearizable', edn, '--model', 'register', '--format', 'xml')).err).toEqual([
      "distcheck: --format must be edn or jsonl, got 'xml'",
    ]);
  });
});

describe('keys raced, first failure wins', () => {
  it('decides the c50-bad-shaped history (50 clients, 10 keys) on its known failing key, and says which keys were decided', async () => {
    const path = file('c50-bad.edn', kvHistoryEdn(C50_BAD));
    const r = await cli('linearizable', path, '--model', 'kv', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      linearizable: false,
      failingKeys: [C50_BAD_KEY],
      keys: 10,
      processes: 50,
      explanation: { key: C50_BAD_KEY },
    });
    expect(j.decidedKeys).toContain(C50_BAD_KEY);
    expect([...j.decidedKeys, ...j.undecidedKeys].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('stops at the easy failing key while another key is still undecided', () => {
    // Key "hard": many crashed appends keep its search busy; key "bad": a read of a value never written.
    const hard = parseHistory(
      simulateHistory(seededRandom(7), { model: 'kv', processes: 30, operations: 600, crashes: 200 }),
      'h',
      SPECS.kv,
    ).operations.map((o) => ({ ...o, key: 'hard' }));
    const end = Math.max(...hard.map((o) => (Number.isFinite(o.ret) ? o.ret : o.call)));
    const bad: Operation = {
      index: hard.length,
      process: 'q',
      f: 'get',
      key: 'bad',
      input: null,
      output: 'never',
      outcome: 'ok',
      call: end + 1,
      ret: end + 2,
      callLine: end + 2,
      retLine: end + 3,
    };
    const r = checkLinearizable(SPECS.kv, [...hard, bad], { explain: false });
    expect(r).toMatchObject({ linearizable: false, failingKeys: ['bad'], decidedKeys: ['bad'] });
  });

  it('checks a linearizable c50-ok-shaped history as linearizable, in EDN and JSON Lines alike', () => {
    const opts = { seed: 5, clients: 20, operationsPerClient: 10 };
    expect(kvHistoryEvents(opts)).toHaveLength(400);
    const a = checkLinearizable(SPECS.kv, parseHistory(kvHistoryEdn(opts), 'h.edn', SPECS.kv, 'edn').operations);
    const b = checkLinearizable(SPECS.kv, parseHistory(kvHistoryJsonl(opts), 'h.jsonl', SPECS.kv).operations);
    expect([a.linearizable, b.linearizable, a.decidedKeys.length]).toEqual([true, true, 10]);
  });
});

describe('no internal error is a verdict', () => {
  const hardFile = (): string =>
    file('hard.jsonl', simulateHistory(seededRandom(7), { model: 'kv', processes: 30, operations: 600, crashes: 200 }));

  it('stops with exit 3 and a message naming the memory limit when the cache outgrows --max-memory', async () => {
    const r = await cli('linearizable', hardFile(), '--model', 'kv', '--max-memory', '2', '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ linearizable: null, limit: 'memory', decidedKeys: [], undecidedKeys: [null] });
    expect(JSON.parse(r.out).limitMessage).toMatch(/over the limit of 2 MB \(--max-memory\)$/);
  });

  it('reports a specification that throws as a model error: exit 4, one line', async () => {
    const h = file(
      'q.jsonl',
      '{"process":0,"type":"invoke","f":"enqueue","value":1}\n{"process":0,"type":"ok","f":"enqueue"}\n{"process":1,"type":"invoke","f":"dequeue"}\n{"process":1,"type":"ok","f":"dequeue","value":1}\n',
    );
    const r = await cli('linearizable', h, '--model', `./${SPECS_DIR}/throwing.ts`);
    expect(r).toMatchObject({
      code: 4,
      out: '',
      err: [`distcheck: model error: ./${SPECS_DIR}/throwing.ts: step threw: dequeue is not implemented`],
    });
  });

  it('reports an unexpected exception as an internal error: exit 5, one line, never a verdict', async () => {
    // A partition that returns something the checker cannot iterate reaches the checker's own code, not the spec's.
    const spec = fromUserSpec({ init: () => 0, step: (s: number) => [true, s], partition: () => 42 as never }, 'x');
    expect(() => checkLinearizable(spec, [])).toThrow(TypeError);
    const broken = file('broken.ts', 'export default { init: () => 0, step: (s) => [true, s], partition: () => 42 };\n');
    const h = file('one.jsonl', '{"process":0,"type":"invoke","f":"x"}\n{"process":0,"type":"ok","f":"x"}\n');
    const r = await cli('linearizable', h, '--model', broken);
    expect(r.code).toBe(5);
    expect(r.out).toBe('');
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^distcheck: internal error: /);
  });
});

describe("users' own objects", () => {
  const queue = `./${SPECS_DIR}/queue.ts`;
  const events = (...es: [number, string, string, unknown?][]): string =>
    es.map(([process, type, f, value]) => `${JSON.stringify({ process, type, f, ...(value !== undefined ? { value } : {}) })}\n`).join('');

  it("checks Herlihy & Wing's queue histories with a queue spec from a file", async () => {
    // H1: enqueues of x and y overlap; x, then y dequeued: linearizable. H2: x enqueued before y, y dequeued first: not.
    const h1 = file(
      'h1.jsonl',
      events(
        [0, 'invoke', 'enqueue', 'x'],
        [1, 'invoke', 'enqueue', 'y'],
        [0, 'ok', 'enqueue'],
        [1, 'ok', 'enqueue'],
        [0, 'invoke', 'dequeue'],
        [0, 'ok', 'dequeue', 'x'],
        [1, 'invoke', 'dequeue'],
        [1, 'ok', 'dequeue', 'y'],
      ),
    );
    const h2 = file(
      'h2.jsonl',
      events(
        [0, 'invoke', 'enqueue', 'x'],
        [0, 'ok', 'enqueue'],
        [1, 'invoke', 'enqueue', 'y'],
        [1, 'ok', 'enqueue'],
        [0, 'invoke', 'dequeue'],
        [0, 'ok', 'dequeue', 'y'],
      ),
    );
    expect((await cli('linearizable', h1, '--model', queue)).code).toBe(0);
    const r = await cli('linearizable', h2, '--model', queue);
    expect(r.code).toBe(1);
    expect(r.out).toContain('p0 dequeue → "y"');
  });

  it("passes --init to the spec, and sets the built-in models' initial value", async () => {
    const h = file('h3.jsonl', events([0, 'invoke', 'dequeue'], [0, 'ok', 'dequeue', 'a']));
    expect((await cli('linearizable', h, '--model', queue)).code).toBe(1);
    expect((await cli('linearizable', h, '--model', queue, '--init', '["a"]')).code).toBe(0);
    const r = file('r.jsonl', events([0, 'invoke', 'read'], [0, 'ok', 'read', 5]));
    expect((await cli('linearizable', r, '--model', 'register')).code).toBe(1);
    expect((await cli('linearizable', r, '--model', 'register', '--init', '5')).code).toBe(0);
    const g = file('g.jsonl', events([0, 'invoke', 'get'], [0, 'ok', 'get', 'ab']));
    expect((await cli('linearizable', g, '--model', 'kv', '--init', 'ab')).code).toBe(0);
    expect((await cli('linearizable', g, '--model', 'kv', '--init', '3')).err).toEqual([
      'distcheck: --init: the initial value of kv must be a string',
    ]);
  });

  it('rejects a file that is not a specification with one line', async () => {
    const notSpec = file('not-spec.ts', 'export default { init: 3 };\n');
    const r = await cli('linearizable', `${FIXTURES}/h5-register.jsonl`, '--model', notSpec);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([
      `distcheck: ${notSpec}: the default export is not a sequential specification (it has no init function); see distcheck linearizable --help`,
    ]);
  });

  it('keys states by a canonical form of plain data, Sets and Maps included', () => {
    expect(canonical(new Set([2, 1]))).toBe(canonical(new Set([1, 2])));
    expect(canonical({ b: 1, a: [1, '1'] })).toBe(canonical({ a: [1, '1'], b: 1 }));
    expect(canonical(new Map([[1, 'a']]))).not.toBe(canonical(new Map([[1, 'b']])));
    expect(canonical([1])).not.toBe(canonical(['1']));
  });
});

describe('--help', () => {
  it('lists every option of linearizable and of bench-linearizable', async () => {
    const lin = await cli('linearizable', '--help');
    expect(lin.code).toBe(0);
    for (const o of ['--model', '--format', '--init', '--json', '--html', '--max-seconds', '--max-memory', '--help'])
      expect(lin.out).toContain(o);
    const bench = await cli('bench-linearizable', '--help');
    expect(bench.code).toBe(0);
    for (const o of ['--repeat', '--help']) expect(bench.out).toContain(o);
  });
});
