// Clocks: "there is a global clock" is a fallacy. Each node reads its own clock, and a model stamps, expires or
// orders with what `now(state, node)` returns, not with true time. Two kinds of clock:
// - `synchronized`: true time advances in ticks (`Tick`, one step for the whole system), every clock with it,
//   and each clock stays within [time − behind, time + ahead]: δ = ahead + behind bounds any two clocks'
//   difference (NTP-disciplined clocks; Kulkarni et al.'s ε).
// - `free`: no true time and no bound between clocks; each clock advances on its own (`Tick(node)`), up to the
//   horizon (a worker's clock in a model that only cares about one node's readings, e.g. Snowflake).
// Clock faults, from one budget the run may spend (`clockFaults`):
// - `ClockSkew(node)`: the clock steps one ahead (synchronized only, within the band);
// - `ClockJumpBack(node, by)`: the clock steps back by one of the configured sizes (an NTP step, a VM restored
//   from a snapshot), never below 0 nor, when synchronized, below the band;
// - `ClockStall(node)`: the clock stops while time goes on (a frozen TSC, a suspended VM's clock), until
//   `ClockResume(node)`; a synchronized clock that falls to the lower edge of the band is dragged along.
// Ticks and resumes are fair (time goes on; a stalled clock eventually runs again); the faults are never fair.
// The clocks are plain data in the state (`clocks`), so the explorer's fingerprint covers them:
// `{ time: 1, reading: { R1: 1, R2: 2 }, stalled: [], faultsLeft: 1 }`. A model composes all of this with
// `withClocks` (at the end), or uses the pieces (`clockActions`, `applyClockAction`, ...) in its own order.
import { blockParam, withBlock, type BlockParamDeclaration, type BlockProtocol } from './compose';
import type { Action, IntParamSpec, Machine, ViewEvent } from './model';

export interface ClockState {
  /** True time, in ticks from 0 (synchronized clocks only; absent for free-running clocks). */
  readonly time?: number;
  /** What each node's clock reads now, by node name. */
  readonly reading: Readonly<Record<string, number>>;
  /** Nodes whose clock is stalled, sorted. */
  readonly stalled: readonly string[];
  /** Clock faults (skews, jumps back, stalls) the run may still inject. */
  readonly faultsLeft: number;
}

export type ClockAction =
  | { readonly name: 'Tick'; readonly node?: string }
  | { readonly name: 'ClockSkew'; readonly node: string }
  | { readonly name: 'ClockJumpBack'; readonly node: string; readonly by: number }
  | { readonly name: 'ClockStall'; readonly node: string }
  | { readonly name: 'ClockResume'; readonly node: string };

export const CLOCK_ACTION_NAMES: readonly string[] = ['Tick', 'ClockSkew', 'ClockJumpBack', 'ClockStall', 'ClockResume'];
export const isClockAction = (a: { name: string }): a is ClockAction => CLOCK_ACTION_NAMES.includes(a.name);
/** Clock faults, as opposed to time going on (`Tick`) and a stalled clock running again (`ClockResume`). */
export const isClockFault = (a: { name: string }): boolean =>
  a.name === 'ClockSkew' || a.name === 'ClockJumpBack' || a.name === 'ClockStall';

export interface ClockConfig {
  /** The nodes that have a clock, in diagram order. */
  readonly nodes: readonly string[];
  /** `synchronized` (default): one true time, clocks within a band around it. `free`: each clock ticks on its own. */
  readonly mode?: 'synchronized' | 'free';
  /** What every clock reads at the start (default 0). */
  readonly start?: number;
  /** Synchronized: the last value of true time (`Tick` is enabled below it). Free: the highest reading a `Tick(node)` reaches. */
  readonly horizon: number;
  /** Synchronized: the most a clock may run ahead of true time (default 0). */
  readonly ahead?: number;
  /** Synchronized: the most a clock may run behind true time (default 0). */
  readonly behind?: number;
  /** The clock-fault budget: skews, jumps back and stalls together. */
  readonly faults: number;
  /** Whether `ClockSkew` (one step ahead) is a fault the run may inject (synchronized only). */
  readonly skew?: boolean;
  /** The sizes of the backward jumps the run may inject (none by default). */
  readonly jumps?: readonly number[];
  /** Whether `ClockStall` is a fault the run may inject. */
  readonly stall?: boolean;
}

