// Shards: `report --shard i/n` runs every n-th configuration, and `merge` renders from the shards what one
// `report` writes, byte for byte (JUnit too, but for the seconds). Campaign shards merge into one campaign.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import { inShard, parseShard } from '../src/report/shard';

const tmp = mkdtempSync(join(tmpdir(), 'distcheck-shard-'));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Every file under dir, by relative path. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const noTimes = (xml: string): string => xml.replace(/ time="[^"]*"/g, '');

describe('report --shard i/n', () => {
  it('gives each configuration to exactly one shard', () => {
    const owners = Array.from({ length: 10 }, (_, k) => [1, 2, 3].filter((i) => inShard(k, { index: i, count: 3 })));
    expect(owners).toEqual([[1], [2], [3], [1], [2], [3], [1], [2], [3], [1]]);
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
  });

  it('in 3 shards, merged, writes the reports of one run byte for byte (cap, rate-limiter, optimistic-lock)', async () => {
    const models = ['--model', 'cap', '--model', 'rate-limiter', '--model', 'optimistic-lock'];
    const one = await cli('report', ...models, '--out', join(tmp, 'one'), '--junit', join(tmp, 'one.xml'));
    expect(one.code).toBe(0);
    for (const i of [1, 2, 3]) {
      const r = await cli('report', ...models, '--shard', `${i}/3`, '--out', join(tmp, `s${i}`));
      expect(r.code).toBe(0);
    }
    const merged = await cli(
      'merge',
      join(tmp, 's1'),
      join(tmp, 's2'),
      join(tmp, 's3'),
      '--out',
      join(tmp, 'merged'),
      '--junit',
      join(tmp, 'merged.xml'),
    );
    expect(merged.code).toBe(0);
    expect(merged.out).toContain('merged 3 shards: 15 configurations');
    const single = tree(join(tmp, 'one'));
    expect(Object.keys(single)).toContain('traces/cap/ap-partition.linearizable.json');
    expect(single['README.md']).toContain('## '); // the CAP comparison, which needs every cap configuration
    expect(tree(join(tmp, 'merged'))).toEqual(single);
    expect(noTimes(readFileSync(join(tmp, 'merged.xml'), 'utf8'))).toBe(noTimes(readFileSync(join(tmp, 'one.xml'), 'utf8')));
  });

  it('refuses a missing, repeated or foreign shard, and a folder with no shard in it', async () => {
    const s = (i: number): string => join(tmp, `s${i}`);
    const other = await cli('report', '--model', 'cap', '--shard', '1/3', '--out', join(tmp, 'other'));
    expect(other.code).toBe(0);
    for (const [dirs, message] of [
      [[s(1), s(2)], 'missing shard 3/3'],
      [[s(1), s(1), s(2)], `shard 1/3 is given twice (${join(s(1), 'shard.json')} and ${join(s(1), 'shard.json')})`],
      [[join(tmp, 'other'), s(2), s(3)], `${join(s(2), 'shard.json')} ran other models than ${join(tmp, 'other', 'shard.json')}`],
      [
        [join(tmp, 'one')],
        `${join(tmp, 'one')} holds neither shard.json (report --shard) nor campaign-shard-*.ckpt (check --strategy random --shard)`,
      ],
      [[join(tmp, 'nope')], `${join(tmp, 'nope')} is not a folder`],
    ] as const) {
      const r = await cli('merge', ...dirs, '--out', join(tmp, 'bad'));
      expect([r.code, r.err]).toEqual([2, `distcheck: ${message}`]);
    }
    rmSync(join(tmp, 'bad'), { recursive: true, force: true });
  });
});

describe('a campaign in shards', () => {
  it('merges into the campaign one process runs', async () => {
    const args = [
      'check',
      'two-phase-commit',
      '--param',
      'rms=4',
      '--variant',
      'heuristic-commit',
      '--strategy',
      'random',
      '--rounds',
      '3',
      '--runs',
      '40',
      '--keep-going',
    ];
    const one = await cli(...args, '--save', join(tmp, 'c'), '--json');
    for (const i of [1, 2]) expect((await cli(...args, '--shard', `${i}/2`, '--save', join(tmp, `c${i}`), '--json')).code).toBe(0);
    const merged = await cli('merge', join(tmp, 'c1'), join(tmp, 'c2'), '--out', join(tmp, 'cm'));
    expect(merged.code).toBe(0);
    const json = JSON.parse(one.out);
    expect(merged.out).toContain(
      `  ${json.distinctStates.toLocaleString('en-US')} distinct states, ${json.statesGenerated.toLocaleString('en-US')} generated, depth ${json.depth}`,
    );
    expect(merged.out).toContain(`campaign: 3 rounds of walks, 120 walks, ${json.campaign.actionInstances} action instances taken`);
    const saved = (dir: string): string[] =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort();
    expect(saved(join(tmp, 'cm'))).toEqual(saved(join(tmp, 'c')));
    for (const f of saved(join(tmp, 'c'))) expect(readFileSync(join(tmp, 'cm', f), 'utf8')).toBe(readFileSync(join(tmp, 'c', f), 'utf8'));
  });
});
