// The nemesis: a seeded schedule of faults, one at a time, each started, held and healed, with a log of what it
// did. The schedule (kinds, targets, start times and durations) is a function of the seed alone; what a fault
// does to the cluster is measured, not scheduled, and goes in the log.
import { writeFileSync } from 'node:fs';
import { seededRandom } from '../src/shared/random';

export const FAULT_KINDS = ['kill', 'pause', 'partition'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  readonly kind: FaultKind;
  /** Index of the member (or Redis server) it hits. */
  readonly target: number;
  /** Milliseconds after the clients start. */
  readonly at: number;
  readonly duration: number;
}

export interface NemesisEvent {
  readonly time: number;
  readonly process: 'nemesis';
  readonly type: 'start' | 'stop' | 'note';
  readonly fault?: FaultKind;
  readonly target?: string;
  readonly note?: string;
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly seconds: number;
  readonly kinds: readonly FaultKind[];
  readonly members: number;
  /** Every partition isolates this member (the one the stale reads are expected from). */
  readonly partitionTarget?: number;
  /** A fault of this kind comes first. */
  readonly first?: FaultKind;
}

/**
 * Faults from 1 s in until 1 s before the end, one at a time: each held 1–2 s (two to four election timeouts of
 * the etcd cluster, longer than Sentinel's down-after), then 0.5–1 s of calm. The
 * kinds take turns in a seeded order, so a run long enough for k faults has every kind among its first k.
 */
export function schedule(o: ScheduleOptions): Fault[] {
  const r = seededRandom(o.seed ^ 0x5eed);
  const kinds = [...o.kinds];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  if (o.first !== undefined && kinds.includes(o.first)) kinds.unshift(...kinds.splice(kinds.indexOf(o.first), 1));
  const faults: Fault[] = [];
  let at = 1000;
  const end = o.seconds * 1000 - 1000;
  for (let i = 0; kinds.length > 0; i++) {
    const kind = kinds[i % kinds.length];
    // A partition meant to give stale reads is held a second longer: the majority may first have to elect a leader.
    const longer = kind === 'partition' && o.partitionTarget !== undefined ? 1000 : 0;
    const duration = 1000 + Math.floor(r() * 1000) + longer;
    const picked = Math.floor(r() * o.members);
    if (at + duration > end) break;
    faults.push({ kind, target: kind === 'partition' && o.partitionTarget !== undefined ? o.partitionTarget : picked, at, duration });
    at += duration + 500 + Math.floor(r() * 500);
  }
  return faults;
}

/** What the cluster does for each fault. */
export interface FaultActions {
  readonly name: (target: number) => string;
  readonly start: (f: Fault) => Promise<string | void>;
  readonly stop: (f: Fault) => Promise<string | void>;
}

export class Nemesis {
  readonly log: NemesisEvent[] = [];
  private active?: Fault;
  private cancelled = false;
  private wake?: () => void;

  constructor(
    readonly faults: readonly Fault[],
    private readonly actions: FaultActions,
    private readonly now: () => number,
  ) {}

  /** The fault in force, for the progress line. */
  current(): string | undefined {
    return this.active ? `${this.active.kind} ${this.actions.name(this.active.target)}` : undefined;
  }

  note(note: string): void {
    this.log.push({ time: this.now(), process: 'nemesis', type: 'note', note });
  }

  private async sleepUntil(t: number): Promise<void> {
    const ms = t - this.now();
    if (ms <= 0 || this.cancelled) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Starts one fault now (for runs whose faults follow events rather than a clock). */
  async startFault(f: Fault): Promise<void> {
    this.active = f;
    const started = await this.actions.start(f);
    const target = this.actions.name(f.target);
    this.log.push({ time: this.now(), process: 'nemesis', type: 'start', fault: f.kind, target, ...(started ? { note: started } : {}) });
  }

  async stopFault(f: Fault): Promise<void> {
    const stopped = await this.actions.stop(f);
    const target = this.actions.name(f.target);
    this.log.push({ time: this.now(), process: 'nemesis', type: 'stop', fault: f.kind, target, ...(stopped ? { note: stopped } : {}) });
    this.active = undefined;
  }

  /** Runs the schedule; every fault started is healed, also when the run is cut short by `cancel`. */
  async run(): Promise<void> {
    for (const f of this.faults) {
      await this.sleepUntil(f.at);
      if (this.cancelled) break;
      await this.startFault(f);
      await this.sleepUntil(f.at + f.duration);
      await this.stopFault(f);
    }
  }

  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }

  write(file: string): void {
    writeFileSync(file, this.log.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }
}
