// Redis with Sentinel on loopback ports: three redis-servers (one master, two replicas) and three sentinels,
// quorum 2. Each redis-server has a proxy in front of it (harness/proxy.ts) and announces the proxy's port
// (replica-announce-port), and the sentinels monitor the master at its proxy's port, so every replication and
// sentinel link passes a proxy and Sentinel hands out proxy ports after a failover. Clients connect to the
// servers directly: cutting a server's proxy partitions it from the sentinels and the other servers while its
// clients keep writing to it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANY, Proxy } from './proxy';
import { EnvironmentError, ProcessGroup, requireBinary, requireFreePorts } from './processes';
import { redisOnce, RespError, type RespValue } from './resp';
import { sleep } from './etcd';

export const MASTER_NAME = 'mymaster';

export interface RedisNode {
  readonly name: string;
  readonly port: number;
  readonly proxyPort: number;
}

export interface SentinelOptions {
  readonly basePort: number;
  readonly minReplicasToWrite: number;
  readonly minReplicasMaxLag: number;
  /** Sentinel's down-after-milliseconds. */
  readonly downAfterMs: number;
}

/** Field/value pairs of a flat RESP array (SENTINEL MASTER), as a record. */
function pairs(v: RespValue): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) for (let i = 0; i + 1 < v.length; i += 2) out[String(v[i])] = String(v[i + 1]);
  return out;
}

/** `key:value` lines of INFO. */
export function infoFields(v: RespValue): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== 'string') return out;
  for (const line of v.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export class SentinelCluster {
  readonly servers: RedisNode[];
  readonly sentinels: { readonly name: string; readonly port: number }[];
  readonly proxies: Proxy[];

  constructor(
    readonly group: ProcessGroup,
    readonly o: SentinelOptions,
  ) {
    this.servers = [0, 1, 2].map((i) => ({ name: `redis${i}`, port: o.basePort + i, proxyPort: o.basePort + 10 + i }));
    this.sentinels = [0, 1, 2].map((i) => ({ name: `sentinel${i}`, port: o.basePort + 20 + i }));
    this.proxies = this.servers.map((s) => new Proxy({ listenPort: s.proxyPort, targetPort: s.port }));
  }

  static binaries(): void {
    requireBinary('redis-server', 'redis-server');
    requireBinary('redis-sentinel', 'redis-sentinel');
  }

  /** The server a proxy port (as Sentinel hands it out) leads to. */
  byProxyPort(port: number): RedisNode | undefined {
    return this.servers.find((s) => s.proxyPort === port);
  }

  private serverArgs(s: RedisNode, master?: RedisNode): string[] {
    return [
      '--port',
      String(s.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.group.dataDir(s.name),
      '--save',
      '',
      '--appendonly',
      'no',
      '--replica-announce-ip',
      '127.0.0.1',
      '--replica-announce-port',
      String(s.proxyPort),
      '--repl-diskless-sync',
      'yes',
      '--repl-diskless-sync-delay',
      '0',
      '--min-replicas-to-write',
      String(this.o.minReplicasToWrite),
      '--min-replicas-max-lag',
      String(this.o.minReplicasMaxLag),
      ...(master ? ['--replicaof', '127.0.0.1', String(master.proxyPort)] : []),
    ];
  }

  async start(readySeconds = 30): Promise<void> {
    SentinelCluster.binaries();
    await requireFreePorts(
      [...this.servers.flatMap((s) => [s.port, s.proxyPort]), ...this.sentinels.map((s) => s.port)],
      'choose other ports with --base-port',
    );
    const deadline = Date.now() + readySeconds * 1000;
    const waitFor = async (what: string, ok: () => Promise<boolean>): Promise<void> => {
      while (!(await ok())) {
        if (Date.now() > deadline) throw new EnvironmentError(`${what} within ${readySeconds} s (see the logs)`);
        await sleep(100);
      }
    };
    for (const p of this.proxies) await p.start();
    const [master, ...replicas] = this.servers;
    this.group.start(master.name, 'redis-server', this.serverArgs(master));
    for (const r of replicas) this.group.start(r.name, 'redis-server', this.serverArgs(r, master));
    // Sentinel reads the master's replicas from INFO once at first, then every 10 s: start it once both are in sync.
    await waitFor('the replicas did not sync with the master', async () => {
      const a = await redisOnce(master.port, ['INFO', 'replication']);
      return a.kind === 'ok' && (infoFields(a.value).slave1 ?? '').includes('state=online');
    });
    for (const s of this.sentinels) {
      const conf = join(this.group.dataDir(s.name), 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${s.port}`,
          'bind 127.0.0.1',
          `dir ${this.group.dataDir(s.name)}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.proxyPort} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} ${this.o.downAfterMs}`,
          `sentinel failover-timeout ${MASTER_NAME} 4000`,
          `sentinel parallel-syncs ${MASTER_NAME} 2`,
          '',
        ].join('\n'),
      );
      this.group.start(s.name, 'redis-sentinel', [conf]);
    }
    await waitFor('the sentinels did not find the replicas and each other', async () => {
      for (const s of this.sentinels) {
        const a = await redisOnce(s.port, ['SENTINEL', 'MASTER', MASTER_NAME]);
        if (a.kind !== 'ok') return false;
        const m = pairs(a.value);
        if (m['num-slaves'] !== '2' || m['num-other-sentinels'] !== '2') return false;
      }
      return true;
    });
  }

  /** The master a majority of the sentinels name, or undefined. */
  async agreedMaster(): Promise<RedisNode | undefined> {
    const votes = new Map<RedisNode, number>();
    for (const s of this.sentinels) {
      const m = await this.masterFrom(s.port);
      if (m) votes.set(m, (votes.get(m) ?? 0) + 1);
    }
    return [...votes].find(([, n]) => n >= 2)?.[0];
  }

  /** The master one sentinel names. */
  async masterFrom(sentinelPort: number): Promise<RedisNode | undefined> {
    const a = await redisOnce(sentinelPort, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME], 500);
    if (a.kind !== 'ok' || !Array.isArray(a.value)) return undefined;
    return this.byProxyPort(Number(a.value[1]));
  }

  /** A server's role as it reports it: master, or replica with its link up or down; undefined when unreachable. */
  async role(s: RedisNode): Promise<{ role: string; linkUp: boolean; master?: RedisNode } | undefined> {
    const a = await redisOnce(s.port, ['INFO', 'replication'], 500);
    if (a.kind !== 'ok' || a.value instanceof RespError) return undefined;
    const f = infoFields(a.value);
    return {
      role: f.role,
      linkUp: f.master_link_status === 'up',
      ...(f.master_port ? { master: this.byProxyPort(Number(f.master_port)) } : {}),
    };
  }

  partition(i: number): void {
    this.proxies[i].cut(ANY);
  }

  heal(): void {
    for (const p of this.proxies) p.heal();
  }

  async stop(): Promise<void> {
    for (const p of this.proxies) await p.stop();
  }
}
