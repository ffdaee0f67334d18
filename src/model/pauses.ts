// Process pauses: "a process runs without interruption" is a fallacy. A stop-the-world GC pause, a VM migration,
// a swapped-out process or a SIGSTOP freezes a node for an unbounded time while real time and every other node go
// on: leases run out, messages arrive and wait, other nodes take over. The paused node notices nothing; when it
// wakes it takes up its step where it stopped, acting on what it believed before the pause.
// - `Pause(node)` is a fault, from a budget (`pauses`), and never fair. A model says where a pause may strike
//   (`canPause`, e.g. after a lease check and before the write it guards); by default, whenever the node is
//   not paused.
// - While a node is paused it takes no step of its own: the composed machine drops every action whose `nodeOf`
//   is a paused node. Actions that are no node's own step (time passing, a lease running out, a delivery into
//   the node's inbox) have no `nodeOf` and go on, as do the steps of the nodes that are not paused.
// - `Wake(node)` ends the pause; it is fair (a pause ends eventually). `onWake` is the rest of the step the
//   pause interrupted (the write after the lease check), taken as the node wakes; `canWake` can hold it back
//   (e.g. that step needs a server that is down).
// The pauses are plain data in the state (`pauses: { paused: ['C1'], left: 0 }`), so the explorer's fingerprint
// covers them. A model composes all of this with `withPauses` (at the end); it nests inside `withFaults`.
import { blockParam, withBlock, type BlockParamDeclaration, type BlockProtocol, type Composed } from './compose';
import type { Action, IntParamSpec, ViewEvent } from './model';

export interface PauseState {
  /** Paused nodes, sorted. */
  readonly paused: readonly string[];
  /** Pauses the run may still inject. */
  readonly left: number;
}

export type PauseAction = { readonly name: 'Pause'; readonly node: string } | { readonly name: 'Wake'; readonly node: string };

export const PAUSE_ACTION_NAMES: readonly string[] = ['Pause', 'Wake'];
export const isPauseAction = (a: { name: string }): a is PauseAction => a.name === 'Pause' || a.name === 'Wake';

export function initialPauses(budget: number): PauseState {
  return { paused: [], left: budget };
}

export function isPaused(ps: PauseState, node: string): boolean {
  return ps.paused.includes(node);
}

/** Where pauses strike in one machine, and what a node does as it wakes. */
export interface PauseTopology<S, A> {
  /** The nodes that may pause, in order. */
  readonly nodes: readonly string[];
  /** Whether a pause may strike `node` now (default: whenever it is not paused). */
  readonly canPause?: (state: S, node: string) => boolean;
  /** Whether `node` can take up its step again now (default: always). */
  readonly canWake?: (state: S, node: string) => boolean;
  /** The rest of the step the pause interrupted, taken as the node wakes (default: nothing). */
  readonly onWake?: (state: S, node: string) => S;
  /** The node whose own step an action is, or undefined (time, the network, a lease running out). */
  readonly nodeOf: (action: A) => string | undefined;
  /** Where the pause struck, for the diagram note (`⏸ pauses after its lease check`). */
  readonly where?: (state: S, node: string) => string;
  /** What the node believes as it wakes, for the diagram note (`▶ wakes (still believes it holds the lock)`). */
  readonly believes?: (state: S, node: string) => string;
  /** Diagram events of the step taken on waking (`onWake`), after the block's note. */
  readonly wakeView?: (from: S, node: string, to: S) => readonly ViewEvent[];
}

/** The pause actions enabled now: a pause of each node that may pause (within the budget), a wake of each paused one. */
export function pauseActions<S>(
  ps: PauseState,
  state: S,
  topology: Pick<PauseTopology<S, never>, 'nodes' | 'canPause' | 'canWake'>,
): PauseAction[] {
  const out: PauseAction[] = [];
  for (const node of topology.nodes) {
    if (isPaused(ps, node)) {
      if (topology.canWake?.(state, node) ?? true) out.push({ name: 'Wake', node });
    } else if (ps.left > 0 && (topology.canPause?.(state, node) ?? true)) out.push({ name: 'Pause', node });
  }
  return out;
}

export function applyPauseAction(ps: PauseState, a: PauseAction): PauseState {
  return a.name === 'Pause'
    ? { paused: [...ps.paused, a.node].sort(), left: ps.left - 1 }
    : { ...ps, paused: ps.paused.filter((n) => n !== a.node) };
}

export function formatPauseAction(a: PauseAction): string {
  return `${a.name}(${a.node})`;
}

/** The diagram note of a pause or a wake, over the node: `⏸ pauses`, `▶ wakes`, with the model's words after it. */
export function pauseView(a: PauseAction, detail?: string): ViewEvent[] {
  const text = `${a.name === 'Pause' ? '⏸ pauses' : '▶ wakes'}${detail ? ` ${detail}` : ''}`;
  return [{ type: 'note', over: a.node, text }];
}

/** The paused nodes as one readable field of a trace: `C1 (1 pause left)`, or `none`. */
export function formatPauses(ps: PauseState): string {
  return `${ps.paused.length ? ps.paused.join(', ') : 'none'} (${ps.left} pause${ps.left === 1 ? '' : 's'} left)`;
}

/** The pause actions a budget can ever produce, for coverage reports. */
export function pauseActionNames(budget: number, topology: { readonly nodes: readonly string[] }): string[] {
  return budget > 0 && topology.nodes.length > 0 ? ['Pause', 'Wake'] : [];
}

// Composition: a model declares where pauses strike and writes only its protocol.

/**
 * A protocol machine over a state that holds its pauses in `pauses`: only protocol actions. Properties see every
 * step, pauses included, and also the steps of blocks composed around this one (`F`, e.g. `FaultAction` when
 * the result goes into `withFaults`); metrics count protocol steps only.
 */
export type PausedMachine<S extends { readonly pauses: PauseState }, A extends Action, F extends Action = never> = BlockProtocol<
  S,
  A,
  PauseAction,
  F
>;

/** The whole machine: the protocol, with a paused node's steps held back, plus every pause the budget allows. */
export function withPauses<S extends { readonly pauses: PauseState }, A extends Action, F extends Action = never>(
  budget: number,
  topology: PauseTopology<S, A>,
  protocol: PausedMachine<S, A, F>,
): Composed<S, A | PauseAction, F> {
  return withBlock<S, A, PauseAction, F>(
    {
      is: isPauseAction,
      actions: (s) => pauseActions(s.pauses, s, topology),
      next: (s, a) => {
        const after = { ...s, pauses: applyPauseAction(s.pauses, a) };
        return a.name === 'Wake' && topology.onWake ? topology.onWake(after, a.node) : after;
      },
      keep: (s, a) => {
        const node = topology.nodeOf(a);
        return node === undefined || !isPaused(s.pauses, node);
      },
      names: pauseActionNames(budget, topology),
      format: formatPauseAction,
      fair: (a) => a.name === 'Wake',
      view: (from, a, to) => {
        const note = pauseView(a, (a.name === 'Pause' ? topology.where : topology.believes)?.(from, a.node));
        return a.name === 'Wake' && topology.wakeView ? [...note, ...topology.wakeView(from, a.node, to)] : note;
      },
      actors: topology.nodes,
    },
    protocol,
  );
}

/** The pause budget as a model parameter, `pauses`, printed by reports as a budget. Spread it into `params`. */
export function pauseParams(declaration: BlockParamDeclaration): { readonly pauses: IntParamSpec } {
  return { pauses: blockParam(declaration, 'at most this many process pauses (GC, VM migration)', true) };
}
