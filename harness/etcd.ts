// A 3-member etcd 3.4 cluster on loopback ports, and a register client over its v3 JSON gateway.
// Each member listens for peers on its own port, but advertises the port of a proxy in front of it, so every
// peer connection passes the nemesis's proxies (harness/proxy.ts). The proxy names the sender of a connection by
// rafthttp's X-Server-From header, the member id, which etcd derives from the advertised peer URLs and the
// cluster token: the first 8 bytes of SHA-1(sorted peer URLs ++ token), in hex (membership/member.go).
import { createHash } from 'node:crypto';
import { Proxy, httpHeaderSource } from './proxy';
import { EnvironmentError, ProcessGroup, requireBinary, requireFreePorts } from './processes';

export interface EtcdMember {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** The port the other members reach this one at. */
  readonly proxyPort: number;
  readonly id: string;
}

export function etcdMemberId(peerUrls: readonly string[], token: string): string {
  const hash = createHash('sha1')
    .update([...peerUrls].sort().join('') + token)
    .digest();
  return hash.readBigUInt64BE(0).toString(16);
}

export function etcdMembers(n: number, basePort: number, token: string): EtcdMember[] {
  return Array.from({ length: n }, (_, i) => {
    const proxyPort = basePort + 10 * i + 2;
    return {
      name: `etcd${i}`,
      clientPort: basePort + 10 * i,
      peerPort: basePort + 10 * i + 1,
      proxyPort,
      id: etcdMemberId([`http://127.0.0.1:${proxyPort}`], token),
    };
  });
}

export class EtcdCluster {
  readonly members: EtcdMember[];
  readonly proxies: Proxy[];
  private readonly token: string;

  constructor(
    readonly group: ProcessGroup,
    basePort: number,
    seed: number,
    n = 3,
  ) {
    this.token = `distcheck-${seed}`;
    this.members = etcdMembers(n, basePort, this.token);
    const names = new Map(this.members.map((m) => [m.id, m.name]));
    this.proxies = this.members.map(
      (m) => new Proxy({ listenPort: m.proxyPort, targetPort: m.peerPort, identify: httpHeaderSource('X-Server-From', names) }),
    );
  }

  static binary(): string {
    requireBinary('etcd', 'etcd-server');
    return 'etcd';
  }

  async start(readySeconds = 30): Promise<void> {
    const binary = EtcdCluster.binary();
    await requireFreePorts(
      this.members.flatMap((m) => [m.clientPort, m.peerPort, m.proxyPort]),
      'choose other ports with --base-port',
    );
    for (const p of this.proxies) await p.start();
    const initial = this.members.map((m) => `${m.name}=http://127.0.0.1:${m.proxyPort}`).join(',');
    for (const m of this.members) {
      this.group.start(m.name, binary, [
        '--name',
        m.name,
        '--data-dir',
        this.group.dataDir(m.name),
        '--listen-client-urls',
        `http://127.0.0.1:${m.clientPort}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${m.clientPort}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${m.peerPort}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${m.proxyPort}`,
        '--initial-cluster',
        initial,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        this.token,
        // Elections in about half a second, so that a fault's effect shows within a short run.
        '--heartbeat-interval',
        '50',
        '--election-timeout',
        '500',
        '--logger',
        'zap',
        '--log-outputs',
        'stderr',
      ]);
    }
    const deadline = Date.now() + readySeconds * 1000;
    for (const m of this.members) {
      for (;;) {
        const r = await etcdRequest(m.clientPort, '/v3/kv/range', { key: b64('ready') }, 1000);
        if (r.kind === 'ok') break;
        if (!this.group.running(m.name)) throw new EnvironmentError(`${m.name} exited while starting (see its log)`);
        if (Date.now() > deadline) throw new EnvironmentError(`the etcd cluster did not answer within ${readySeconds} s (see the logs)`);
        await sleep(100);
      }
    }
  }

  /** Isolates one member: every link between it and the others is cut, in both proxies. */
  isolate(i: number): void {
    const m = this.members[i];
    this.members.forEach((o, j) => {
      if (j === i) return;
      this.proxies[i].cut(o.name);
      this.proxies[j].cut(m.name);
    });
  }

  healNetwork(): void {
    for (const p of this.proxies) p.heal();
  }

  async stop(): Promise<void> {
    for (const p of this.proxies) await p.stop();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString();

/**
 * One gateway request. `refused`: the connection was refused, so the request never reached a server (a
 * definite failure); `error`: the server answered with an error or the connection broke (indeterminate for a
 * write); `timeout`: no answer in time (indeterminate).
 */
export type EtcdAnswer =
  | { readonly kind: 'ok'; readonly body: Record<string, unknown> }
  | { readonly kind: 'refused' | 'error' | 'timeout'; readonly message: string };

export async function etcdRequest(port: number, path: string, body: unknown, timeoutMs: number): Promise<EtcdAnswer> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { kind: 'error', message: `HTTP ${res.status}: ${text.slice(0, 100)}` };
    }
    if (res.status !== 200 || json.error !== undefined) return { kind: 'error', message: String(json.error ?? json.message ?? res.status) };
    return { kind: 'ok', body: json };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return { kind: 'timeout', message: 'timed out' };
    if (err.cause?.code === 'ECONNREFUSED') return { kind: 'refused', message: 'connection refused' };
    return { kind: 'error', message: err.cause?.code ?? err.message };
  }
}

/** A register operation's outcome: ok with the output, fail (did not happen), or info (unknown). */
export type RegisterOutcome = { readonly type: 'ok'; readonly value: unknown } | { readonly type: 'fail' | 'info'; readonly why: string };

const unknownOrFailed = (a: Exclude<EtcdAnswer, { kind: 'ok' }>, readOnly: boolean): RegisterOutcome => ({
  type: a.kind === 'refused' || readOnly ? 'fail' : 'info',
  why: a.message,
});

export async function etcdRead(port: number, key: string, serializable: boolean, timeoutMs: number): Promise<RegisterOutcome> {
  const a = await etcdRequest(port, '/v3/kv/range', { key: b64(key), ...(serializable ? { serializable: true } : {}) }, timeoutMs);
  if (a.kind !== 'ok') return unknownOrFailed(a, true);
  const kvs = a.body.kvs as { value?: string }[] | undefined;
  return { type: 'ok', value: kvs && kvs.length ? Number(unb64(kvs[0].value ?? '')) : null };
}

export async function etcdWrite(port: number, key: string, value: number, timeoutMs: number): Promise<RegisterOutcome> {
  const a = await etcdRequest(port, '/v3/kv/put', { key: b64(key), value: b64(String(value)) }, timeoutMs);
  return a.kind === 'ok' ? { type: 'ok', value } : unknownOrFailed(a, false);
}

export async function etcdCas(port: number, key: string, expected: number, next: number, timeoutMs: number): Promise<RegisterOutcome> {
  const a = await etcdRequest(
    port,
    '/v3/kv/txn',
    {
      compare: [{ key: b64(key), result: 'EQUAL', target: 'VALUE', value: b64(String(expected)) }],
      success: [{ requestPut: { key: b64(key), value: b64(String(next)) } }],
    },
    timeoutMs,
  );
  return a.kind === 'ok' ? { type: 'ok', value: a.body.succeeded === true } : unknownOrFailed(a, false);
}
