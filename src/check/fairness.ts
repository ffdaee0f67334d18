// Weak fairness, defined once for the liveness checker and for the replay of liveness counterexamples.
// A step that leaves the state unchanged (same canonical key) is a stutter: it is neither "enabled" nor
// "taken" for fairness, as in TLA+'s WF_vars(A), which speaks of <<A>>_vars steps. Fairness is per action
// instance, identified by its formatted label; an action the machine marks unfair (a fault) has no label.
// A cycle is fair when every fair action that is enabled in every state of the cycle is taken on it.
import { stateKeyOf, type AnyMachine } from '../model/model';

export interface FairnessStep {
  /** Index of the action in `machine.actions(state)`. */
  readonly index: number;
  readonly target: unknown;
  readonly targetKey: string | number;
  /** The action's label when it is fair, null when it is not. */
  readonly label: string | null;
}

/** The non-stuttering steps out of a state, with the fairness label of each. */
export function fairnessSteps(machine: AnyMachine, state: unknown, stateKey: string | number = stateKeyOf(machine)(state)): FairnessStep[] {
  const fair = machine.fair ?? (() => true);
  const keyOf = stateKeyOf(machine);
  const out: FairnessStep[] = [];
  machine.actions(state).forEach((a: unknown, index: number) => {
    const target = machine.next(state, a);
    if (target === state) return;
    const targetKey = keyOf(target);
    if (targetKey === stateKey) return;
    out.push({ index, target, targetKey, label: fair(a) ? machine.formatAction(a) : null });
  });
  return out;
}

/** Labels of the fair actions really enabled (not as stutters) in a state. */
export function fairEnabled(machine: AnyMachine, state: unknown): Set<string> {
  return new Set(fairnessSteps(machine, state).flatMap((s) => (s.label === null ? [] : [s.label])));
}

/** The actions enabled in every one of the given states: the ones weak fairness obliges a cycle to take. */
export function continuouslyEnabled<T>(enabledPerState: readonly ReadonlySet<T>[]): Set<T> {
  if (enabledPerState.length === 0) return new Set();
  let always = new Set(enabledPerState[0]);
  for (const enabled of enabledPerState) always = new Set([...always].filter((l) => enabled.has(l)));
  return always;
}

/** A fair action that a cycle starves (enabled in all its states, taken on none of its steps), if any. */
export function starvedAction<T>(enabledPerState: readonly ReadonlySet<T>[], taken: ReadonlySet<T>): T | undefined {
  return [...continuouslyEnabled(enabledPerState)].find((l) => !taken.has(l));
}
