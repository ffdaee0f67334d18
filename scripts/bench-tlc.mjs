#!/usr/bin/env node
// distcheck beside TLC, on this machine, in one run: TwoPhase at rms = 7 and 8 and PaxosCommit on its published
// configuration. TLC runs with one worker and checks its cfg's one invariant (TPTypeOK, PCTypeOK); distcheck checks
// the same one (`--property typeOK`): the catalog model, the same model loaded from its file as a user's model is,
// the catalog model on 2 workers, and, for the cost of the rest, the catalog model with every property (its
// refinement of TransactionCommit, consistency and witnesses). Last, the model alone (`distcheck bench-floor`): the
// seconds its own `actions` and `next` take over every transition, with no engine at all, which bounds what any
// engine can reach with that model in one thread (TLC ÷ model alone is that ceiling). Each row runs them back to back, so that they share
// the machine's load, and the table gives wall time, peak RSS and TLC's time divided by distcheck's. Writes
// reports/bench-tlc.md (outside the drift check: timings differ from run to run).
// Usage: node scripts/bench-tlc.mjs [--sizes 7,8] [--no-paxos]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const sizes = (args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : '7,8').split(',').map(Number);
const paxos = !args.includes('--no-paxos');
const tlc = new URL('../../shared/tlc/tlc', import.meta.url).pathname;
if (!existsSync(tlc)) {
  console.error(`bench-tlc: TLC's runner not found at ${tlc} (it lives in shared/ beside the repository)`);
  process.exit(3);
}
const dir = mkdtempSync(join(tmpdir(), 'bench-tlc-'));

/** Wall seconds and peak RSS (MB) of a command, from GNU time. */
function timed(cmd, cmdArgs) {
  const out = join(dir, 'time');
  const text = execFileSync('/usr/bin/time', ['-f', '%e %M', '-o', out, cmd, ...cmdArgs], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const [secs, kb] = readFileSync(out, 'utf8').trim().split(/\s+/).map(Number);
  return { secs, mb: Math.round(kb / 1024), text };
}

function distcheck(target, params, extra = []) {
  const r = timed('node', ['bin/distcheck.mjs', 'check', ...target, ...params.flatMap((p) => ['--param', p]), ...extra, '--json']);
  const j = JSON.parse(r.text);
  return { ...r, distinct: j.distinctStates, generated: j.statesGenerated, depth: j.depth };
}

/** The model's own seconds over every transition (bench-floor runs it and times only actions and next). */
function modelAlone(target, params) {
  const text = execFileSync('node', ['bin/distcheck.mjs', 'bench-floor', target, 'correct', ...params], { encoding: 'utf8' });
  const j = JSON.parse(text.trim().split('\n').pop());
  return { secs: Number(j.modelSeconds.toFixed(2)), distinct: j.distinct };
}

function tlcRun(spec) {
  const r = timed('bash', [tlc, ...spec]);
  const m = /distinct (\d+), generated (\d+), depth (\d+), ([\d.]+) s, (\d+) MB/.exec(r.text);
  return { secs: Number(m[4]), mb: Number(m[5]), distinct: Number(m[1]), generated: Number(m[2]), depth: Number(m[3]) };
}

const TYPE_OK = ['--property', 'typeOK'];
const rows = [];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
for (const n of sizes) {
  const t = tlcRun(['twophase', String(n), '1']);
  const c = distcheck(['two-phase-commit'], [`rms=${n}`], TYPE_OK);
  const f = distcheck(['./models/commit/two-phase-commit.ts', '--export', 'twoPhaseCommit'], [`rms=${n}`], TYPE_OK);
  const w = distcheck(['two-phase-commit'], [`rms=${n}`], [...TYPE_OK, '--workers', '2']);
  const a = distcheck(['two-phase-commit'], [`rms=${n}`]);
  const m = modelAlone('two-phase-commit', [`rms=${n}`]);
  rows.push({ spec: `TwoPhase rms=${n}`, t, c, f, w, a, m, load: load() });
  console.error(
    `rms=${n}: TLC ${t.secs} s, catalog ${c.secs} s, file ${f.secs} s, 2 workers ${w.secs} s, all properties ${a.secs} s, model alone ${m.secs} s (load ${load()})`,
  );
}
let paxosRow;
if (paxos) {
  const t = tlcRun(['paxos', '1']);
  const c = distcheck(['paxos-commit'], [], TYPE_OK);
  const w = distcheck(['paxos-commit'], [], [...TYPE_OK, '--workers', '2']);
  const a = distcheck(['paxos-commit'], []);
  const m = modelAlone('paxos-commit', []);
  paxosRow = { spec: 'PaxosCommit (published cfg)', t, c, w, a, m, load: load() };
  console.error(`paxos: TLC ${t.secs} s, distcheck ${c.secs} s, 2 workers ${w.secs} s, all properties ${a.secs} s, model alone ${m.secs} s`);
}

const ratio = (a, b) => `${(a / b).toFixed(1)}×`;
const same = (a, ...bs) =>
  bs.every((b) => a.distinct === b.distinct && a.generated === b.generated && a.depth === b.depth) ? 'same' : 'DIFFERENT';
const cell = (r) => (r ? `${r.secs} s, ${r.mb} MB` : '–');
const row = ({ spec, t, c, f, w, a, m, load: l }) =>
  `| ${spec} | ${cell(t)} | ${cell(c)} | ${cell(f)} | ${cell(w)} | ${cell(a)} | ${m.secs} s | ${ratio(t.secs, c.secs)} | ${f ? ratio(t.secs, f.secs) : '–'} | ${ratio(t.secs, w.secs)} | ` +
  `${ratio(t.secs, m.secs)} | ${same(t, ...[c, f, w, a].filter(Boolean))}${m.distinct === t.distinct ? '' : ' (model alone: DIFFERENT)'} (${c.distinct.toLocaleString('en-US')}) | ${l} |`;
const lines = [
  '# distcheck beside TLC',
  '',
  `Measured by \`node scripts/bench-tlc.mjs\` on ${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GB, ` +
    `Node ${process.version}; TLC 2.19 with one worker (\`../shared/tlc/tlc\`), checking its cfg's invariant (TPTypeOK, PCTypeOK), ` +
    'and distcheck checking the same one (`--property typeOK`) unless the column says otherwise. Each row runs TLC and distcheck back to ' +
    "back, so that they share the machine's load (its 1-minute load average is given): compare the ratios, not the seconds. " +
    "\"Model alone\" is the seconds the model's own `actions` and `next` take over every transition with no engine " +
    '(`distcheck bench-floor`): no explorer of that model in one thread can be faster, so TLC ÷ model alone is the ceiling of TLC ÷ catalog.',
  '',
  '| spec | TLC | distcheck, catalog | distcheck, model file | distcheck, catalog, 2 workers | distcheck, catalog, every property | model alone | TLC ÷ catalog | TLC ÷ file | TLC ÷ 2 workers | TLC ÷ model alone | counts | load |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(row),
  ...(paxosRow ? [row(paxosRow)] : []),
  '',
];
writeFileSync('reports/bench-tlc.md', lines.join('\n'));
console.log(lines.join('\n'));
