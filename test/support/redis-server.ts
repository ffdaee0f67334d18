// Real redis-server processes for tests that check a model against Redis itself. Each test starts its own
// server on a random loopback port, in a temporary directory, and stops it. A missing redis-server makes such
// tests warn and skip locally, and fail under CI (where .ci/run installs it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Starts redis-server on a random loopback port with no persistence unless `args` ask for it; waits for PING. */
export async function startRedis(args: readonly string[] = [], port = 20000 + Math.floor(Math.random() * 20000)): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'distcheck-redis-'));
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  for (let i = 0; i < 50; i++) {
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
  server.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}`);
}
