// A minimal Redis client (RESP2): one connection, one command at a time, a deadline per command. No reconnects,
// retries or offline queue behind the caller's back, so that a workload knows exactly what happened to each
// request: `refused` (never sent), `timeout` or `closed` (unknown), an error reply, or a value.
import { connect, type Socket } from 'node:net';

export type RespValue = string | number | null | RespValue[] | RespError;

export class RespError {
  constructor(readonly message: string) {}
}

export type RespAnswer =
  | { readonly kind: 'ok'; readonly value: RespValue }
  | { readonly kind: 'refused' | 'timeout' | 'closed'; readonly message: string };

/** Parses one reply from `buf` at `at`; undefined when incomplete. */
function parse(buf: Buffer, at: number): { value: RespValue; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const line = buf.toString('utf8', at + 1, eol);
  switch (String.fromCharCode(buf[at])) {
    case '+':
      return { value: line, end: eol + 2 };
    case '-':
      return { value: new RespError(line), end: eol + 2 };
    case ':':
      return { value: Number(line), end: eol + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return undefined;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: RespValue[] = [];
      let end = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`unexpected RESP reply ${JSON.stringify(buf.toString('utf8', at, Math.min(buf.length, at + 40)))}`);
  }
}

function encode(args: readonly (string | number)[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) {
    const s = String(a);
    parts.push(`$${Buffer.byteLength(s)}\r\n${s}\r\n`);
  }
  return Buffer.from(parts.join(''));
}

export class RespConnection {
  private socket?: Socket;
  private connected?: Promise<boolean>;
  private buf = Buffer.alloc(0);
  private waiting?: (a: RespAnswer) => void;

  constructor(readonly port: number) {}

  private open(): Promise<boolean> {
    if (this.connected) return this.connected;
    const s = connect({ port: this.port, host: '127.0.0.1' });
    this.socket = s;
    this.buf = Buffer.alloc(0);
    this.connected = new Promise<boolean>((resolve) => {
      s.once('connect', () => resolve(true));
      s.once('error', () => resolve(false));
    });
    s.on('data', (d) => {
      if (this.socket !== s) return;
      this.buf = Buffer.concat([this.buf, d]);
      const reply = parse(this.buf, 0);
      if (!reply) return;
      this.buf = this.buf.subarray(reply.end);
      this.answer({ kind: 'ok', value: reply.value });
    });
    s.on('close', () => {
      if (this.socket !== s) return;
      this.reset();
      this.answer({ kind: 'closed', message: 'connection closed' });
    });
    s.on('error', () => undefined);
    return this.connected;
  }

  private answer(a: RespAnswer): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(a);
  }

  private reset(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.connected = undefined;
  }

  command(args: readonly (string | number)[], timeoutMs: number): Promise<RespAnswer> {
    return new Promise<RespAnswer>((resolve) => {
      let done = false;
      const finish = (a: RespAnswer): void => {
        if (done) return;
        done = true;
        clearTimeout(deadline);
        this.waiting = undefined;
        resolve(a);
      };
      const deadline = setTimeout(() => {
        this.reset();
        finish({ kind: 'timeout', message: 'timed out' });
      }, timeoutMs);
      void this.open().then((ok) => {
        if (done) return;
        if (!ok) {
          this.reset();
          finish({ kind: 'refused', message: 'connection refused' });
          return;
        }
        this.waiting = finish;
        this.socket!.write(encode(args));
      });
    });
  }

  close(): void {
    this.reset();
  }
}

/** One command on a fresh connection (for setup and inspection, not for the workload). */
export async function redisOnce(port: number, args: readonly (string | number)[], timeoutMs = 2000): Promise<RespAnswer> {
  const c = new RespConnection(port);
  try {
    return await c.command(args, timeoutMs);
  } finally {
    c.close();
  }
}
