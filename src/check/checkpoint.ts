// Checkpoints: a long run written to a file (on a signal, every few minutes, at a time limit) and resumed from
// it with the same final figures as a run that was never stopped.
// A file is one line of JSON (the format version, what was run, the figures so far) and then binary sections
// (the visited set's fingerprints, the parent links), with a SHA-256 digest over both, so that a truncated or
// edited file, or one of another model, parameters or settings, is one line of bad input (exit 2).
// The breadth-first driver pauses the explorer every SLICE_MS (LevelWorker.pauseAt, checked with the deadline
// every 1,024 expansions) and yields to the event loop, so that SIGINT and SIGTERM are seen while it runs; a
// run without a checkpoint never pauses.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AnyMachine } from '../model/model';
import type { Params } from '../model/model';
import { fail } from '../shared/errors';
import { soloResult, soloWorker } from './explore';
import type { SoloSnapshot } from './level';
import type { ExploreOptions, ExploreResult } from './types';

export const CHECKPOINT_FORMAT = 'distcheck-checkpoint/1';

/** What a checkpoint is of: resuming with anything else is an error. */
export interface CheckpointIdentity {
  readonly kind: 'bfs' | 'campaign';
  /** The model id, or the file it came from (as given on the command line) with its export. */
  readonly model: string;
  readonly variant: string;
  readonly params: Params;
  /** The settings that change the figures (symmetry, deadlock; a campaign's seed, walks per round, shard...). */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

type Section = Int32Array | Uint32Array;

interface Header extends CheckpointIdentity {
  readonly format: string;
  readonly data: unknown;
  readonly sections: readonly { readonly name: string; readonly type: 'i32' | 'u32'; readonly length: number }[];
  readonly digest: string;
}

const bytesOf = (a: Section): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function digestOf(header: Omit<Header, 'digest'>, body: Buffer): string {
  return createHash('sha256').update(JSON.stringify(header)).update(body).digest('hex');
}

/** Writes the checkpoint (to FILE.tmp, then renamed over FILE: a reader never sees half a file). */
export function writeCheckpoint(file: string, id: CheckpointIdentity, data: unknown, sections: Readonly<Record<string, Section>>): void {
  const names = Object.keys(sections);
  const body = Buffer.concat(names.map((n) => bytesOf(sections[n])));
  const header: Omit<Header, 'digest'> = {
    format: CHECKPOINT_FORMAT,
    kind: id.kind,
    model: id.model,
    variant: id.variant,
    params: id.params,
    settings: id.settings,
    data,
    sections: names.map((name) => ({ name, type: sections[name] instanceof Int32Array ? 'i32' : 'u32', length: sections[name].length })),
  };
  const line = JSON.stringify({ ...header, digest: digestOf(header, body) });
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, Buffer.concat([Buffer.from(`${line}\n`), body]));
    renameSync(`${file}.tmp`, file);
  } catch (e) {
    fail(`cannot write checkpoint ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export interface Checkpoint {
  readonly identity: CheckpointIdentity;
  readonly data: unknown;
  readonly sections: Readonly<Record<string, Section>>;
}

const describe = (id: CheckpointIdentity): string => `${id.model} [${id.variant}; ${JSON.stringify(id.params)}]`;

/** Reads and checks a checkpoint; any problem, or a run it is not of, is one line of bad input. */
export function readCheckpoint(file: string, expected?: CheckpointIdentity): Checkpoint {
  const bad = (why: string): never => fail(`checkpoint ${file}: ${why}`);
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    return bad(`cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const end = raw.indexOf(10);
  if (end < 0) return bad('not a distcheck checkpoint (no header line)');
  let header: Header;
  try {
    header = JSON.parse(raw.subarray(0, end).toString('utf8')) as Header;
  } catch {
    return bad('not a distcheck checkpoint (the header is not JSON)');
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    typeof header.format !== 'string' ||
    !header.format.startsWith('distcheck-checkpoint/')
  )
    return bad('not a distcheck checkpoint');
  if (header.format !== CHECKPOINT_FORMAT) return bad(`format ${header.format}, this distcheck reads ${CHECKPOINT_FORMAT}`);
  if (!Array.isArray(header.sections) || typeof header.digest !== 'string') return bad('malformed header');
  const body = raw.subarray(end + 1);
  const { digest, ...rest } = header;
  if (digestOf(rest, body) !== digest) return bad('digest mismatch (the file is truncated or was edited)');
  const sections: Record<string, Section> = {};
  let at = 0;
  for (const s of header.sections) {
    const bytes = body.subarray(at, at + 4 * s.length);
    at += 4 * s.length;
    // A copy: the sections of the file are not 4-byte aligned in the buffer.
    const copy = new Uint8Array(bytes).buffer;
    sections[s.name] = s.type === 'i32' ? new Int32Array(copy) : new Uint32Array(copy);
  }
  if (at !== body.length) return bad('digest matches but the sections do not add up');
  const identity: CheckpointIdentity = {
    kind: header.kind,
    model: header.model,
    variant: header.variant,
    params: header.params,
    settings: header.settings,
  };
  if (expected) {
    if (identity.kind !== expected.kind)
      bad(
        `it is of a ${identity.kind === 'bfs' ? 'breadth-first run' : 'random-walk campaign'}, not of a ${expected.kind === 'bfs' ? 'breadth-first run' : 'random-walk campaign'}`,
      );
    if (describe(identity) !== describe(expected)) bad(`it is of ${describe(identity)}, not of ${describe(expected)}`);
    for (const k of new Set([...Object.keys(identity.settings), ...Object.keys(expected.settings)]))
      if (identity.settings[k] !== expected.settings[k])
        bad(`it was written with ${k} = ${String(identity.settings[k])}, this run has ${k} = ${String(expected.settings[k])}`);
  }
  return { identity, data: header.data, sections };
}

/** How long the explorer runs between two looks at the event loop (signals, the clock). */
const SLICE_MS = 200;

export interface CheckpointControl {
  readonly identity: CheckpointIdentity;
  /** Where checkpoints go; without it, signals stop the run as usual. */
  readonly file?: string;
  /** Also write one every so often. */
  readonly everyMs?: number;
  /** The checkpoint to go on from. */
  readonly resume?: Checkpoint;
  /** Whether SIGINT or SIGTERM came. */
  readonly interrupted: () => boolean;
  /** Called after each checkpoint is written. */
  readonly onWrite?: (file: string) => void;
}

export type Checkpointed =
  | { readonly done: true; readonly result: ExploreResult }
  | { readonly done: false; readonly why: 'signal' | 'time'; readonly written?: string };

const JSON_FIELDS = ['count', 'generated', 'depth', 'hashedStrings', 'deadlock', 'stateAt', 'stepFrom', 'stepChoice', 'coverage'] as const;
const SECTIONS = ['parent', 'choice', 'fingerprints', 'level', 'next'] as const;

/** A breadth-first run that can be stopped into a checkpoint and resumed; without a signal or limit, `explore`. */
export async function exploreCheckpointed(machine: AnyMachine, options: ExploreOptions, ctl: CheckpointControl): Promise<Checkpointed> {
  // The time limit is the driver's: the explorer's own would stop within a level and lose its place.
  const { maxSeconds, ...rest } = options;
  const deadline = Date.now() + (maxSeconds ?? Infinity) * 1000;
  const w = soloWorker(machine, rest);
  if (ctl.resume) w.restore(snapshotOf(ctl.resume));
  else w.start();
  const write = (): string | undefined => {
    if (!ctl.file) return undefined;
    const s = w.snapshot();
    writeCheckpoint(
      ctl.file,
      ctl.identity,
      Object.fromEntries(JSON_FIELDS.map((k) => [k, s[k]])),
      Object.fromEntries(SECTIONS.map((k) => [k, s[k]])),
    );
    ctl.onWrite?.(ctl.file);
    return ctl.file;
  };
  let nextWrite = Date.now() + (ctl.everyMs ?? Infinity);
  while (!w.stopped && w.frontier > 0) {
    w.pauseAt = Math.min(Date.now() + SLICE_MS, deadline);
    w.soloLevel();
    if (w.stopped || w.frontier === 0) break;
    await new Promise((resolve) => setImmediate(resolve));
    if (ctl.interrupted()) return { done: false, why: 'signal', ...optional(write()) };
    if (Date.now() >= deadline) return { done: false, why: 'time', ...optional(write()) };
    if (Date.now() >= nextWrite) {
      write();
      nextWrite = Date.now() + (ctl.everyMs ?? Infinity);
    }
  }
  return { done: true, result: soloResult(machine, w, options) };
}

const optional = (written: string | undefined): { written?: string } => (written ? { written } : {});

function snapshotOf(c: Checkpoint): SoloSnapshot {
  const d = c.data as Record<string, unknown>;
  const ok =
    typeof d === 'object' &&
    d !== null &&
    JSON_FIELDS.every((k) => k in d) &&
    SECTIONS.every((k) => k in c.sections) &&
    c.sections.fingerprints instanceof Uint32Array &&
    c.sections.parent.length === d.count &&
    c.sections.choice.length === d.count;
  if (!ok) fail('checkpoint: the breadth-first data is incomplete');
  return { ...(d as unknown as SoloSnapshot), ...(c.sections as unknown as Pick<SoloSnapshot, (typeof SECTIONS)[number]>) };
}
