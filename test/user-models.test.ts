// A project's own models: `check ./file.ts [--export NAME]`, `replay --model`, `init NAME` and the test helper
// `checkModel`, run in-process. The same commands against the packed tarball are in package.test.ts.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { traceToJson } from '../src/trace/trace-file';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { cmdInit } from '../src/cli/init';
import { loadModelFile } from '../src/cli/load-model';
import { assertModel, checkModel } from '../src/testing';
import boundedQueue, { brokenQueue } from './fixtures/user-models';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const tmp = mkdtempSync(join(tmpdir(), 'distcheck-user-'));
const FILE = 'test/fixtures/user-models.ts';

describe('distcheck check ./model.ts', () => {
  it('checks the default export with the exit codes of built-in models', async () => {
    const ok = await cli('check', FILE, '--save', tmp);
    expect([ok.code, ok.err]).toEqual([0, '']);
    expect(ok.out).toContain('bounded-queue [correct; capacity=2] breadth-first');
    expect(ok.out).toContain('as expected: pass');

    const caught = await cli('check', `./${FILE}`, '--config', 'capacity-2-no-room-check', '--save', tmp);
    expect(caught.code).toBe(0);
    expect(caught.out).toContain('bounded-queue [no-room-check; capacity=2] violates always bounded in 3 steps');
    expect(existsSync(join(tmp, 'bounded-queue.capacity-2-no-room-check.no-room-check.bounded.json'))).toBe(true);

    const limit = await cli('check', FILE, '--param', 'capacity=1000', '--max-states', '10', '--json', '--save', tmp);
    expect(limit.code).toBe(3);
    expect(JSON.parse(limit.out)).toMatchObject({ model: 'bounded-queue', result: 'limit', distinctStates: 10 });
  });

  it('checks a named export, and exits 1 when its correct variant breaks', async () => {
    const r = await cli('check', FILE, '--export', 'brokenQueue', '--save', tmp);
    expect(r.code).toBe(1);
    expect(r.out).toContain('broken-queue [correct; capacity=2] violates always bounded in 3 steps');
  });

  it('replays a saved trace of a model file, from the file the trace records or the one --model names', async () => {
    const trace = join(tmp, 'bounded-queue.capacity=2.no-room-check.bounded.json');
    await cli('check', FILE, '--variant', 'no-room-check', '--save', tmp);
    const r = await cli('replay', trace, '--model', FILE);
    expect(r.code).toBe(0);
    expect(r.out).toContain('reproduced: bounded violated after 3 steps');
    expect(JSON.parse(readFileSync(trace, 'utf8')).modelFile).toEqual({
      file: relative(tmp, FILE).split('\\').join('/'),
      export: 'default',
    });
    const recorded = await cli('replay', trace);
    expect([recorded.code, recorded.err]).toEqual([0, '']);
    expect(recorded.out).toContain('reproduced: bounded violated after 3 steps');
    // A trace that records no file, of a model that is not built in, needs --model.
    const bare = JSON.parse(readFileSync(trace, 'utf8'));
    delete bare.modelFile;
    const { digest: _, format: __, ...body } = bare;
    const bareFile = join(tmp, 'bare.json');
    writeFileSync(bareFile, traceToJson(body));
    const without = await cli('replay', bareFile);
    expect([without.code, without.err]).toEqual([
      2,
      "distcheck: the trace is of model 'bounded-queue', which is not built in: name its file with --model ./path/to/model.ts",
    ]);
  });

  const broken = join(tmp, 'broken.ts');
  writeFileSync(broken, 'export default defineModel({ id: \n');
  const bad: [string, string[], RegExp][] = [
    ['a file without a default export', ['check', 'test/fixtures/no-model.ts'], /no-model\.ts has no default export; it exports no model/],
    [
      'an export that is not a model',
      ['check', FILE, '--export', 'notAModel'],
      /export 'notAModel' is not a distcheck model \(it is number\)/,
    ],
    [
      'a missing export',
      ['check', FILE, '--export', 'queue'],
      /has no export 'queue'; its models: the default export, brokenQueue \(choose with --export NAME\)$/,
    ],
    ['a missing file', ['check', './no/such/model.ts'], /^distcheck: no model file \.\/no\/such\/model\.ts$/],
    ['a file that does not compile', ['check', broken], /^distcheck: cannot load .*broken\.ts: /],
    ['--export with a built-in model', ['check', 'two-phase-commit', '--export', 'x'], /--export needs a model file/],
    ['an unknown configuration', ['check', FILE, '--config', 'nope'], /unknown configuration 'nope' for bounded-queue/],
  ];
  it.each(bad)('refuses %s with one line and exit 2', async (_what, args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.split('\n')).toHaveLength(1);
  });
});