const isFree = (config: ClockConfig): boolean => config.mode === 'free';

function checkConfig(config: ClockConfig): void {
  if (isFree(config) && config.skew)
    throw new Error('clocks: a free-running clock has no band to skew within (skew needs mode synchronized)');
  for (const by of config.jumps ?? [])
    if (!Number.isSafeInteger(by) || by <= 0) throw new Error(`clocks: a backward jump is a positive whole number, got ${by}`);
}

export function initialClocks(config: ClockConfig): ClockState {
  checkConfig(config);
  const start = config.start ?? 0;
  const reading: Record<string, number> = {};
  for (const n of config.nodes) reading[n] = start;
  return { ...(isFree(config) ? {} : { time: 0 }), reading, stalled: [], faultsLeft: config.faults };
}

/** What a node's clock reads now. */
export function readingOf(cs: ClockState, node: string): number {
  const r = cs.reading[node];
  if (r === undefined) throw new Error(`clocks: unknown node '${node}'`);
  return r;
}

/** What `node`'s clock reads in a state that holds its clocks in `clocks`: the only time a node can know. */
export function now(state: { readonly clocks: ClockState }, node: string): number {
  return readingOf(state.clocks, node);
}

/** True time (synchronized clocks; 0 for free-running ones, which have none). */
export function trueTime(cs: ClockState): number {
  return cs.time ?? 0;
}

/** How far a node's clock is from true time: positive ahead, negative behind (synchronized clocks). */
export function offsetOf(cs: ClockState, node: string): number {
  return readingOf(cs, node) - trueTime(cs);
}

export function isStalled(cs: ClockState, node: string): boolean {
  return cs.stalled.includes(node);
}

/** The clock actions enabled now: ticks, then every fault within the budget and the band, then resumes. */
export function clockActions(cs: ClockState, config: ClockConfig): ClockAction[] {
  const out: ClockAction[] = [];
  const free = isFree(config);
  if (free) {
    for (const node of config.nodes) if (!isStalled(cs, node) && readingOf(cs, node) < config.horizon) out.push({ name: 'Tick', node });
  } else if (trueTime(cs) < config.horizon) out.push({ name: 'Tick' });
  if (cs.faultsLeft > 0) {
    if (config.skew && !free)
      for (const node of config.nodes) if (offsetOf(cs, node) < (config.ahead ?? 0)) out.push({ name: 'ClockSkew', node });
    for (const node of config.nodes)
      for (const by of config.jumps ?? []) {
        const to = readingOf(cs, node) - by;
        if (to >= 0 && (free || to - trueTime(cs) >= -(config.behind ?? 0))) out.push({ name: 'ClockJumpBack', node, by });
      }
    if (config.stall) for (const node of config.nodes) if (!isStalled(cs, node)) out.push({ name: 'ClockStall', node });
  }
  for (const node of cs.stalled) out.push({ name: 'ClockResume', node });
  return out;
}

const setReading = (cs: ClockState, node: string, value: number): ClockState => ({ ...cs, reading: { ...cs.reading, [node]: value } });

export function applyClockAction(cs: ClockState, a: ClockAction, config: ClockConfig): ClockState {
  switch (a.name) {
    case 'Tick': {
      if (a.node !== undefined) return setReading(cs, a.node, readingOf(cs, a.node) + 1);
      const time = trueTime(cs) + 1;
      const floor = time - (config.behind ?? 0);
      const reading: Record<string, number> = {};
      for (const [node, r] of Object.entries(cs.reading)) reading[node] = isStalled(cs, node) ? Math.max(r, floor) : r + 1;
      return { ...cs, time, reading };
    }
    case 'ClockSkew':
      return { ...setReading(cs, a.node, readingOf(cs, a.node) + 1), faultsLeft: cs.faultsLeft - 1 };
    case 'ClockJumpBack':
      return { ...setReading(cs, a.node, readingOf(cs, a.node) - a.by), faultsLeft: cs.faultsLeft - 1 };
    case 'ClockStall':
      return { ...cs, stalled: [...cs.stalled, a.node].sort(), faultsLeft: cs.faultsLeft - 1 };
    case 'ClockResume':
      return { ...cs, stalled: cs.stalled.filter((n) => n !== a.node) };
  }
}

