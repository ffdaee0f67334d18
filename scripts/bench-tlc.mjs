#!/usr/bin/env node
// distcheck beside TLC, on this machine, in one run: TwoPhase at rms = 7 and 8 (TLC with one worker, the catalog's
// plain `two-phase-commit`, and the same plain model loaded from its file as a user's model is) and PaxosCommit on
// its published configuration. Each row runs the three back to back, so that they share the machine's load, and
// the table gives wall time, peak RSS and TLC's time divided by distcheck's. Writes reports/bench-tlc.md (outside
// the drift check: timings differ from run to run). Usage: node scripts/bench-tlc.mjs [--sizes 7,8] [--no-paxos]
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

function tlcRun(spec) {
  const r = timed('bash', [tlc, ...spec]);
  const m = /distinct (\d+), generated (\d+), depth (\d+), ([\d.]+) s, (\d+) MB/.exec(r.text);
  return { secs: Number(m[4]), mb: Number(m[5]), distinct: Number(m[1]), generated: Number(m[2]), depth: Number(m[3]) };
}

const rows = [];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
for (const n of sizes) {
  const t = tlcRun(['twophase', String(n), '1']);
  const c = distcheck(['two-phase-commit'], [`rms=${n}`]);
  const f = distcheck(['./models/commit/two-phase-commit.ts', '--export', 'twoPhaseCommit'], [`rms=${n}`]);
  const w = distcheck(['two-phase-commit'], [`rms=${n}`], ['--workers', '2']);
  rows.push({ spec: `TwoPhase rms=${n}`, t, c, f, w, load: load() });
  console.error(`rms=${n}: TLC ${t.secs} s, catalog ${c.secs} s, file ${f.secs} s, 2 workers ${w.secs} s (load ${load()})`);
}
let paxosRow;
if (paxos) {
  const t = tlcRun(['paxos', '1']);
  const c = distcheck(['paxos-commit'], []);
  const w = distcheck(['paxos-commit'], [], ['--workers', '2']);
  paxosRow = { t, c, w, load: load() };
  console.error(`paxos: TLC ${t.secs} s, distcheck ${c.secs} s, 2 workers ${w.secs} s`);
}

const ratio = (a, b) => `${(a / b).toFixed(1)}×`;
const same = (a, b) => (a.distinct === b.distinct && a.generated === b.generated && a.depth === b.depth ? 'same' : 'DIFFERENT');
const lines = [
  '# distcheck beside TLC',
  '',
  `Measured by \`node scripts/bench-tlc.mjs\` on ${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GB, ` +
    `Node ${process.version}; TLC 2.19 with one worker (\`../shared/tlc/tlc\`). Each row runs TLC and distcheck back to back, ` +
    'so that they share the machine\'s load (its 1-minute load average is given): compare the ratios, not the seconds.',
  '',
  '| spec | TLC | distcheck, catalog | distcheck, model file | distcheck, catalog, 2 workers | TLC ÷ catalog | TLC ÷ file | TLC ÷ 2 workers | counts | load |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    ({ spec, t, c, f, w, load: l }) =>
      `| ${spec} | ${t.secs} s, ${t.mb} MB | ${c.secs} s, ${c.mb} MB | ${f.secs} s, ${f.mb} MB | ${w.secs} s, ${w.mb} MB | ${ratio(t.secs, c.secs)} | ${ratio(t.secs, f.secs)} | ${ratio(t.secs, w.secs)} | ${same(t, c)}${same(t, w) === 'same' ? '' : ' (2 workers DIFFERENT)'} (${c.distinct.toLocaleString('en-US')}) | ${l} |`,
  ),
  ...(paxosRow
    ? [
        `| PaxosCommit (published cfg) | ${paxosRow.t.secs} s, ${paxosRow.t.mb} MB | ${paxosRow.c.secs} s, ${paxosRow.c.mb} MB | – | ${paxosRow.w.secs} s, ${paxosRow.w.mb} MB | ${ratio(paxosRow.t.secs, paxosRow.c.secs)} | – | ${ratio(paxosRow.t.secs, paxosRow.w.secs)} | ${same(paxosRow.t, paxosRow.c)}${same(paxosRow.t, paxosRow.w) === 'same' ? '' : ' (2 workers DIFFERENT)'} (${paxosRow.c.distinct.toLocaleString('en-US')}) | ${paxosRow.load} |`,
      ]
    : []),
  '',
];
writeFileSync('reports/bench-tlc.md', lines.join('\n'));
console.log(lines.join('\n'));
