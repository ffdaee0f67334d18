// The real processes of one run: servers started with their output in log files, killed (-9), paused (SIGSTOP),
// resumed (SIGCONT) and restarted by the nemesis, and always cleaned up. Every live group is also registered
// process-wide, so that a signal handler or an `exit` hook can kill them synchronously (cleanupAllSync) even when
// the run is stuck in an await.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The environment cannot run the cluster: a missing binary, a port taken. The CLI exits 3 with this one line. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/** Throws an EnvironmentError naming the Debian package when `binary` is not on the PATH. */
export function requireBinary(binary: string, debianPackage: string): void {
  if (!hasBinary(binary)) throw new EnvironmentError(`${binary} is not installed (apt-get install ${debianPackage})`);
}

/** Whether an executable named `binary` is in one of the PATH's folders. */
export function hasBinary(binary: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      const file = join(dir || '.', binary);
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Throws an EnvironmentError when a loopback port cannot be listened on. */
export async function requireFreePorts(ports: readonly number[], hint: string): Promise<void> {
  for (const port of ports) if (!(await isPortFree(port))) throw new EnvironmentError(`port ${port} on 127.0.0.1 is taken (${hint})`);
}

/** Whether a port on 127.0.0.1 can be listened on now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

interface Managed {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly log: string;
  child?: ChildProcess;
  exited?: Promise<void>;
  paused: boolean;
  failed?: boolean;
}

const live = new Set<ProcessGroup>();

/** Kills every process of every live group with SIGKILL and removes their temporary folders, synchronously. */
export function cleanupAllSync(): void {
  for (const g of [...live]) g.cleanupSync();
}

export class ProcessGroup {
  /** Temporary folder holding the servers' data directories; removed on cleanup. */
  readonly dataRoot: string;
  private readonly procs = new Map<string, Managed>();
  private cleaned = false;

  constructor(
    /** Where the servers' logs go (kept after the run). */
    readonly logDir: string,
  ) {
    mkdirSync(logDir, { recursive: true });
    this.dataRoot = mkdtempSync(join(tmpdir(), 'distcheck-cluster-'));
    live.add(this);
  }

  dataDir(name: string): string {
    const d = join(this.dataRoot, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  /** Starts a server; its stdout and stderr are appended to <logDir>/<name>.log (restarts append too). */
  start(name: string, command: string, args: readonly string[]): void {
    if (this.cleaned) throw new Error('the process group was cleaned up');
    const m: Managed = { name, command, args, log: join(this.logDir, `${name}.log`), paused: false };
    this.procs.set(name, m);
    this.launch(m);
  }

  private launch(m: Managed): void {
    const fd = openSync(m.log, 'a');
    try {
      const child = spawn(m.command, m.args, { stdio: ['ignore', fd, fd], cwd: this.dataRoot });
      m.child = child;
      m.paused = false;
      m.failed = false;
      m.exited = new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        // A process that could not be spawned never exits: it failed.
        child.once('error', () => {
          m.failed = true;
          resolve();
        });
      });
    } finally {
      closeSync(fd);
    }
  }

  private get(name: string): Managed {
    const m = this.procs.get(name);
    if (!m) throw new Error(`no process named ${name}`);
    return m;
  }

  running(name: string): boolean {
    const m = this.get(name);
    const c = m.child;
    return c !== undefined && !m.failed && c.exitCode === null && c.signalCode === null;
  }

  pid(name: string): number | undefined {
    return this.get(name).child?.pid;
  }

  /** kill -9, and wait until it is gone. */
  async kill(name: string): Promise<void> {
    const m = this.get(name);
    if (!this.running(name)) return;
    m.child!.kill('SIGKILL');
    await m.exited;
    m.paused = false;
  }

  restart(name: string): void {
    const m = this.get(name);
    if (this.running(name)) throw new Error(`${name} is still running`);
    this.launch(m);
  }

  pause(name: string): void {
    const m = this.get(name);
    if (this.running(name)) {
      m.child!.kill('SIGSTOP');
      m.paused = true;
    }
  }

  resume(name: string): void {
    const m = this.get(name);
    if (this.running(name)) m.child!.kill('SIGCONT');
    m.paused = false;
  }

  /** Every process that ever ran here and whether it is still alive (for the cleanup test). */
  pids(): number[] {
    return [...this.procs.values()].flatMap((m) => (m.child?.pid !== undefined ? [m.child.pid] : []));
  }

  /** SIGKILL everything (a stopped process dies too), wait for the exits, remove the data. */
  async cleanup(): Promise<void> {
    const waits = [...this.procs.values()].map((m) => m.exited);
    this.cleanupSync();
    await Promise.all(waits);
  }

  cleanupSync(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    live.delete(this);
    for (const m of this.procs.values()) {
      const c = m.child;
      if (c && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(this.dataRoot, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** The bases this process holds (files in PORT_LOCKS). */
const heldBases = new Set<string>();
const PORT_LOCKS = join(tmpdir(), 'distcheck-port-bases');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Holds a base for this process: a file created exclusively, naming the holder's pid. Test files running side by
 * side (in vitest's worker processes) then never pick one base at once, which checking the ports alone left to
 * chance (1 in 300 per pair). A file left by a process that died (vitest kills its workers without their exit
 * handlers), or older than an hour (its pid may have been reused), is taken over.
 */
export function holdBase(base: number): boolean {
  mkdirSync(PORT_LOCKS, { recursive: true });
  const file = join(PORT_LOCKS, String(base));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      if (heldBases.size === 0) process.once('exit', () => heldBases.forEach((f) => rmSync(f, { force: true })));
      heldBases.add(file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(file, 'utf8'));
      const recent = Date.now() - statSync(file).mtimeMs < 3_600_000;
      if (Number.isInteger(holder) && holder > 0 && alive(holder) && recent) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

/**
 * A base port with `span` free ports above it, for tests running side by side: picked at random in 30000–59999,
 * above the Redis tests' ports (10000–29999), and held for the rest of the process (see holdBase).
 */
export async function freeBasePort(span: number): Promise<number> {
  if (span > 100) throw new Error(`freeBasePort: a span of at most 100 ports, not ${span}`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 30000 + 100 * Math.floor(Math.random() * 300);
    if (!holdBase(base)) continue;
    try {
      await requireFreePorts(
        Array.from({ length: span }, (_, i) => base + i),
        '',
      );
      return base;
    } catch (e) {
      if (!(e instanceof EnvironmentError)) throw e;
    }
  }
  throw new EnvironmentError(`no ${span} free ports found on 127.0.0.1`);
}

/** For test files: whether the binaries are there; missing ones throw under CI and warn and skip elsewhere. */
export function requireForTests(binaries: readonly string[], debianPackages: string, why: string): boolean {
  const missing = binaries.filter((b) => !hasBinary(b));
  if (missing.length === 0) return true;
  if (process.env.CI) throw new Error(`${missing.join(', ')} not installed, but CI must ${why} (apt-get install ${debianPackages})`);
  console.warn(`\n*** SKIPPING: ${missing.join(', ')} not installed (apt-get install ${debianPackages}), so we cannot ${why} ***\n`);
  return false;
}
