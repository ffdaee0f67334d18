// `distcheck merge DIR...`: what one run would have written, from the folders its shards wrote.
// Report shards (`report --shard i/n`) leave shard.json beside their reports: the merge renders the whole
// run's reports (byte-identical to one `report`) and, with --junit, its JUnit file (the same but for the
// seconds, which are each shard's). Campaign shards (`check --strategy random --shard i/n`) leave
// campaign-shard-i-of-n.ckpt in their --save folder: the merge adds up their walks, unites the states and
// action instances they saw and the violations they found, and saves the counterexamples.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint, type CheckpointIdentity } from '../check/checkpoint';
import { mergeCampaigns, type CampaignState } from '../check/campaign';
import { resolveParams } from '../model/params';
import { writeReports } from '../report/files';
import { renderReports } from '../report/render';
import { tallyLine } from '../report/run';
import { SHARD_FILE, mergeShards, parseShard, parseShardFile } from '../report/shard';
import { fail } from '../shared/errors';
import { renderTraceText } from '../trace/trace';
import { traceToJson } from '../trace/trace-file';
import { parse } from './args';
import { reportCatalog, writeJUnitOf } from './commands';
import { savedTraceName } from './check';
import { campaignLines, campaignOf, campaignOutcome, writeCampaign } from './long-runs';
import { modelArg, type App } from './models';
import { plural, readText, writeText, type Out } from './output';

export const MERGE_OPTIONS = { out: { type: 'string' }, junit: { type: 'string' } } as const;

const CAMPAIGN_SHARD = /^campaign-shard-\d+-of-\d+\.ckpt$/;

export async function cmdMerge(args: string[], out: Out, app: App): Promise<number> {
  const { values, positionals } = parse(args, MERGE_OPTIONS);
  if (positionals.length === 0)
    fail('merge takes the folders the shards wrote (report --shard i/n --out DIR, or a campaign --shard i/n --save DIR)');
  const kinds = positionals.map((dir) => {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`${dir} is not a folder`);
    if (existsSync(join(dir, SHARD_FILE))) return 'report';
    if (readdirSync(dir).some((f) => CAMPAIGN_SHARD.test(f))) return 'campaign';
    return fail(`${dir} holds neither ${SHARD_FILE} (report --shard) nor campaign-shard-*.ckpt (check --strategy random --shard)`);
  });
  if (kinds.some((k) => k !== kinds[0])) fail('merge takes the shards of one run: report shards or campaign shards, not both');
  const junit = values.junit as string | undefined;
  if (kinds[0] === 'campaign') {
    if (junit) fail('--junit applies to report shards');
    return mergeCampaignShards(positionals, (values.out as string | undefined) ?? 'reports/last-run/merged', out, app);
  }
  const files = positionals.map((dir) => ({
    name: join(dir, SHARD_FILE),
    file: parseShardFile(readText(join(dir, SHARD_FILE)), join(dir, SHARD_FILE)),
  }));
  const selection = files[0].file.selection;
  const catalog = await reportCatalog(app, selection.files ?? [], selection.models);
  const { all, seconds } = mergeShards(files, catalog.models);
  const dir = (values.out as string | undefined) ?? 'reports/last-run/merged';
  writeReports(dir, await renderReports(all, catalog));
  if (junit) {
    writeJUnitOf(junit, all, seconds);
    out.log(`JUnit written to ${junit}`);
  }
  out.log(`merged ${plural(files.length, 'shard')}: ${plural(seconds.length, 'configuration')}`);
  out.log(tallyLine(all));
  out.log(`reports written to ${dir}/`);
  return all.every((m) => m.outcomes.every((o) => o.asExpected)) ? 0 : 1;
}

/** The identity of a campaign without its shard: what every shard of one campaign shares. */
const sansShard = (id: CheckpointIdentity): string => JSON.stringify({ ...id, settings: { ...id.settings, shard: undefined } });

async function mergeCampaignShards(dirs: readonly string[], outDir: string, out: Out, app: App): Promise<number> {
  const files = dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => CAMPAIGN_SHARD.test(f))
      .map((f) => join(dir, f)),
  );
  const shards = files.map((file) => ({ file, checkpoint: readCheckpoint(file) }));
  const first = shards[0].checkpoint.identity;
  const count = parseShard(String(first.settings.shard)).count;
  const seen = new Map<number, string>();
  for (const { file, checkpoint } of shards) {
    if (sansShard(checkpoint.identity) !== sansShard(first)) fail(`${file} is of another campaign than ${shards[0].file}`);
    const s = parseShard(String(checkpoint.identity.settings.shard));
    if (s.count !== count) fail(`${file} is shard ${s.index}/${s.count}, the others are of ${count}`);
    if (seen.has(s.index)) fail(`shard ${s.index}/${count} is given twice (${seen.get(s.index)} and ${file})`);
    seen.set(s.index, file);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length) fail(`missing campaign shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')}`);
  const state: CampaignState = mergeCampaigns(shards.map((s) => campaignOf(s.checkpoint)));
  const [arg, exportName] = first.model.split('#');
  const model = await modelArg(app, arg, exportName);
  const params = resolveParams(model, first.params);
  const machine = model.machine(params, first.variant);
  const request = {
    model,
    variant: first.variant,
    params,
    seed: Number(first.settings.seed),
    runs: Number(first.settings.runs),
    walkLength: Number(first.settings.walkLength),
  };
  const outcome = campaignOutcome(model, machine, request, params, state);
  writeCampaign(join(outDir, 'campaign.ckpt'), { ...first, settings: { ...first.settings, shard: '1/1' } }, state);
  out.log(
    `${model.id} [${first.variant}; ${Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}] random-walk campaign, ${plural(count, 'shard')} merged`,
  );
  out.log(
    `  ${outcome.distinctStates.toLocaleString('en-US')} distinct states, ${outcome.statesGenerated.toLocaleString('en-US')} generated, depth ${outcome.depth}`,
  );
  for (const line of campaignLines(undefined, { state, interrupted: false })) out.log(line);
  const counts = new Map<string, number>();
  outcome.violations.forEach((v) => {
    const k = (counts.get(v.property) ?? 0) + 1;
    counts.set(v.property, k);
    const name = savedTraceName(outcome, v.property);
    const file = join(outDir, k === 1 ? name : name.replace(/\.json$/, `.${k}.json`));
    writeText(file, traceToJson(v.trace));
    if (k === 1) out.log(`\n${renderTraceText(v.trace, machine)}`);
    out.log(`  saved: ${file}`);
  });
  out.log('');
  out.log(
    outcome.asExpected
      ? `as expected: ${outcome.verdict}`
      : /^[A-Z ]+:/.test(outcome.verdict)
        ? outcome.verdict
        : `UNEXPECTED: ${outcome.verdict}`,
  );
  return outcome.exitCode;
}
