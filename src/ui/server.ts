// `distcheck serve`: the browser UI over HTTP on 127.0.0.1, with Node's http module. Pages are one shell and
// the app script; everything the app shows comes from a small JSON API. A bad request is a JSON error with a
// 4xx status, never a crash: a UsageError is the user's mistake (400), anything else is logged as a 500.
//
//   GET    /api/models              the catalog
//   POST   /api/jobs                start a check: {"model", "config"} or {"model", "variant", "params"}
//   GET    /api/jobs[/ID]           progress and results
//   DELETE /api/jobs/ID             cancel a running check
//   GET    /api/trace?…             a trace, step by step (model, variant, p.*, init, path, property, kind, loop, stutter)
//   GET    /api/state?…             one state of manual exploration (model, variant, p.*, init, path)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyModel } from '../model/model';
import { UsageError } from '../shared/errors';
import { JobManager, parseJobRequest, type CatalogSources } from './jobs';
import { ASSET_FILES, pageHtml, readAsset } from './pages';
import { catalogView, exploreView, parsePath, parseScope, traceViewFromQuery } from './views';

export interface UiServerOptions {
  readonly models: readonly AnyModel[];
  /** Where check workers import the same models from. */
  readonly catalog: CatalogSources;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** Where to log unexpected errors (500s). */
  readonly log?: (line: string) => void;
}

export interface UiServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const PAGES = [/^\/$/, /^\/job\/\d+$/, /^\/trace$/, /^\/explore$/];
const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/json')) {
      reject(new HttpError(415, `send the request body as JSON (content-type: application/json), not '${type || 'nothing'}'`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return reject(new HttpError(413, `request body over ${MAX_BODY} bytes`));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
      } catch (e) {
        reject(new HttpError(400, `the request body is not JSON (${(e as Error).message})`));
      }
    });
    req.on('error', reject);
  });
}

export function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const host = o.host ?? '127.0.0.1';
  const jobs = new JobManager(o.models, o.catalog);
  jobs.warm();
  const catalog = catalogView(o.models);
  const shell = pageHtml({ title: 'distcheck', assets: '/assets/' });
  const assets = new Map(Object.keys(ASSET_FILES).map((name) => [name, readAsset(name)]));
  let port = o.port;

  const api = async (req: IncomingMessage, path: string, q: URLSearchParams): Promise<unknown> => {
    const method = req.method ?? 'GET';
    const job = /^\/api\/jobs\/(\d{1,9})$/.exec(path);
    if (job && !jobs.has(Number(job[1]))) throw new HttpError(404, `no job ${job[1]} (jobs are kept in memory until the server stops)`);
    const routes: Record<string, (() => unknown) | undefined> = job
      ? { GET: () => jobs.get(Number(job[1])), DELETE: () => jobs.cancel(Number(job[1])) }
      : path === '/api/models'
        ? { GET: () => catalog }
        : path === '/api/trace'
          ? { GET: () => traceViewFromQuery(o.models, q) }
          : path === '/api/state'
            ? { GET: () => stateOf(q) }
            : path === '/api/jobs'
              ? { GET: () => jobs.list(), POST: undefined }
              : {};
    if (Object.keys(routes).length === 0) throw new HttpError(404, `no such API endpoint: ${path}`);
    if (path === '/api/jobs' && method === 'POST') return jobs.start(parseJobRequest(await readBody(req)));
    const route = routes[method];
    if (!route) throw new HttpError(405, `${method} is not allowed on ${path} (use ${Object.keys(routes).join(' or ')})`);
    return route();
  };
  const stateOf = (q: URLSearchParams): unknown => {
    const scope = parseScope(o.models, q);
    return exploreView(scope, parsePath(scope.machine, q));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    // A page on another site could reach 127.0.0.1 through a DNS name it controls; such requests carry its Host.
    const hostHeader = req.headers.host ?? '';
    if (![`127.0.0.1:${port}`, `localhost:${port}`].includes(hostHeader)) {
      throw new HttpError(421, `unexpected Host '${hostHeader}': open http://127.0.0.1:${port}/`);
    }
    if (path.startsWith('/api/')) {
      const body = await api(req, path, url.searchParams);
      sendJson(res, req.method === 'POST' ? 201 : 200, body);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed on ${path}`);
    const asset = /^\/assets\/([\w.-]+)$/.exec(path);
    if (asset && assets.has(asset[1])) {
      const name = asset[1];
      res.writeHead(200, { 'content-type': TYPES[name.split('.').pop()!] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : assets.get(name));
      return;
    }
    if (PAGES.some((p) => p.test(path))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : shell);
      return;
    }
    throw new HttpError(404, `no such page: ${path}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof UsageError) return sendJson(res, 400, { error: e.message });
      if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message });
      o.log?.(`internal error on ${req.method} ${req.url}: ${(e as Error).stack ?? String(e)}`);
      sendJson(res, 500, { error: `internal error: ${(e as Error).message ?? String(e)}` });
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        url: `http://${host}:${port}/`,
        close: () =>
          new Promise<void>((done) => {
            jobs.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Why a port cannot be listened on, in one line. */
export function listenError(e: unknown, port: number, host = '127.0.0.1'): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `port ${port} on ${host} is already in use (choose another with --port)`;
  if (code === 'EACCES') return `no permission to listen on port ${port} of ${host} (choose a port above 1023 with --port)`;
  return `cannot listen on ${host}:${port}: ${code ?? (e as Error).message}`;
}
