// The command line's help, its error classes (bad input 2, model error 4, internal error 5), the options that
// contradict or do not apply, and a user's model files with every command that takes a model. In-process.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { HELP } from '../src/cli/help';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const tmp = mkdtempSync(join(tmpdir(), 'distcheck-commands-'));
const QUEUE = 'test/fixtures/user-models.ts';
const THROWS = 'test/fixtures/throwing-model.ts';
const COMMANDS = ['list', 'check', 'replay', 'report', 'diff', 'merge', 'linearizable', 'bench', 'init', 'serve', 'html', 'help'];

describe('help', () => {
  it('lists every command, and exits 0', async () => {
    for (const args of [['help'], ['--help'], ['-h']]) {
      const r = await cli(...args);
      expect([r.code, r.err]).toEqual([0, '']);
      for (const c of COMMANDS) expect(r.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    }
  });

  it.each(COMMANDS)('prints the usage of %s for help <command>, --help and -h, and exits 0', async (command) => {
    const a = await cli('help', command);
    expect([a.code, a.err]).toEqual([0, '']);
    expect(a.out).toMatch(new RegExp(`^usage: distcheck ${command}`));
    for (const flag of ['--help', '-h']) expect(await cli(command, flag)).toEqual(a);
  });

  it('names every option check takes', async () => {
    const r = await cli('check', '--help');
    const { CHECK_OPTIONS } = await import('../src/cli/check');
    for (const option of Object.keys(CHECK_OPTIONS)) expect(r.out).toContain(`--${option}`);
    expect(HELP.check.usage).toContain('4 the model threw');
  });

  it('prints the version with --version', async () => {
    const r = await cli('--version');
    expect([r.code, r.out]).toEqual([0, JSON.parse(readFileSync('package.json', 'utf8')).version]);
  });

  it('names the command and its --help for an unknown option, on one line with exit 2', async () => {
    for (const command of ['list', 'report', 'serve', 'html', 'replay', 'bench', 'linearizable']) {
      const r = await cli(command, '--nope');
      expect([r.code, r.err]).toEqual([2, `distcheck: unknown option '--nope' (see distcheck ${command} --help)`]);
    }
  });

  it('prints the overview and one line on stderr, exit 2, without a command', async () => {
    const r = await cli();
    expect([r.code, r.err]).toEqual([2, 'distcheck: no command given (the commands are listed above)']);
    expect(r.out).toContain('usage: distcheck <command> [options]');
  });

  it('refuses help for an unknown command', async () => {
    const r = await cli('help', 'chekc');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^distcheck: unknown command 'chekc'/);
  });
});

