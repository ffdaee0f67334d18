// A TCP proxy in front of one member, through which the other members (never the clients) reach it: the
// nemesis's network. Partitions without iptables, as a black hole like iptables' DROP: cutting a source stops
// forwarding on its connections through this proxy, in both directions, without closing them, and new
// connections it opens are accepted and held, never forwarded. Neither end sees a reset: each finds out by its
// own timeouts (a Redis master sees its replicas' acknowledgements age; a Raft follower misses heartbeats).
// Healing closes the held connections (as TCP connections that timed out during the partition) so that both
// ends reconnect; what was sent into the black hole is gone.
// A source is named from the first bytes of a connection (`identify`): etcd's peer requests carry
// X-Server-From, the sender's member id. Connections that cannot be named (no identify, or a request without
// that header) belong to the source '*', which cutting '*' also covers.
import { connect, createServer, type Server, type Socket } from 'node:net';

export const ANY = '*';

export interface ProxyOptions {
  readonly listenPort: number;
  readonly targetPort: number;
  /** The source of a connection from its first bytes; undefined: need more bytes. Called until it answers. */
  readonly identify?: (head: Buffer) => string | undefined;
}

interface Link {
  readonly source: string;
  readonly client: Socket;
  /** None for a connection accepted while its source was cut. */
  readonly upstream?: Socket;
  held: boolean;
}

export class Proxy {
  private server?: Server;
  private readonly links = new Set<Link>();
  private readonly cutSources = new Set<string>();
  /**
   * Every accepted connection, named or not yet: stop destroys them all. A connection still waiting for the bytes
   * that name it is in no link, and one left open kept server.close waiting forever (a run hung at its end).
   */
  private readonly accepted = new Set<Socket>();
  /** Connections held by a cut, for the nemesis log. */
  held = 0;

  constructor(readonly options: ProxyOptions) {}

  async start(): Promise<void> {
    const server = createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listenPort, '127.0.0.1', () => resolve());
    });
  }

  private isCut(source: string): boolean {
    return this.cutSources.has(ANY) || this.cutSources.has(source);
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    this.accepted.add(client);
    client.on('close', () => this.accepted.delete(client));
    const identify = this.options.identify;
    if (!identify) {
      this.forward(client, ANY, Buffer.alloc(0));
      return;
    }
    let head = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const source = identify(head) ?? (head.length > 16384 ? ANY : undefined);
      if (source === undefined) return;
      client.off('data', onData);
      this.forward(client, source, head);
    };
    client.on('data', onData);
  }

  private forward(client: Socket, source: string, head: Buffer): void {
    if (this.isCut(source)) {
      this.held++;
      const link: Link = { source, client, held: true };
      this.links.add(link);
      client.on('data', () => undefined);
      client.on('close', () => this.links.delete(link));
      return;
    }
    const upstream = connect({ port: this.options.targetPort, host: '127.0.0.1' });
    upstream.on('error', () => undefined);
    const link: Link = { source, client, upstream, held: false };
    this.links.add(link);
    const close = (): void => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    if (head.length) upstream.write(head);
    client.on('data', (d) => {
      if (!link.held) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!link.held) client.write(d);
    });
  }

  /** Cuts a source (a member's name, or ANY for every connection): its traffic through this proxy stops. */
  cut(source: string): void {
    this.cutSources.add(source);
    for (const link of this.links) {
      if ((source === ANY || link.source === source) && !link.held) {
        link.held = true;
        this.held++;
      }
    }
  }

  /** Heals one source's links, or all: the held connections are closed, new ones are forwarded again. */
  heal(source?: string): void {
    if (source === undefined) this.cutSources.clear();
    else this.cutSources.delete(source);
    for (const link of [...this.links]) {
      if (link.held && !this.isCut(link.source)) {
        this.links.delete(link);
        link.client.destroy();
        link.upstream?.destroy();
      }
    }
  }

  async stop(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream?.destroy();
    }
    this.links.clear();
    for (const socket of this.accepted) socket.destroy();
    this.accepted.clear();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** For etcd's peer traffic: the X-Server-From header of the first request, mapped to a member name. */
export function httpHeaderSource(header: string, names: ReadonlyMap<string, string>): (head: Buffer) => string | undefined {
  const pattern = new RegExp(`\\r\\n${header}:\\s*([^\\r\\n]+)`, 'i');
  return (head) => {
    const text = head.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const m = pattern.exec(text.slice(0, end + 2));
    return (m && names.get(m[1].trim().toLowerCase())) ?? ANY;
  };
}
