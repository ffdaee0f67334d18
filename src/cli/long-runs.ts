// `check` for long runs: random-walk campaigns (--minutes, --rounds, --keep-going, --shard) and breadth-first
// runs with checkpoints (--checkpoint, --checkpoint-minutes, --resume). check.ts parses; this file runs them,
// installs the signal handlers, and presents a campaign.
import { join } from 'node:path';
import { runCampaign, type CampaignProgress, type CampaignState, type Shard } from '../check/campaign';
import { exploreCheckpointed, readCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointIdentity } from '../check/checkpoint';
import type { ExploreResult } from '../check/types';
import { expectedOutcome, livenessPropertyNames, type AnyMachine, type AnyModel, type Params } from '../model/model';
import { DEFAULT_RANDOM, judge, type RunOutcome, type RunRequest } from '../run/run';
import { fail } from '../shared/errors';
export { parseShard } from '../report/shard';
import { buildTrace } from '../trace/trace';
import { plural, type Out } from './output';

/** What check.ts parsed for a long run. */
export interface LongRun {
  /** The model as given on the command line (an id, or a file and its export): a checkpoint records it. */
  readonly modelArg: string;
  readonly campaign?: { readonly minutes?: number; readonly rounds?: number; readonly keepGoing: boolean; readonly shard: Shard };
  readonly checkpoint?: string;
  readonly checkpointMinutes?: number;
  readonly resume?: string;
  /** The command line's arguments, to print the one that resumes. */
  readonly args: readonly string[];
}

/** A positive number of minutes (fractions allowed). */
export function minutesOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(raw) || !(Number(raw) > 0)) fail(`--${name} must be a positive number of minutes, got '${raw}'`);
  return Number(raw);
}

