// Real redis-server processes for tests that check a model against Redis itself. Each test starts its own
// server on a random loopback port, in a temporary directory, and stops it. A missing redis-server makes such
// tests warn and skip locally, and fail under CI (where .ci/run installs it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPortFree } from '../../harness/processes';

export const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

/** Call at the top of a test file that needs redis-server: throws under CI, warns and lets the file skip elsewhere. */
export function requireRedis(why: string): boolean {
  if (hasRedis) return true;
  if (process.env.CI) throw new Error(`redis-server is not installed, but CI must ${why}`);
  console.warn(`\n*** SKIPPING: redis-server is not installed (apt-get install redis-server), so we cannot ${why} ***\n`);
  return false;
}

export interface RedisServer {
  readonly port: number;
  readonly dir: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Sends one command and reads one RESP reply line (enough for PING and simple replies). */
export function redisCommand(port: number, args: readonly (string | Uint8Array)[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.write(`*${args.length}\r\n`);
    for (const a of args) {
      const bytes = typeof a === 'string' ? Buffer.from(a) : a;
      socket.write(`$${bytes.length}\r\n`);
      socket.write(bytes);
      socket.write('\r\n');
    }
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      const eol = text.indexOf('\r\n');
      if (eol >= 0) {
        socket.end();
        resolve(text.slice(0, eol));
      }
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error('redis did not answer within 10 s')), 10_000).unref();
  });
}

/**
 * A random loopback port for redis-server, and its cluster-bus port (port + 10000), both free now. Ports come from
 * 10000-19999 so that neither they nor the bus ports (20000-29999) meet the real-cluster tests' ports (30000 and up,
 * harness/processes.ts freeBasePort) or the kernel's ephemeral range (32768 and up) that clients' sockets use.
 */
async function freeRedisPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10000 + Math.floor(Math.random() * 10000);
    if ((await isPortFree(port)) && (await isPortFree(port + 10000))) return port;
  }
  throw new Error('no free port for redis-server found in 10000-19999 on 127.0.0.1');
}

/**
 * Starts redis-server on a loopback port with no persistence unless `args` ask for it; waits (up to 15 s) for PING.
 * Without a `port`, a free one is chosen, and a server that exits at once (a port taken between the check and the
 * bind) is retried on another; with a `port` (a restart on the same port), it fails with redis' last log line.
 */
export async function startRedis(args: readonly string[] = [], port?: number): Promise<RedisServer> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < (port === undefined ? 3 : 1); attempt++) {
    const started = await startRedisOn(args, port ?? (await freeRedisPort()));
    if ('port' in started) return started;
    lastError = started.error;
  }
  throw lastError;
}

async function startRedisOn(args: readonly string[], port: number): Promise<RedisServer | { error: Error }> {
  const dir = mkdtempSync(join(tmpdir(), 'distcheck-redis-'));
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  let hasExited = false;
  const exited = new Promise<void>((resolve) =>
    server.once('exit', () => {
      hasExited = true;
      resolve();
    }),
  );
  const lastLine = () => log.trim().split('\n').pop() ?? '(no output)';
  for (let i = 0; i < 150 && !hasExited; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if ((await redisCommand(port, ['PING']).catch(() => '')) === '+PONG') {
      return {
        port,
        dir,
        stop: async () => {
          server.kill('SIGTERM');
          await exited;
        },
      };
    }
  }
  if (hasExited) return { error: new Error(`redis-server exited on port ${port}: ${lastLine()}`) };
  server.kill('SIGKILL');
  await exited;
  return { error: new Error(`redis-server did not answer PING within 15 s on port ${port}: ${lastLine()}`) };
}
