// The browser UI's server side, without a browser: the views it computes, its JSON API and its errors, the
// `serve` command's lifecycle (port in use, Ctrl-C) and the static pages of `html`. The browser itself is driven
// in ui-browser.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveParams } from '../src/model/params';
import { pathStates, stateChanges } from '../src/trace/trace';
import type { JobView } from '../src/ui/jobs';
import type { UiServer } from '../src/ui/server';
import { writeHtmlSite } from '../src/ui/static';
import { exploreView, parsePath, parseScope, tracePath, traceQuery, traceViewFromQuery } from '../src/ui/views';
import { model, runConfiguration, someOutcomes, startTestServer } from './support/ui';
import { UsageError } from '../src/shared/errors';

const BIN = new URL('../bin/distcheck.mjs', import.meta.url).pathname;

describe('trace and state views', () => {
  const outcome = runConfiguration('two-phase-commit', 'rms3-heuristic-commit');
  const trace = outcome.violations.find((v) => v.property === 'consistent')!.trace;
  const tpc = model('two-phase-commit');
  const machine = tpc.machine(resolveParams(tpc, trace.params), trace.variant);

  it('recovers the path of choice indices that re-executes a trace', () => {
    const path = tracePath(machine, trace);
    expect(path.choices).toHaveLength(3);
    expect(pathStates(machine, path).states).toEqual(trace.steps.map((s) => s.state));
  });

  it('rebuilds the same trace from its URL, with the changed fields of each step, and confirms it by replay', () => {
    const view = traceViewFromQuery([tpc], new URLSearchParams(traceQuery(trace, tracePath(machine, trace))));
    expect(view.title).toBe('two-phase-commit [heuristic-commit; rms=3] violates always consistent in 3 steps');
    expect(view.steps.map((s) => s.action)).toEqual(trace.steps.map((s) => s.action));
    expect(view.steps.map((s) => s.changes.map((c) => c.field))).toEqual([[], ['rm1', 'msgs'], ['rm1'], ['rm2']]);
    expect(view.replay).toEqual({ reproduced: true, message: 'reproduced: consistent violated after 3 steps' });
    expect(view.mermaid).toContain('sequenceDiagram');
  });

  it('says when a trace URL claims a violation that the path does not reach', () => {
    const q = new URLSearchParams(traceQuery(trace, tracePath(machine, trace)));
    q.set('path', q.get('path')!.split('.').slice(0, 2).join('.'));
    expect(traceViewFromQuery([tpc], q).replay.reproduced).toBe(false);
  });

  it('shows the enabled actions and which properties hold in an explored state', () => {
    const q = new URLSearchParams(traceQuery(trace, tracePath(machine, trace)));
    const scope = parseScope([tpc], q);
    const v = exploreView(scope, parsePath(scope.machine, q));
    expect(v.trail).toEqual([null, 'RMPrepare(rm1)', 'RMHeuristicCommit(rm1)', 'RMChooseToAbort(rm2)']);
    expect(v.actions.map((a) => a.label)).toEqual(machine.actions(trace.steps[3].state).map((a: unknown) => machine.formatAction(a)));
    expect(v.properties.find((p) => p.name === 'consistent')?.holds).toBe(false);
    expect(v.properties.find((p) => p.name === 'typeOK')?.holds).toBe(true);
    expect(v.changes).toEqual(stateChanges(machine, trace.steps[2].state, trace.steps[3].state));
    const start = exploreView(scope, { init: 0, choices: [] });
    expect(start.properties.find((p) => p.kind === 'step')?.holds).toBeNull();
  });

  it('rejects a path that chooses an action that is not enabled, in one line', () => {
    const scope = parseScope([tpc], new URLSearchParams('model=two-phase-commit'));
    const bad = (query: string): string => {
      try {
        parsePath(scope.machine, new URLSearchParams(query));
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${query}`);
    };
    expect(bad('path=99')).toBe(`step 1 of 'path' chooses action 99, but only 7 actions are enabled there`);
    expect(bad('path=1.x')).toBe(`step 2 of 'path' must be a non-negative integer, got 'x'`);
    expect(bad('init=1')).toBe(`'init' must be below 1 (the number of initial states), got 1`);
  });
});

describe('the JSON API of serve', () => {
  let ui: UiServer;
  beforeAll(async () => {
    ui = await startTestServer();
  });
  afterAll(() => ui.close());

  const get = async (path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await fetch(new URL(path, ui.url), init);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const post = (body: string, type = 'application/json') => get('/api/jobs', { method: 'POST', headers: { 'content-type': type }, body });

  it('listens on 127.0.0.1 only', () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('lists every model with its configurations', async () => {
    const r = await get('/api/models');
    const models = r.body as unknown as { id: string; configurations: { name: string; expect: string }[] }[];
    expect(models.find((m) => m.id === 'two-phase-commit')?.configurations.find((c) => c.name === 'rms3-heuristic-commit')).toMatchObject({
      expect: 'violates consistent',
    });
  });

  it('answers every bad request with a status and a one-line JSON error', async () => {
    const cases: [Promise<{ status: number; body: Record<string, unknown> }>, number, string][] = [
      [get('/api/state?model=nope'), 400, `unknown model 'nope'`],
      [get('/api/state?model=two-phase-commit&p.rms=99'), 400, 'parameter rms of two-phase-commit must be between'],
      [get('/api/state?model=two-phase-commit&variant=x'), 400, `unknown variant 'x'`],
      [get('/api/state?model=two-phase-commit&path=0.99'), 400, `step 2 of 'path' chooses action 99, but only`],
      [get('/api/trace?model=two-phase-commit&path=1'), 400, `missing 'property'`],
      [get('/api/trace?model=two-phase-commit&path=1&property=consistent&kind=eventually'), 400, `no eventually property 'consistent'`],
      [get('/api/nothing'), 404, 'no such API endpoint'],
      [get('/api/jobs/12345'), 404, 'no job 12345'],
      [get('/elsewhere'), 404, 'no such page'],
      [get('/api/models', { method: 'DELETE' }), 405, 'DELETE is not allowed on /api/models'],
      [post('{"model": "two-phase-commit"', 'application/json'), 400, 'the request body is not JSON'],
      [post('model=two-phase-commit', 'application/x-www-form-urlencoded'), 415, 'send the request body as JSON'],
      [post('[1]'), 400, 'expected a JSON object'],
      [post('{"model": "two-phase-commit", "config": "nope"}'), 400, `unknown configuration 'nope'`],
      [post(JSON.stringify({ model: 'two-phase-commit', pad: 'x'.repeat(70_000) })), 413, 'request body over'],
    ];
    for (const [response, status, error] of cases) {
      const r = await response;
      expect(r.status, error).toBe(status);
      expect(String(r.body.error)).toContain(error);
      expect(String(r.body.error)).not.toContain('\n');
    }
  });

  it('refuses requests for another Host (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('/api/models', ui.url), { headers: { host: 'attacker.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('runs a check in the background and links each counterexample to its trace page', async () => {
    const started = await post('{"model": "two-phase-commit", "config": "rms3-heuristic-commit"}');
    expect(started.status).toBe(201);
    let job = started.body as unknown as JobView;
    while (job.status === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      job = (await get(`/api/jobs/${job.id}`)).body as unknown as JobView;
    }
    expect(job.status).toBe('done');
    expect(job.result).toMatchObject({ verdict: 'caught: consistent violated', asExpected: true, distinctStates: 736 });
    const link = job.result!.violations.find((v) => v.property === 'consistent')!;
    expect(link.steps).toBe(3);
    const trace = await get(`/api/trace?${link.query}`);
    expect(trace.body.title).toBe('two-phase-commit [heuristic-commit; rms=3] violates always consistent in 3 steps');
  });

  it('runs one check at a time, and cancels one on request', async () => {
    const big = await post('{"model": "two-phase-commit", "variant": "correct", "params": {"rms": 9}}');
    expect(big.status).toBe(201);
    const second = await post('{"model": "two-phase-commit", "config": "rms3"}');
    expect(second.status).toBe(400);
    expect(second.body.error).toMatch(/^a check is already running \(job \d+/);
    const cancelled = await get(`/api/jobs/${big.body.id}`, { method: 'DELETE' });
    expect(cancelled.body.status).toBe('cancelled');
    expect((await post('{"model": "two-phase-commit", "config": "rms3"}')).status).toBe(201);
  });
});

describe('distcheck serve on the command line', () => {
  it('prints its URL, serves the catalog, runs a check, and stops on Ctrl-C (SIGINT) with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    expect(((await (await fetch(new URL('/api/models', url))).json()) as unknown[]).length).toBeGreaterThan(20);
    // A check runs in a worker that imports the catalog from the command line's module.
    const started = await fetch(new URL('/api/jobs', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "transaction-commit", "config": "rms3"}',
    });
    let job = (await started.json()) as JobView;
    while (job.status === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      job = (await (await fetch(new URL(`/api/jobs/${job.id}`, url))).json()) as JobView;
    }
    expect([job.status, job.result?.verdict, job.result?.distinctStates]).toEqual(['done', 'pass', 34]);
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(out).toContain('stopped');
  });

  it('gives one line and exit 2 when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = spawnSync(process.execPath, [BIN, 'serve', '--port', String(port)], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`distcheck: port ${port} on 127.0.0.1 is already in use (choose another with --port)\n`);
    } finally {
      blocker.close();
    }
  });
});

describe('distcheck html', () => {
  it('writes an index linking every counterexample, and self-contained pages that load nothing from the network', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distcheck-html-'));
    const all = someOutcomes([
      ['two-phase-commit', 'rms3'],
      ['two-phase-commit', 'rms3-heuristic-commit'],
      ['leader-election', 'n3-fixed'],
    ]);
    const pages = writeHtmlSite(dir, all);
    expect(pages).toEqual([
      'two-phase-commit/rms3-heuristic-commit.consistent.html',
      'two-phase-commit/rms3-heuristic-commit.refinesTransactionCommit.html',
      'leader-election/n3-fixed.leaderEventually.html',
    ]);
    const index = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const p of pages) expect(index).toContain(`href="${p}"`);
    expect(readdirSync(join(dir, 'assets')).sort()).toEqual(['app.js', 'mermaid.min.js', 'style.css']);
    for (const file of ['index.html', ...pages]) {
      const html = readFileSync(join(dir, file), 'utf8');
      const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      for (const u of urls) {
        expect(u, `${file} loads ${u}`).not.toMatch(/^(https?:)?\/\//);
        if (!u.startsWith('data:')) expect(existsSync(join(dir, file, '..', u)), `${file} links ${u}`).toBe(true);
      }
    }
  });

  it('runs the configurations of the models named on the command line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distcheck-html-'));
    const r = spawnSync(process.execPath, [BIN, 'html', dir, '--model', 'transaction-commit'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1 counterexample page; open');
    expect(existsSync(join(dir, 'transaction-commit', 'rms3-abort-after-commit.consistent.html'))).toBe(true);
    const bad = spawnSync(process.execPath, [BIN, 'html'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