/** SIGINT and SIGTERM set a flag for the run to see between two slices of work; a second one exits at once. */
function onSignals(): { interrupted: () => boolean; dispose: () => void } {
  let got = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (got) process.exit(signal === 'SIGINT' ? 130 : 143);
    got = true;
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    interrupted: () => got,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** The command that goes on from a checkpoint: the same arguments, with --resume FILE. */
function resumeCommand(long: LongRun, file: string): string {
  const args: string[] = [];
  for (let i = 0; i < long.args.length; i++) {
    const a = long.args[i];
    if (a === '--resume') i++;
    else if (!a.startsWith('--resume=')) args.push(/^[\w./=,:@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  }
  return `distcheck check ${args.join(' ')} --resume ${file}`;
}

// ---- Breadth-first search with checkpoints ----

const bfsIdentity = (long: LongRun, request: RunRequest, params: Params): CheckpointIdentity => ({
  kind: 'bfs',
  model: long.modelArg,
  variant: request.variant,
  params,
  settings: { symmetry: request.symmetry === true, deadlock: request.explore?.checkDeadlock === true },
});

/** The breadth-first search of a checked run, with checkpoints; an exit code (3) when it stopped into a checkpoint. */
export async function exploreLong(
  long: LongRun,
  request: RunRequest,
  machine: AnyMachine,
  params: Params,
  out: Out,
): Promise<ExploreResult | number> {
  const identity = bfsIdentity(long, request, params);
  const resume = long.resume ? readCheckpoint(long.resume, identity) : undefined;
  const signals = onSignals();
  try {
    const r = await exploreCheckpointed(
      machine,
      { ...request.explore, symmetry: request.symmetry },
      {
        identity,
        ...(long.checkpoint ? { file: long.checkpoint } : {}),
        ...(long.checkpointMinutes ? { everyMs: long.checkpointMinutes * 60_000 } : {}),
        ...(resume ? { resume } : {}),
        interrupted: signals.interrupted,
      },
    );
    if (r.done) return r.result;
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const why = r.why === 'signal' ? 'interrupted' : `time limit of ${request.explore?.maxSeconds} s reached`;
    if (r.written) out.err(`distcheck: ${why}; checkpoint written to ${r.written}; resume with: ${resumeCommand(long, r.written)}`);
    else out.err(`distcheck: ${why}; no checkpoint written (give --checkpoint FILE to keep the place)`);
    return 3;
  } finally {
    signals.dispose();
  }
}

// ---- Campaigns ----

const campaignIdentity = (long: LongRun, request: RunRequest, params: Params, shard: Shard): CheckpointIdentity => ({
  kind: 'campaign',
  model: long.modelArg,
  variant: request.variant,
  params,
  settings: {
    seed: request.seed ?? DEFAULT_RANDOM.seed,
    runs: request.runs ?? CAMPAIGN_RUNS,
    walkLength: request.walkLength ?? DEFAULT_RANDOM.walkLength,
    keepGoing: long.campaign?.keepGoing ?? false,
    shard: `${shard.index}/${shard.count}`,
  },
});

/** Walks per round of a campaign, unless --runs says otherwise. */
export const CAMPAIGN_RUNS = 1000;

type StateData = Omit<CampaignState, 'fingerprints'>;

export function writeCampaign(file: string, id: CheckpointIdentity, s: CampaignState): void {
  const { fingerprints, ...data } = s;
  writeCheckpoint(file, id, data, { fingerprints });
}

export function campaignOf(c: Checkpoint): CampaignState {
  const d = c.data as StateData;
  if (typeof d !== 'object' || d === null || !Array.isArray(d.violations) || !(c.sections.fingerprints instanceof Uint32Array))
    fail('checkpoint: the campaign data is incomplete');
  return { ...d, fingerprints: c.sections.fingerprints };
}

/** The file a campaign shard leaves in its --save folder for `distcheck merge`. */
export const shardFileName = (shard: Shard): string => `campaign-shard-${shard.index}-of-${shard.count}.ckpt`;

function progressLine(p: CampaignProgress): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  return `${plural(p.rounds, 'round')}, ${n(p.walks)} walks, ${n(p.distinct)} distinct states, ${n(p.instances)} action instances (${p.actionsFired}/${p.actionNames} actions), ${plural(p.violations, 'violation')}, ${n(p.seconds)} s`;
}

/** A progress line on stderr: overwritten on a terminal, one line every 30 s in a log. */
function campaignProgress(): (p: CampaignProgress) => void {
  let last = 0;
  return (p) => {
    if (process.stderr.isTTY) process.stderr.write(`\r  ${progressLine(p)}   `);
    else if (p.seconds - last >= 30) {
      last = p.seconds;
      process.stderr.write(`  ${progressLine(p)}\n`);
    }
  };
}

export interface CampaignResult {
  readonly outcome: RunOutcome;
  readonly state: CampaignState;
  readonly interrupted: boolean;
  readonly written?: string;
}

/** The outcome of a campaign's state, judged as a random-walk run. */
export function campaignOutcome(model: AnyModel, machine: AnyMachine, request: RunRequest, params: Params, s: CampaignState): RunOutcome {
  const ctx = { model: model.id, variant: request.variant, params };
  const sometimes = machine.properties.filter((p) => p.kind === 'sometimes').map((p) => p.name);
  return judge({
    model: model.id,
    ...(request.configuration ? { configuration: request.configuration } : {}),
    variant: request.variant,
    params,
    strategy: 'random',
    symmetry: false,
    expected: expectedOutcome(model, request.variant, request.expect),
    distinctStates: s.fingerprints.length / 2,
    statesGenerated: s.statesGenerated,
    depth: s.longestWalk + 1,
    violations: s.violations.map((v) => ({
      property: v.property,
      kind: v.kind,
      trace: buildTrace(machine, ctx, v),
      seed: v.seed,
      path: v.replayPath,
    })),
    witnesses: [],
    unreached: sometimes.filter((n) => !s.reached.includes(n)),
    unchecked: livenessPropertyNames(machine),
    coverage: [],
    neverFired: machine.actionNames.filter((a: string) => !s.actions.includes(a)),
    collisionProbability: null,
    metrics: {},
    random: {
      seed: request.seed ?? DEFAULT_RANDOM.seed,
      runs: request.runs ?? CAMPAIGN_RUNS,
      walkLength: request.walkLength ?? DEFAULT_RANDOM.walkLength,
    },
  });
}

export async function runCampaignCommand(
  long: LongRun,
  model: AnyModel,
  request: RunRequest,
  machine: AnyMachine,
  params: Params,
  saveDir: string,
  quiet: boolean,
): Promise<CampaignResult> {
  const c = long.campaign!;
  const identity = campaignIdentity(long, request, params, c.shard);
  const resume = long.resume ? campaignOf(readCheckpoint(long.resume, identity)) : undefined;
  const signals = onSignals();
  const file = long.checkpoint;
  try {
    const state = await runCampaign(machine, {
      seed: request.seed ?? DEFAULT_RANDOM.seed,
      runs: request.runs ?? CAMPAIGN_RUNS,
      walkLength: request.walkLength ?? DEFAULT_RANDOM.walkLength,
      ...(c.minutes !== undefined ? { minutes: c.minutes } : {}),
      ...(c.rounds !== undefined ? { rounds: c.rounds } : {}),
      keepGoing: c.keepGoing,
      shard: c.shard,
      ...(resume ? { resume } : {}),
      ...(quiet ? {} : { onProgress: campaignProgress() }),
      interrupted: signals.interrupted,
      ...(file && long.checkpointMinutes
        ? { everyMs: long.checkpointMinutes * 60_000, onCheckpoint: (s) => writeCampaign(file, identity, s) }
        : {}),
    });
    if (process.stderr.isTTY && !quiet) process.stderr.write('\r\x1b[K');
    const { interrupted, ...s } = state;
    if (file) writeCampaign(file, identity, s);
    if (c.shard.count > 1) writeCampaign(join(saveDir, shardFileName(c.shard)), identity, s);
    return { outcome: campaignOutcome(model, machine, request, params, s), state: s, interrupted, ...(file ? { written: file } : {}) };
  } finally {
    signals.dispose();
  }
}

/** The campaign's own lines: how far it went, and how to replay each violation alone. */
export function campaignLines(long: LongRun | undefined, r: Pick<CampaignResult, 'state' | 'interrupted' | 'written'>): string[] {
  const s = r.state;
  const lines = [
    `  campaign: ${plural(s.rounds, 'round')} of walks, ${plural(s.walks, 'walk')}, ${plural(s.instances.length, 'action instance')} taken, ${Math.round(s.seconds).toLocaleString('en-US')} s` +
      (r.interrupted
        ? ' (interrupted)'
        : s.stopped === 'time'
          ? ' (time up)'
          : s.stopped === 'violation'
            ? ' (stopped at the first violation)'
            : ''),
  ];
  s.violations.forEach((v, i) =>
    lines.push(
      `  violation ${i + 1}: ${v.property} in ${plural(v.path.choices.length, 'step')}, found in round ${v.round} (seed ${v.seed}, walk ${v.replayPath.split(':')[0]})`,
    ),
  );
  if (r.written) lines.push(`  checkpoint: ${r.written}${long && r.interrupted ? `; resume with: ${resumeCommand(long, r.written)}` : ''}`);
  return lines;
}

/** `distcheck check` arguments that replay one walk of a campaign: model, variant, parameters, walk length. */
export function replayPrefix(modelArg: string, variant: string, params: Params, random: { runs: number; walkLength: number }): string {
  const ps = Object.entries(params).map(([k, v]) => `--param ${k}=${v}`);
  return [
    'distcheck check',
    modelArg,
    '--variant',
    variant,
    ...ps,
    '--strategy random',
    `--runs ${random.runs}`,
    `--walk-length ${random.walkLength}`,
  ].join(' ');
}