describe('distcheck init NAME', () => {
  it('writes a starter model and its test, which pass, and refuses to overwrite them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'distcheck-init-'));
    const log: string[] = [];
    expect(cmdInit(['leader-lease'], { log: (s) => log.push(s) }, dir)).toBe(0);
    expect(log[0]).toBe(
      'wrote leader-lease.ts and leader-lease.test.ts: a lock with a correct and a check-then-set variant, and a v2 rolled out over v1',
    );
    const model = readFileSync(join(dir, 'leader-lease.ts'), 'utf8');
    const test = readFileSync(join(dir, 'leader-lease.test.ts'), 'utf8');
    expect(model).toContain("id: 'leader-lease'");
    expect(model).toContain('export const leaderLease = defineModel({');
    expect(test).toContain("import leaderLease from './leader-lease.js';");
    expect(`${model}${test}`).not.toMatch(/template-?model/i);

    const loaded = await loadModelFile(join(dir, 'leader-lease.ts'));
    const check = checkModel(loaded);
    expect(check.ok, check.message).toBe(true);
    expect(check.outcomes.map((o) => o.configuration)).toEqual([
      'two-clients',
      'three-clients',
      'two-clients-check-then-set',
      'rolling-upgrade',
      'rolling-upgrade-new-key-only',
      'rolling-upgrade-with-rollback',
    ]);

    expect(() => cmdInit(['leader-lease'], { log: () => {} }, dir)).toThrow(
      'leader-lease.ts and leader-lease.test.ts already exist; not overwriting',
    );
  });

  it('writes the test file that the README shows, verbatim', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distcheck-init-'));
    cmdInit(['my-lock'], { log: () => {} }, dir);
    const test = readFileSync(join(dir, 'my-lock.test.ts'), 'utf8');
    expect(readFileSync('README.md', 'utf8')).toContain(`\`\`\`ts\n${test}\`\`\``);
  });

  it.each([['My-Protocol'], ['2pc'], ['a--b'], ['a_b'], ['../up'], ['x.ts'], ['check'], ['lock-machine'], ['default']])(
    "rejects the name '%s' with one line and exit 2",
    async (name) => {
      const r = await cli('init', name);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`^distcheck: '${name.replace(/[.]/g, '\\.')}' is not a model name: `));
    },
  );
});

describe('checkModel (distcheck/testing)', () => {
  it('reports every configuration; ok when each is as expected', () => {
    const check = checkModel(boundedQueue);
    expect(check.ok).toBe(true);
    expect(check.message).toBe(
      [
        'bounded-queue: 2/2 configurations as expected',
        '✓ capacity-2 [correct; capacity=2]: pass (3 states)',
        '✓ capacity-2-no-room-check [no-room-check; capacity=2]: caught: bounded violated (4 states)',
      ].join('\n'),
    );
    expect(check.byConfiguration['capacity-2-no-room-check'].violations[0].trace.steps).toHaveLength(4);
  });

  it('puts the counterexample of an unexpected result in its message, as text', () => {
    const check = checkModel(brokenQueue, { configurations: ['capacity-2'] });
    expect(check.ok).toBe(false);
    expect(check.message).toContain('✗ capacity-2 [correct; capacity=2]: UNEXPECTED VIOLATION: bounded');
    expect(check.message).toContain(
      ['broken-queue [correct; capacity=2] violates always bounded in 3 steps', '  0. initial state', '       state = 0', '  1. Put'].join(
        '\n',
      ),
    );
    expect(() => assertModel(brokenQueue)).toThrow(/violates always bounded in 3 steps/);
    expect(() => checkModel(brokenQueue, { configurations: ['nope'] })).toThrow('unknown configuration nope for broken-queue');
  });
});
