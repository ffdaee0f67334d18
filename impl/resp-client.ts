// A minimal Redis client: one TCP connection, commands sent in RESP2 and replies matched in order. WATCH,
// MULTI and EXEC are per-connection state in Redis, so each optimistic client needs a connection of its own;
// that is all this client offers (no pooling, no reconnects, no pub/sub).
import { createConnection, type Socket } from 'node:net';

export class RespError extends Error {
  override readonly name = 'RespError';
}

/** A decoded reply: simple and bulk strings, integers, nil (null bulk string or null array), arrays, errors. */
export type RespValue = string | number | null | RespError | readonly RespValue[];

/** Parses one reply starting at `at`; undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, at = 0): { value: RespValue; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const head = buf.toString('utf8', at + 1, eol);
  const after = eol + 2;
  switch (String.fromCharCode(buf[at])) {
    case '+':
      return { value: head, end: after };
    case '-':
      return { value: new RespError(head), end: after };
    case ':':
      return { value: Number(head), end: after };
    case '$': {
      const n = Number(head);
      if (n < 0) return { value: null, end: after };
      if (buf.length < after + n + 2) return undefined;
      return { value: buf.toString('utf8', after, after + n), end: after + n + 2 };
    }
    case '*': {
      const n = Number(head);
      if (n < 0) return { value: null, end: after };
      const items: RespValue[] = [];
      let end = after;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new RespError(`unexpected RESP type byte ${JSON.stringify(String.fromCharCode(buf[at]))}`);
  }
}

export function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(''));
}

export class RespConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly waiting: { resolve: (v: RespValue) => void; reject: (e: Error) => void }[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', (e) => this.failAll(e));
    socket.on('close', () => this.failAll(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ port, host }, () => {
        socket.off('error', reject);
        resolve(new RespConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one command; resolves with its reply, rejects with a RespError on an error reply. */
  command(...args: string[]): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const reply = this.buffer.length > 0 ? parseReply(this.buffer) : undefined;
      if (!reply) return;
      this.buffer = this.buffer.subarray(reply.end);
      const w = this.waiting.shift();
      if (!w) throw new RespError('a reply arrived with no command waiting for it');
      if (reply.value instanceof RespError) w.reject(reply.value);
      else w.resolve(reply.value);
    }
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.splice(0)) w.reject(e);
  }
}
