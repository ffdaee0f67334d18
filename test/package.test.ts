// SLOW (about 20–40 s on two busy cores): the published package, end to end. Packs the repository with
// `npm pack` (whose prepack builds dist/), installs the tarball into a fresh project outside the repository
// (from the npm cache that `npm ci` filled: --offline, falling back to --prefer-offline, which fetches only
// package metadata from the registry), and uses it there as a user would: what the install weighs and holds,
// `list`, `--help` of every command, the bin on model files written in the project (correct variant, bug
// variant, a broken correct variant, a file without a model, a limit, a model that throws, two threads),
// `report` of a model file, `linearizable`, `init` and the generated vitest file, `html` and `serve` of the
// catalog and of a model file, the type declarations under nodenext resolution, and the exports map.
// `report` of the whole shipped catalog takes about 35 s more: it runs with DISTCHECK_PACKAGE_REPORT=1
// (`npm run test:package`, which CI's .ci/gate.sh runs), not in `npm test`.
// Without the npm cache or the registry it warns and skips locally, and fails under CI.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from './support/child-env';

interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

const REPO = resolve('.');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// Children must not write V8 coverage into a c8 run, nor see the parent's npm lifecycle.
const env = childEnv({ npm_lifecycle_event: '', npm_lifecycle_script: '', NO_COLOR: '1', FORCE_COLOR: '0' });

function sh(command: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((done) => {
    execFile(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 16 << 20 }, (error, out, err) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, out, err });
    });
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'distcheck-pack-'));
const project = join(tmp, 'project');
const distcheck = (...args: string[]): Promise<Ran> => sh(join(project, 'node_modules', '.bin', 'distcheck'), args, project);
let tarball: { filename: string; size: number; files: number } | undefined;
let skipped = '';

