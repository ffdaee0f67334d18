// The nemesis's TCP proxy (harness/proxy.ts) on loopback: forwarding, a cut as a black hole, and stopping.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPortFree } from '../harness/processes';
import { Proxy } from '../harness/proxy';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 9000) * 2; // even ports; the target takes port + 1
    if ((await isPortFree(port)) && (await isPortFree(port + 1))) return port;
  }
}

/** An echo server on the port. */
async function echo(port: number): Promise<void> {
  const server = createServer((s) => s.pipe(s));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
    sockets.push(s);
    s.once('error', reject);
  });
}

const reply = (s: Socket, text: string): Promise<string> =>
  new Promise((resolve) => {
    s.once('data', (d: Buffer) => resolve(d.toString()));
    s.write(text);
  });

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timed out'> =>
  Promise.race([p, new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms))]);

describe('the nemesis proxy', () => {
  it('forwards a named connection, and holds it without an answer while its source is cut', async () => {
    const port = await freePort();
    await echo(port + 1);
    const proxy = new Proxy({ listenPort: port, targetPort: port + 1, identify: (head) => (head.includes(10) ? 'a' : undefined) });
    await proxy.start();
    const s = await open(port);
    expect(await reply(s, 'hello\n')).toBe('hello\n');
    proxy.cut('a');
    expect(await within(reply(s, 'again\n'), 300)).toBe('timed out');
    expect(proxy.held).toBe(1);
    await proxy.stop();
  });

  it('stops while a connection is still waiting for the bytes that name it (it hung forever before)', async () => {
    const port = await freePort();
    await echo(port + 1);
    const proxy = new Proxy({ listenPort: port, targetPort: port + 1, identify: () => undefined });
    await proxy.start();
    await open(port); // connected, never named
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await within(proxy.stop().then(() => 'stopped'), 2000)).toBe('stopped');
  });
});
