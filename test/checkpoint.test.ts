// Checkpoints of breadth-first runs: a run paused, written to a file, read back and resumed gives the figures,
// findings and coverage of a run never stopped; a child process stopped by SIGTERM resumes to the same output;
// a checkpoint of something else, or damaged, is one line of bad input.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index';
import { readCheckpoint, writeCheckpoint, type CheckpointIdentity } from '../src/check/checkpoint';
import { explore, soloResult, soloWorker } from '../src/check/explore';
import type { SoloSnapshot } from '../src/check/level';
import { main } from '../src/cli/main';
import { findModel, type AnyMachine } from '../src/model/model';
import grid from './fixtures/slow-grid';
import { childEnv } from './support/child-env';

const tmp = mkdtempSync(join(tmpdir(), 'distcheck-checkpoint-'));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const ID: CheckpointIdentity = { kind: 'bfs', model: 'm', variant: 'v', params: {}, settings: {} };
const JSON_KEYS = ['count', 'generated', 'depth', 'hashedStrings', 'deadlock', 'stateAt', 'stepFrom', 'stepChoice', 'coverage'] as const;
const SECTION_KEYS = ['parent', 'choice', 'fingerprints', 'level', 'next'] as const;

/** Explores with a pause at every check (each 1,024 expansions), each time through a file into a fresh worker. */
function exploreThroughFiles(
  machine: AnyMachine,
  options: { symmetry?: boolean } = {},
): { result: ReturnType<typeof explore>; pauses: number; midLevel: number } {
  let w = soloWorker(machine, options);
  w.start();
  let pauses = 0;
  let midLevel = 0;
  const file = join(tmp, 'through.ckpt');
  while (!w.stopped && w.frontier > 0) {
    w.pauseAt = 0;
    w.soloLevel();
    if (!w.paused) continue;
    pauses++;
    const s = w.snapshot();
    if (s.next.length > 0) midLevel++;
    writeCheckpoint(file, ID, Object.fromEntries(JSON_KEYS.map((k) => [k, s[k]])), Object.fromEntries(SECTION_KEYS.map((k) => [k, s[k]])));
    const back = readCheckpoint(file, ID);
    w = soloWorker(machine, options);
    w.restore({ ...(back.data as object), ...back.sections } as unknown as SoloSnapshot);
  }
  return { result: soloResult(machine, w, options), pauses, midLevel };
}

describe('a breadth-first run paused and resumed through checkpoint files', () => {
  const twoPhase = findModel(MODELS, 'two-phase-commit');

  it('gives the figures, findings and coverage of a run never stopped (2PC, 5 RMs: 8,832 states, 8 pauses)', () => {
    const machine = twoPhase.machine({ rms: 5 }, 'correct');
    const { result, pauses, midLevel } = exploreThroughFiles(machine);
    expect(result).toEqual(explore(machine));
    expect([result.distinctStates, result.statesGenerated, result.depth]).toEqual([8832, 58146, 17]);
    expect(pauses).toBe(8);
    expect(midLevel).toBeGreaterThan(0);
  });

  it('finds the same shortest counterexamples, under symmetry too (heuristic commit, 5 RMs)', () => {
    const machine = twoPhase.machine({ rms: 5 }, 'heuristic-commit');
    const { result, pauses } = exploreThroughFiles(machine, { symmetry: true });
    expect(pauses).toBeGreaterThan(0);
    const straight = explore(machine, { symmetry: true });
    expect(result).toEqual(straight);
    expect(result.violations.map((v) => [v.property, v.path.choices.length])).toEqual(
      straight.violations.map((v) => [v.property, v.path.choices.length]),
    );
  });
});