beforeAll(async () => {
  const packed = await sh(NPM, ['pack', '--pack-destination', tmp, '--json', '--no-fund'], REPO);
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.err}`);
  // prepack's own output comes first on stdout; npm's JSON report is the last thing printed.
  const [report] = JSON.parse(packed.out.slice(packed.out.search(/^\[/m))) as { filename: string; size: number; files: unknown[] }[];
  tarball = { filename: report.filename, size: report.size, files: report.files.length };

  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }, null, 2));
  const install = (mode: string) => sh(NPM, ['install', join(tmp, report.filename), mode, '--no-audit', '--no-fund'], project);
  let installed = await install('--offline');
  if (installed.code !== 0 && /ENOTCACHED/.test(installed.err)) installed = await install('--prefer-offline');
  if (installed.code !== 0) {
    const why = `cannot install the packed tarball (no npm cache, no registry?): ${installed.err.trim().split('\n').slice(0, 2).join(' ')}`;
    if (process.env.CI) throw new Error(why);
    skipped = why;
    console.warn(`package.test.ts skipped: ${why}`);
    return;
  }
  // The user's files: the test fixture (a model with a bug variant, and one whose correct variant is broken),
  // a file without a model, and the same model in a CommonJS package (npm init's default type).
  copyFileSync(join(REPO, 'test/fixtures/user-models.ts'), join(project, 'queue.ts'));
  copyFileSync(join(REPO, 'test/fixtures/throwing-model.ts'), join(project, 'throws.ts'));
  copyFileSync(join(REPO, 'test/fixtures/histories/h6-register.jsonl'), join(project, 'history.jsonl'));
  copyFileSync(join(REPO, 'test/fixtures/no-model.ts'), join(project, 'helpers.ts'));
  mkdirSync(join(project, 'cjs'));
  writeFileSync(join(project, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }));
  copyFileSync(join(REPO, 'test/fixtures/user-models.ts'), join(project, 'cjs', 'queue.ts'));
}, 240_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the packed package, installed into a fresh project', () => {
  it('is a small tarball of dist/, bin/ and the templates, without the sources', () => {
    if (skipped) return;
    expect(tarball!.filename).toMatch(/^distcheck-\d+\.\d+\.\d+\.tgz$/);
    // mermaid's single-file browser build is most of it (about 0.9 MB packed).
    expect(tarball!.size).toBeLessThan(1_500_000);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/distcheck/package.json'), 'utf8'));
    expect(Object.keys(installed.exports)).toEqual(['.', './testing', './package.json']);
  });

  it('checks a model file with the exit codes 0 (as expected), 1 (unexpected), 2 (no model) and 3 (limit)', async () => {
    if (skipped) return;
    const [correct, bug, broken, noModel, limit, cjs, builtIn] = await Promise.all([
      distcheck('check', './queue.ts'),
      distcheck('check', './queue.ts', '--config', 'capacity-2-no-room-check'),
      distcheck('check', './queue.ts', '--export', 'brokenQueue'),
      distcheck('check', './helpers.ts'),
      distcheck('check', './queue.ts', '--param', 'capacity=1000', '--max-states', '10'),
      distcheck('check', './cjs/queue.ts'),
      distcheck('check', 'transaction-commit'),
    ]);
    expect([correct.code, correct.err]).toEqual([0, '']);
    expect(correct.out).toContain('bounded-queue [correct; capacity=2] breadth-first');
    expect(correct.out).toContain('as expected: pass');
    expect(bug.code).toBe(0);
    expect(bug.out).toContain('bounded-queue [no-room-check; capacity=2] violates always bounded in 3 steps');
    expect(bug.out).toContain('as expected: caught: bounded violated');
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/\nUNEXPECTED VIOLATION: bounded$/m);
    expect(noModel.code).toBe(2);
    expect(noModel.err).toBe('distcheck: ./helpers.ts has no default export; it exports no model (export default defineModel({...}))\n');
    expect(limit.code).toBe(3);
    expect(limit.out).toContain('limit reached');
    expect([cjs.code, cjs.err]).toEqual([0, '']);
    expect(builtIn.code).toBe(0);
  });

  it('installs at most 40 packages and 60 MB, none of them a library of the lab', async () => {
    if (skipped) return;
    const ls = await sh(NPM, ['ls', '--all', '--parseable'], project);
    const packages = new Set(ls.out.trim().split('\n').slice(1));
    expect(packages.size).toBeLessThanOrEqual(40);
    for (const lab of ['mermaid', 'lodash', 'opossum', 'cockatiel', 'limiter', 'rate-limiter-flexible', '@sinonjs/fake-timers', 'vitest'])
      expect(
        [...packages].filter((p) => p.endsWith(`/node_modules/${lab}`)),
        lab,
      ).toEqual([]);
    const du = await sh('du', ['-sk', 'node_modules'], project);
    expect(Number(du.out.split('\t')[0]) / 1024).toBeLessThan(60);
  });

  it('lists the catalog and a model file, and prints the help of every command', async () => {
    if (skipped) return;
    const [list, file, help, version] = await Promise.all([
      distcheck('list'),
      distcheck('list', './queue.ts'),
      distcheck('--help'),
      distcheck('--version'),
    ]);
    expect([list.code, list.err]).toEqual([0, '']);
    expect(list.out).toMatch(/^two-phase-commit — /m);
    expect(list.out).not.toContain('governance-libraries');
    expect(file.out).toMatch(/^bounded-queue — A bounded queue\n/);
    expect([help.code, version.out.trim()]).toEqual([0, JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version]);
    const commands = [...help.out.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1]);
    expect(commands).toContain('linearizable');
    const usages = await Promise.all(commands.map((c) => distcheck(c, '--help')));
    usages.forEach((u, i) =>
      expect([u.code, u.out.startsWith(`usage: distcheck ${commands[i]}`), u.err], commands[i]).toEqual([0, true, '']),
    );
  });

  it('reports a model error (exit 4) with its trace, runs a model file on two threads, reports a file, and checks a history', async () => {
    if (skipped) return;
    const [throws, workers, report, history] = await Promise.all([
      distcheck('check', './throws.ts'),
      distcheck('check', './queue.ts', '--workers', '2', '--param', 'capacity=30'),
      distcheck('report', './queue.ts', '--out', 'file-report', '--junit', 'file-report/junit.xml'),
      distcheck('linearizable', 'history.jsonl', '--model', 'register'),
    ]);
    expect(throws.code).toBe(4);
    expect(throws.err.split('\n')[0]).toBe('distcheck: model error in next (action Inc): Error: boom in next at 2');
    expect(throws.err).toMatch(/^ {2}at incrementOnce \(.*throws\.ts:\d+:\d+\)$/m);
    expect(throws.err).toContain('the path to that state (2 steps):');
    expect([workers.code, workers.err]).toEqual([0, '']);
    expect(report.code).toBe(1);
    expect(report.out).toContain('✗ broken-queue capacity-2: UNEXPECTED VIOLATION: bounded');
    expect(readFileSync(join(project, 'file-report/junit.xml'), 'utf8')).toContain('<testsuite name="bounded-queue"');
    expect(history.code).toBe(1);
    expect(history.out).toContain('not linearizable');
  });

  it.runIf(process.env.DISTCHECK_PACKAGE_REPORT)(
    'reports on the whole shipped catalog, to exit 0',
    async () => {
      if (skipped) return;
      const r = await distcheck('report', '--out', 'catalog-report');
      expect([r.code, r.err]).toEqual([0, '']);
      expect(r.out).toMatch(/variants: caught (\d+)\/\1 bugs, passed (\d+)\/\2 correct/);
      expect(existsSync(join(project, 'catalog-report', 'random-ids.md'))).toBe(true);
      expect(existsSync(join(project, 'catalog-report', 'governance-libraries.md'))).toBe(false);
    },
    600_000,
  );

  it('writes a starter with init, refuses to overwrite it, and its vitest file passes', async () => {
    if (skipped) return;
    const first = await distcheck('init', 'my-lock');
    expect(first.code).toBe(0);
    expect(first.out).toContain('wrote my-lock.ts and my-lock.test.ts');
    const again = await distcheck('init', 'my-lock');
    expect([again.code, again.err]).toEqual([2, 'distcheck: my-lock.ts and my-lock.test.ts already exist; not overwriting\n']);
    // The project would `npm install -D vitest`; the repository's copy is linked in instead, to stay offline.
    symlinkSync(join(REPO, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'), 'dir');
    const vitest = await sh(
      process.execPath,
      [join(project, 'node_modules/vitest/vitest.mjs'), 'run', '--root', project, 'my-lock.test.ts'],
      project,
    );
    expect(vitest.code, vitest.out + vitest.err).toBe(0);
    expect(vitest.out).toMatch(/Tests\s+4 passed/);
  });

  it('serves the explorer (a check runs in a worker of the bundle) and writes the static pages', async () => {
    if (skipped) return;
    const [html, own] = await Promise.all([
      distcheck('html', 'pages', '--model', 'transaction-commit'),
      distcheck('html', 'own-pages', './queue.ts'),
    ]);
    expect([html.code, html.err]).toEqual([0, '']);
    expect([own.code, own.err]).toEqual([1, '']);
    expect(readFileSync(join(project, 'own-pages', 'index.html'), 'utf8')).toContain('bounded-queue');
    for (const f of [
      'index.html',
      'assets/app.js',
      'assets/style.css',
      'assets/mermaid.min.js',
      'transaction-commit/rms3-abort-after-commit.consistent.html',
    ])
      expect(existsSync(join(project, 'pages', f)), f).toBe(true);
    const child = spawn(join(project, 'node_modules', '.bin', 'distcheck'), ['serve', '--port', '0'], { cwd: project, env });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      expect((await fetch(new URL('/assets/mermaid.min.js', url))).status).toBe(200);
      const started = await fetch(new URL('/api/jobs', url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model": "transaction-commit", "config": "rms3-abort-after-commit"}',
      });
      type Job = { id: number; status: string; result?: { verdict: string } };
      let job = (await started.json()) as Job;
      for (let i = 0; job.status === 'running' && i < 300; i++) {
        await new Promise((r) => setTimeout(r, 100));
        job = (await (await fetch(new URL(`/api/jobs/${job.id}`, url))).json()) as Job;
      }
      expect([job.status, job.result?.verdict]).toEqual(['done', 'caught: consistent violated']);
    } finally {
      child.kill('SIGINT');
    }
    // The explorer on the user's own model file: its check runs in a worker that loads the TypeScript file.
    const mine = spawn(join(project, 'node_modules', '.bin', 'distcheck'), ['serve', './queue.ts', '--port', '0'], { cwd: project, env });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        mine.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]);
        });
        mine.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      const models = (await (await fetch(new URL('/api/models', url))).json()) as unknown;
      expect(JSON.stringify(models)).toContain('bounded-queue');
      expect(JSON.stringify(models)).not.toContain('two-phase-commit');
      const started = await fetch(new URL('/api/jobs', url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model": "bounded-queue", "config": "capacity-2-no-room-check"}',
      });
      type Job = { id: number; status: string; result?: { verdict: string }; error?: string };
      let job = (await started.json()) as Job;
      for (let i = 0; job.status === 'running' && i < 300; i++) {
        await new Promise((r) => setTimeout(r, 100));
        job = (await (await fetch(new URL(`/api/jobs/${job.id}`, url))).json()) as Job;
      }
      expect([job.status, job.result?.verdict, job.error]).toEqual(['done', 'caught: bounded violated', undefined]);
    } finally {
      mine.kill('SIGINT');
    }
  });

  it('ships type declarations that resolve under nodenext, and keeps internal modules out', async () => {
    if (skipped) return;
    writeFileSync(
      join(project, 'probe.ts'),
      [
        "import { defineModel, withFaults, faultParams, explore, run, renderTraceText, type Machine } from 'distcheck';",
        "import { checkModel, type ModelCheck } from 'distcheck/testing';",
        "import queue from './queue.js';",
        'const check: ModelCheck = checkModel(queue);',
        'export const states: number = check.outcomes[0].distinctStates;',
        '// @ts-expect-error distinctStates is a number',
        'export const wrong: string = check.outcomes[0].distinctStates;',
        'export const api = [defineModel, withFaults, faultParams, explore, run, renderTraceText];',
        'export type M = Machine<number, { name: string }>;',
        '// @ts-expect-error the command line is internal',
        "export { main } from 'distcheck/dist/cli/main.js';",
      ].join('\n'),
    );
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    const options = [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
    ];
    const script = [
      "const m = await import('distcheck');",
      "const t = await import('distcheck/testing');",
      "const internal = await import('distcheck/dist/cli/main.js').then(() => 'imported', (e) => e.code);",
      "console.log(JSON.stringify({ api: ['defineModel', 'withFaults', 'explore', 'run', 'checkLiveness'].filter((k) => typeof m[k] !== 'function'), checkModel: typeof t.checkModel, internal }));",
    ].join('\n');
    const [types, imports] = await Promise.all([
      sh(process.execPath, [tsc, ...options, 'probe.ts', 'my-lock.ts', 'my-lock.test.ts'], project),
      sh(process.execPath, ['--input-type=module', '-e', script], project),
    ]);
    expect(types.out + types.err).toBe('');
    expect(JSON.parse(imports.out)).toEqual({ api: [], checkModel: 'function', internal: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  });
});
