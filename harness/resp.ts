// A Redis connection for the workload (RESP2 parsing from impl/resp-client.ts): one command at a time, a deadline per command. No reconnects,
// retries or offline queue behind the caller's back, so that a workload knows exactly what happened to each
// request: `refused` (never sent), `timeout` or `closed` (unknown), an error reply, or a value.
import { connect, type Socket } from 'node:net';
import { RespError, encodeCommand, parseReply, type RespValue } from '../impl/resp-client';

export { RespError, type RespValue };

export type RespAnswer =
  { readonly kind: 'ok'; readonly value: RespValue } | { readonly kind: 'refused' | 'timeout' | 'closed'; readonly message: string };

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
      const reply = parseReply(this.buf, 0);
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
        this.socket!.write(encodeCommand(args.map(String)));
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