describe('checkpoint files that do not fit', () => {
  const args = ['check', './test/fixtures/slow-grid.ts', '--variant', 'walk', '--param', 'n=20'];

  it('are one line and exit 2: another scope, a damaged file, not a checkpoint, a missing file', async () => {
    const file = join(tmp, 'n20.ckpt');
    // A checkpoint written on a signal: here, at once (the run is interrupted before its first slice ends).
    writeFileSync(join(tmp, 'not.ckpt'), 'hello\n');
    const good = await cli(...args, '--checkpoint', file, '--json');
    expect(good.code).toBe(0);
    expect(existsSync(file)).toBe(false); // a run that ends writes no checkpoint
    const w = soloWorker(grid.machine({ n: 20 }, 'walk'), {});
    w.start();
    const s = w.snapshot();
    const id: CheckpointIdentity = {
      kind: 'bfs',
      model: './test/fixtures/slow-grid.ts',
      variant: 'walk',
      params: { n: 20 },
      settings: { symmetry: false, deadlock: false },
    };
    writeCheckpoint(file, id, Object.fromEntries(JSON_KEYS.map((k) => [k, s[k]])), Object.fromEntries(SECTION_KEYS.map((k) => [k, s[k]])));
    const resumed = await cli(...args, '--resume', file, '--json');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({ distinctStates: 400, depth: 20 });

    const other = await cli('check', './test/fixtures/slow-grid.ts', '--variant', 'walk', '--param', 'n=21', '--resume', file);
    expect([other.code, other.err]).toEqual([
      2,
      `distcheck: checkpoint ${file}: it is of ./test/fixtures/slow-grid.ts [walk; {"n":20}], not of ./test/fixtures/slow-grid.ts [walk; {"n":21}]`,
    ]);
    const deadlock = await cli(...args, '--deadlock', '--resume', file);
    expect([deadlock.code, deadlock.err]).toEqual([
      2,
      `distcheck: checkpoint ${file}: it was written with deadlock = false, this run has deadlock = true`,
    ]);

    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(join(tmp, 'edited.ckpt'), bytes);
    writeFileSync(join(tmp, 'truncated.ckpt'), bytes.subarray(0, bytes.length - 3));
    for (const [name, why] of [
      ['edited.ckpt', 'digest mismatch (the file is truncated or was edited)'],
      ['truncated.ckpt', 'digest mismatch (the file is truncated or was edited)'],
      ['not.ckpt', 'not a distcheck checkpoint (the header is not JSON)'],
      ['missing.ckpt', 'cannot read it (ENOENT)'],
    ]) {
      const r = await cli(...args, '--resume', join(tmp, name));
      expect([r.code, r.err]).toEqual([2, `distcheck: checkpoint ${join(tmp, name)}: ${why}`]);
    }
  });

  it('are refused where they do not apply', async () => {
    for (const [extra, message] of [
      [
        ['--workers', '2', '--checkpoint', 'x'],
        '--checkpoint and --resume apply to breadth-first search on one thread, not with --workers',
      ],
      [
        ['--strategy', 'random', '--resume', 'x'],
        '--checkpoint and --resume apply to breadth-first search and to campaigns (--minutes, --rounds), not to a fixed --runs',
      ],
      [['--checkpoint-minutes', '1'], '--checkpoint-minutes needs --checkpoint FILE'],
      [['--checkpoint', 'x', '--checkpoint-minutes', '0'], "--checkpoint-minutes must be a positive number of minutes, got '0'"],
    ] as const) {
      const r = await cli(...args, ...extra);
      expect([r.code, r.err]).toEqual([2, `distcheck: ${message}`]);
    }
  });
});

describe('a breadth-first run killed with SIGTERM', () => {
  it('writes a checkpoint, exits 3, and resumes to the output of a run never stopped', async () => {
    const file = join(tmp, 'killed.ckpt');
    const args = ['check', './test/fixtures/slow-grid.ts', '--variant', 'walk', '--param', 'n=150'];
    // The child steps slowly (100 µs a step: 22,500 states take seconds), so it is still running when it has
    // written its first checkpoint (every 0.12 s) and the test stops it.
    const child = spawn(process.execPath, [join('bin', 'distcheck.mjs'), ...args, '--checkpoint', file, '--checkpoint-minutes', '0.002'], {
      env: childEnv({ DISTCHECK_TEST_SLOW_US: '100' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (!existsSync(file)) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    expect(await exited).toBe(3);
    expect(stderr.trim()).toBe(
      `distcheck: interrupted; checkpoint written to ${file}; resume with: distcheck check ${args.slice(1).join(' ')} --checkpoint ${file} --checkpoint-minutes 0.002 --resume ${file}`,
    );
    const partial = readCheckpoint(file).data as { count: number };
    expect(partial.count).toBeGreaterThan(0);
    expect(partial.count).toBeLessThan(22_500);

    const resumed = await cli(...args, '--resume', file, '--json', '--save', tmp);
    const straight = await cli(...args, '--json', '--save', tmp);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toBe(straight.out);
    expect(JSON.parse(resumed.out)).toMatchObject({
      distinctStates: 22_500,
      statesGenerated: 66_902,
      depth: 150,
      verdict: 'caught: notCorner violated',
    });
    expect(JSON.parse(resumed.out).violations[0].trace.steps).toHaveLength(150);
  }, 20_000);
});
