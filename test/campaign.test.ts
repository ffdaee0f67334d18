// Random-walk campaigns: rounds of walks under seeds derived from one campaign seed, distinct violations
// collected and each replayable alone, shards that add up to one campaign, and checkpoints that resume to it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../models/index';
import { mergeCampaigns, roundSeed, runCampaign, type CampaignOptions, type CampaignState } from '../src/check/campaign';
import { checkRandom } from '../src/check/walk';
import { main } from '../src/cli/main';
import { findModel } from '../src/model/model';

const tmp = mkdtempSync(join(tmpdir(), 'distcheck-campaign-'));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const machine = findModel(MODELS, 'two-phase-commit').machine({ rms: 4 }, 'heuristic-commit');
const base: CampaignOptions = { seed: 7, runs: 60, walkLength: 30, rounds: 4, keepGoing: true, shard: { index: 1, count: 1 } };

/** What must not depend on how a campaign was split or stopped. */
function figures(s: CampaignState): unknown {
  const pairs: string[] = [];
  for (let i = 0; i < s.fingerprints.length; i += 2) pairs.push(`${s.fingerprints[i]}.${s.fingerprints[i + 1]}`);
  return {
    rounds: s.rounds,
    walks: s.walks,
    statesGenerated: s.statesGenerated,
    longestWalk: s.longestWalk,
    instances: s.instances,
    actions: s.actions,
    reached: s.reached,
    violations: s.violations,
    distinct: pairs.sort(),
  };
}

describe('a campaign', () => {
  it('runs round 0 under the campaign seed and later rounds under derived seeds', () => {
    expect(roundSeed(7, 0)).toBe(7);
    expect(new Set([1, 2, 3, 4].map((r) => roundSeed(7, r))).size).toBe(4);
    expect(roundSeed(7, 1)).not.toBe(roundSeed(8, 1));
  });

  it('with --keep-going collects distinct violations, each replayed alone by its seed and path', async () => {
    const s = await runCampaign(machine, base);
    expect([s.rounds, s.walks, s.fingerprints.length / 2, s.instances.length, s.stopped]).toEqual([4, 240, 849, 26, 'rounds']);
    // Later rounds find nothing that shrinks to another walk: two distinct violations, both from round 0.
    expect(s.violations.map((v) => [v.property, v.path.choices.length, v.round])).toEqual([
      ['consistent', 3, 0],
      ['refinesTransactionCommit', 2, 0],
    ]);
    for (const v of s.violations) {
      const replay = checkRandom(machine, {
        seed: v.seed,
        runs: base.runs,
        walkLength: base.walkLength,
        path: v.replayPath,
        properties: [v.property],
      });
      expect(replay.violations.map((r) => r.path)).toEqual([v.path]);
    }
  });

  it('without --keep-going stops after the round of its first violation', async () => {
    const s = await runCampaign(machine, { ...base, keepGoing: false, rounds: 100 });
    expect([s.rounds, s.stopped]).toEqual([1, 'violation']);
  });

  it('in shards covers the rounds of one campaign, and the shards merged are that campaign', async () => {
    const whole = await runCampaign(machine, base);
    const shards = await Promise.all([1, 2, 3].map((index) => runCampaign(machine, { ...base, shard: { index, count: 3 } })));
    expect(shards.map((s) => s.rounds)).toEqual([2, 1, 1]);
    expect(figures(mergeCampaigns(shards))).toEqual(figures(whole));
  });

  it('stopped by a signal and resumed from its state is the campaign never stopped', async () => {
    const whole = await runCampaign(machine, base);
    let rounds = 0;
    const stopped = await runCampaign(machine, { ...base, interrupted: () => ++rounds === 2 });
    expect([stopped.interrupted, stopped.rounds, stopped.stopped]).toEqual([true, 2, 'running']);
    const resumed = await runCampaign(machine, { ...base, resume: stopped });
    expect(figures(resumed)).toEqual(figures(whole));
  });
});

describe('distcheck check --minutes, --rounds', () => {
  const args = ['check', 'two-phase-commit', '--param', 'rms=4', '--variant', 'heuristic-commit', '--strategy', 'random'];

  it('prints the campaign and the command that replays each violation alone', async () => {
    const r = await cli(...args, '--rounds', '2', '--runs', '50', '--seed', '7', '--keep-going', '--save', tmp, '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.campaign).toMatchObject({ rounds: 2, walks: 100, stopped: 'rounds' });
    expect(json.campaign.violations[0].replay).toBe(
      `distcheck check two-phase-commit --variant heuristic-commit --param rms=4 --strategy random --runs 50 --walk-length 50 --seed 7 --path ${json.campaign.violations[0].path}`,
    );
    const replay = await cli(...json.campaign.violations[0].replay.split(' ').slice(1), '--json', '--save', tmp);
    const again = JSON.parse(replay.out).violations.find((v: { property: string }) => v.property === json.campaign.violations[0].property);
    expect(again.trace).toEqual(json.violations[0].trace);
  });

  it('extended from its checkpoint by more rounds is the longer campaign', async () => {
    const file = join(tmp, 'campaign.ckpt');
    const run = async (...extra: string[]): Promise<Record<string, unknown>> => {
      const r = await cli(...args, '--runs', '30', '--keep-going', '--save', tmp, '--json', ...extra);
      expect(r.code).toBe(0);
      const { campaign, ...rest } = JSON.parse(r.out);
      const { seconds, checkpoint, ...figures } = campaign;
      return { ...rest, campaign: figures };
    };
    await run('--rounds', '2', '--checkpoint', file);
    const resumed = await run('--rounds', '5', '--resume', file);
    expect(resumed).toEqual(await run('--rounds', '5'));
    expect(resumed.campaign).toMatchObject({ rounds: 5, walks: 150 });
    const other = await cli(...args, '--runs', '31', '--keep-going', '--rounds', '5', '--resume', file);
    expect([other.code, other.err]).toEqual([2, `distcheck: checkpoint ${file}: it was written with runs = 30, this run has runs = 31`]);
  });

  it('takes its campaign options only with random walks', async () => {
    for (const [extra, message] of [
      [['--minutes', '1'], '--minutes runs a random-walk campaign: add --strategy random'],
      [['--keep-going'], '--keep-going applies to a random-walk campaign (--strategy random --minutes N or --rounds N)'],
      [
        ['--strategy', 'random', '--shard', '1/2'],
        '--shard applies to a random-walk campaign (--strategy random --minutes N or --rounds N)',
      ],
      [['--strategy', 'random', '--minutes', '1', '--shard', '3/2'], "--shard must be i/n with 1 ≤ i ≤ n (e.g. 2/4), got '3/2'"],
      [['--strategy', 'random', '--minutes', 'soon'], "--minutes must be a positive number of minutes, got 'soon'"],
      [['--strategy', 'random', '--rounds', '2', '--path', '0:1'], '--path replays one walk; a campaign (--minutes, --rounds) runs many'],
      [['--strategy', 'random', '--rounds', '2', '--max-seconds', '5'], 'a campaign is time-boxed by --minutes, not --max-seconds'],
    ] as const) {
      const r = await cli('check', 'two-phase-commit', ...extra);
      expect([r.code, r.err]).toEqual([2, `distcheck: ${message}`]);
    }
  });
});