describe('options: one line and exit 2 when they contradict each other or do not apply', () => {
  it.each([
    [['check', 'two-phase-commit', '--strategy', 'random', '--runs', '-5'], "distcheck: --runs must be an integer ≥ 1, got '-5'"],
    [
      ['check', 'two-phase-commit', '--config', 'rms3', '--variant', 'heuristic-commit'],
      'distcheck: --config rms3 runs variant correct; --variant heuristic-commit contradicts it (drop one)',
    ],
    [
      ['check', 'two-phase-commit', '--runs', '5'],
      'distcheck: --runs applies to random walks (--strategy random), not to breadth-first search',
    ],
    [
      ['check', 'two-phase-commit', '--strategy', 'random', '--symmetry'],
      'distcheck: --symmetry applies to breadth-first search, not to random walks',
    ],
    [['check', 'lease'], "distcheck: unknown model 'lease'; 'distcheck list' shows them all"],
  ])('%j', async (args, message) => {
    const r = await cli(...args);
    expect([r.code, r.err]).toEqual([2, message]);
  });

  // process.chdir is not allowed in a worker thread (the coverage run's pool); npm test runs files in processes.
  it.skipIf(!isMainThread)('suggests the file when a model id names a file in the current folder', async () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'distcheck-lease-'));
    writeFileSync(join(dir, 'lease.ts'), 'export {};\n');
    process.chdir(dir);
    try {
      const r = await cli('check', 'lease');
      expect([r.code, r.err]).toEqual([2, "distcheck: unknown model 'lease'; for the file, write ./lease.ts"]);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('what a run says', () => {
  it('says which liveness properties held, in text and in --json', async () => {
    const text = await cli('check', 'two-phase-commit-faults', '--param', 'rms=2', '--save', tmp);
    expect(text.code).toBe(0);
    expect(text.out).toContain('  eventually allDecide: holds');
    const json = await cli('check', 'two-phase-commit-faults', '--param', 'rms=2', '--json', '--save', tmp);
    expect(JSON.parse(json.out).liveness).toEqual({ allDecide: 'held' });
    const walks = await cli('check', 'two-phase-commit-faults', '--strategy', 'random', '--json', '--save', tmp);
    expect(JSON.parse(walks.out).liveness).toEqual({ allDecide: 'unchecked' });
  });

  it('reads UNEXPECTED VIOLATION once, counts one step as one step, and numbers the steps 0..N', async () => {
    const r = await cli('check', QUEUE, '--export', 'brokenQueue', '--param', 'capacity=1', '--save', tmp);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\nUNEXPECTED VIOLATION: bounded$/);
    expect(r.out).not.toContain('UNEXPECTED: UNEXPECTED');
    expect(r.out).toContain('violates always bounded in 2 steps\n  0. initial state');
    expect(r.out).toContain('  sometimes full: reached in 1 step\n');
  });

  it('saves traces of two scopes under two names', async () => {
    const dir = join(tmp, 'scopes');
    for (const rms of ['3', '4'])
      await cli('check', 'two-phase-commit', '--variant', 'heuristic-commit', '--param', `rms=${rms}`, '--save', dir);
    expect(existsSync(join(dir, 'two-phase-commit.rms=3.heuristic-commit.consistent.json'))).toBe(true);
    expect(existsSync(join(dir, 'two-phase-commit.rms=4.heuristic-commit.consistent.json'))).toBe(true);
  });
});

describe('a model that throws', () => {
  it('is a model error: exit 4, one first line, the model frames, the action, the state and the path as a trace', async () => {
    const r = await cli('check', THROWS);
    expect(r.code).toBe(4);
    const lines = r.err.split('\n');
    expect(lines[0]).toBe('distcheck: model error in next (action Inc): Error: boom in next at 2');
    expect(lines[1]).toMatch(/^ {2}at incrementOnce \(.*throwing-model\.ts:\d+:\d+\)$/);
    expect(r.err).toContain('action: Inc\nstate: {"count":2}\npath from an initial state: 0 0 0');
    expect(r.err).toContain('the path to that state (2 steps):\n  0. initial state\n       count = 0\n  1. Inc');
    expect(r.out).toBe('');
  });

  it('is a model error in report and in random walks too', async () => {
    const report = await cli('report', THROWS, '--out', join(tmp, 'throws'));
    expect(report.code).toBe(4);
    expect(report.err.split('\n')[0]).toBe('distcheck: model error in next (action Inc): Error: boom in next at 2');
    const walks = await cli('check', THROWS, '--strategy', 'random');
    expect(walks.code).toBe(4);
  });
});

describe('the catalogs', () => {
  it('list ids and titles that match what their loaders load, the lab adding only figures', async () => {
    const { LAB } = await import('../models/lab');
    for (const e of [...LAB.models, ...LAB.figures]) {
      const item = await e.load();
      expect([item.id, item.title]).toEqual([e.id, e.title]);
    }
    const { SHIPPED } = await import('../models/catalog');
    expect(LAB.models).toBe(SHIPPED.models);
    expect(LAB.figures.slice(0, SHIPPED.figures.length)).toEqual(SHIPPED.figures);
    expect(LAB.figures.slice(SHIPPED.figures.length).map((f) => f.id)).toEqual(['governance-libraries', 'walk-coverage']);
  });
});

describe('an internal error', () => {
  it('is exit 5 and one line that says it is a bug of distcheck', async () => {
    const err: string[] = [];
    const broken = {
      catalog: {
        models: [{ id: 'x', title: 'x', load: () => Promise.reject(new Error('lost a chunk')) }],
        comparisons: async () => [],
        figures: [],
      },
      catalogModule: { module: 'file:///nowhere.js', exportName: 'CATALOG' },
    };
    const code = await main(['check', 'x'], { log: () => undefined, err: (s) => err.push(s) }, broken);
    expect([code, err]).toEqual([5, ['distcheck: internal error (a bug in distcheck, please report it): lost a chunk']]);
  });
});

describe("a user's model files", () => {
  it('list lists the models of a file', async () => {
    const r = await cli('list', QUEUE);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => !l.startsWith(' '))).toEqual([
      'bounded-queue — A bounded queue',
      'broken-queue — A bounded queue',
    ]);
  });

  it('report runs every configuration of every model of the files, with JUnit, and exits 1 when one is unexpected', async () => {
    const out = join(tmp, 'report');
    const junit = join(tmp, 'report', 'junit.xml');
    const r = await cli('report', QUEUE, '--out', out, '--junit', junit);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✓ bounded-queue capacity-2-no-room-check: caught: bounded violated');
    expect(r.out).toContain('✗ broken-queue capacity-2: UNEXPECTED VIOLATION: bounded');
    expect(readFileSync(junit, 'utf8')).toContain('<testsuite name="broken-queue"');
    expect(existsSync(join(out, 'bounded-queue.md'))).toBe(true);
    expect(existsSync(join(out, 'random-ids.md'))).toBe(false);
  });

  it('html writes the pages of a file', async () => {
    const dir = join(tmp, 'html');
    const r = await cli('html', dir, QUEUE);
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, 'index.html'))).toBe(true);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('bounded-queue');
  });

  it('check --workers 2 runs a model file on two threads with the figures of one', async () => {
    const one = await cli('check', QUEUE, '--param', 'capacity=20', '--json', '--save', tmp);
    const two = await cli('check', QUEUE, '--param', 'capacity=20', '--workers', '2', '--json', '--save', tmp);
    expect(two.err).toBe('');
    expect(JSON.parse(two.out)).toEqual(JSON.parse(one.out));
  });
});