export function formatClockAction(a: ClockAction): string {
  switch (a.name) {
    case 'Tick':
      return a.node === undefined ? 'Tick' : `Tick(${a.node})`;
    case 'ClockJumpBack':
      return `ClockJumpBack(${a.node}, ${a.by})`;
    default:
      return `${a.name}(${a.node})`;
  }
}

/** The diagram note of a clock step, over the node whose clock moves: `⏪ clock jumps back 12 → 5`. */
export function clockView(from: ClockState, a: ClockAction, to: ClockState): ViewEvent[] {
  if (a.name === 'Tick' && a.node === undefined) return []; // true time passing is no event of any node
  const node = a.node!;
  const at = to.time === undefined ? '' : ` at time ${to.time}`;
  const move = `${readingOf(from, node)} → ${readingOf(to, node)}`;
  const text = {
    Tick: `clock ${move}`,
    ClockSkew: `⏩ clock skews ahead ${move}${at}`,
    ClockJumpBack: `⏪ clock jumps back ${move}${at}`,
    ClockStall: `⏸ clock stalls at ${readingOf(from, node)}${at}`,
    ClockResume: `▶ clock runs again from ${readingOf(from, node)}${at}`,
  }[a.name];
  return [{ type: 'note', over: node, text }];
}

/** The clocks as one readable field of a trace: `time 1: R1 1, R2 2 (stalled)`. */
export function formatClocks(cs: ClockState, nodes: readonly string[] = Object.keys(cs.reading)): string {
  const clocks = nodes.map((n) => `${n} ${readingOf(cs, n)}${isStalled(cs, n) ? ' (stalled)' : ''}`).join(', ');
  return cs.time === undefined ? clocks : `time ${cs.time}: ${clocks}`;
}

/** The clock actions a configuration can ever produce, in a fixed order, for coverage reports. */
export function clockActionNames(config: ClockConfig): string[] {
  const names = ['Tick'];
  if (config.faults > 0) {
    if (config.skew && !isFree(config)) names.push('ClockSkew');
    if ((config.jumps ?? []).length > 0) names.push('ClockJumpBack');
    if (config.stall) names.push('ClockStall', 'ClockResume');
  }
  return names;
}

// Composition: a model declares its clocks once and writes only its protocol.

/**
 * A protocol machine over a state that holds its clocks in `clocks`: only protocol actions. Properties see every
 * step, clock steps included; metrics count protocol steps only.
 */
export type ClockedMachine<S extends { readonly clocks: ClockState }, A extends Action> = BlockProtocol<S, A, ClockAction>;

/** The whole machine: the protocol, then time and every clock fault the budget allows, with their wiring derived. */
export function withClocks<S extends { readonly clocks: ClockState }, A extends Action>(
  config: ClockConfig,
  protocol: ClockedMachine<S, A>,
): Machine<S, A | ClockAction> {
  checkConfig(config);
  return withBlock<S, A, ClockAction>(
    {
      is: isClockAction,
      actions: (s) => clockActions(s.clocks, config),
      next: (s, a) => ({ ...s, clocks: applyClockAction(s.clocks, a, config) }),
      names: clockActionNames(config),
      format: formatClockAction,
      fair: (a) => !isClockFault(a),
      view: (from, a, to) => clockView(from.clocks, a, to.clocks),
      actors: config.nodes,
    },
    protocol,
  );
}

/**
 * The clock parameters of a model: `skew` (δ, the most a clock runs ahead of true time) and `clockFaults` (the
 * budget, printed by reports as one). Spread them into the model's `params`.
 */
export function clockParams(declarations: { readonly skew?: BlockParamDeclaration; readonly clockFaults: BlockParamDeclaration }): {
  readonly skew: IntParamSpec;
  readonly clockFaults: IntParamSpec;
} {
  return {
    skew: blockParam(declarations.skew ?? { max: 0 }, 'δ: the most a clock may run ahead of true time', false),
    clockFaults: blockParam(declarations.clockFaults, 'at most this many clock faults (skews, jumps back, stalls)', true),
  };
}
