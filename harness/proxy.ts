// A TCP proxy in front of one member, through which the other members (never the clients) reach it: the
// nemesis's network. Partitions without iptables: cutting a source destroys its connections through this proxy
// and closes the new ones it opens, until the link is healed.
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
  readonly sockets: Socket[];
}

export class Proxy {
  private server?: Server;
  private readonly links = new Set<Link>();
  private readonly cutSources = new Set<string>();
  /** Connections closed by a cut, for the nemesis log. */
  dropped = 0;

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
      client.pause();
      this.forward(client, source, head);
    };
    client.on('data', onData);
  }

  private forward(client: Socket, source: string, head: Buffer): void {
    if (this.isCut(source)) {
      this.dropped++;
      client.destroy();
      return;
    }
    const upstream = connect({ port: this.options.targetPort, host: '127.0.0.1' });
    upstream.on('error', () => undefined);
    const link: Link = { source, sockets: [client, upstream] };
    this.links.add(link);
    const close = (): void => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    if (head.length) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }

  /** Cuts a source (a member's name, or ANY for every connection): its connections close, new ones are refused. */
  cut(source: string): void {
    this.cutSources.add(source);
    for (const link of [...this.links]) {
      if (source === ANY || link.source === source) {
        this.dropped++;
        for (const s of link.sockets) s.destroy();
        this.links.delete(link);
      }
    }
  }

  heal(source?: string): void {
    if (source === undefined) this.cutSources.clear();
    else this.cutSources.delete(source);
  }

  async stop(): Promise<void> {
    for (const link of this.links) for (const s of link.sockets) s.destroy();
    this.links.clear();
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
