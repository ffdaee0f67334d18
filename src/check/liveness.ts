// Liveness under weak fairness: `eventually Q` and `P leadsTo Q`, on the explicit state graph.
// A behaviour violates P ~> Q when, from a reachable P-state, it can stay in ¬Q forever while being fair:
//   - it reaches a ¬Q state where no fair action is enabled, and stutters there (only unfair steps remain); or
//   - it reaches a strongly connected set C of ¬Q states and cycles through all of C, which is fair when every
//     fair action enabled in *all* states of C is also taken on some edge inside C (weak fairness: an action
//     that is not continuously enabled need not be taken).
// What counts as a stutter, an enabled fair action and a fair cycle is defined once, in fairness.ts.
// The graph keeps every state, so this is for the small scopes liveness is checked at, not for the bench.
import type { Path } from './explore';
import { continuouslyEnabled, fairnessSteps } from './fairness';
import { stateKeyOf, type AnyMachine, type LeadsToProperty, type PropertyKind } from '../model/model';

export interface LivenessFinding {
  readonly property: string;
  readonly kind: PropertyKind;
  /** The whole counterexample, prefix and (for a lasso) one turn of the cycle. */
  readonly path: Path;
  /** For a lasso: the step index where the cycle starts; the last state equals that step's state. */
  readonly loopStart?: number;
  /** For a stutter: the run ends in a state where no fair action is enabled. */
  readonly stutter?: boolean;
}

export interface LivenessResult {
  readonly violations: readonly LivenessFinding[];
  readonly distinctStates: number;
  readonly status: 'complete' | 'limit';
}

interface Graph {
  states: unknown[];
  /** Per state: successor ids, the choice index, and the fairness label id (-1 when unfair). No stutters. */
  succ: number[][];
  choice: number[][];
  label: number[][];
  /** Per state: fair labels really enabled there. */
  fairEnabled: Set<number>[];
  parent: number[];
  parentChoice: number[];
  initIndex: number[];
  depth: number[];
  /** Per state: outside the machine's CONSTRAINT (not expanded). */
  outside: boolean[];
}

function buildGraph(machine: AnyMachine, maxStates: number): { graph: Graph; complete: boolean } {
  const ids = new Map<string | number, number>();
  const labels = new Map<string, number>();
  const g: Graph = { states: [], succ: [], choice: [], label: [], fairEnabled: [], parent: [], parentChoice: [], initIndex: [], depth: [], outside: [] };
  const add = (s: unknown, k: string | number, parent: number, choice: number, depth: number): number => {
    let id = ids.get(k);
    if (id !== undefined) return id;
    id = g.states.length;
    ids.set(k, id);
    g.states.push(s);
    g.parent.push(parent);
    g.parentChoice.push(choice);
    g.depth.push(depth);
    return id;
  };
  machine.init.forEach((s, i) => {
    const before = g.states.length;
    const id = add(s, stateKeyOf(machine)(s), -1, i, 1);
    if (id === before) g.initIndex.push(id);
  });
  let complete = true;
  for (let id = 0; id < g.states.length; id++) {
    if (g.states.length > maxStates) {
      complete = false;
      break;
    }
    const succ: number[] = [];
    const choice: number[] = [];
    const label: number[] = [];
    const enabledFair = new Set<number>();
    // A state outside the CONSTRAINT is not expanded; it counts as outside the graph, never as stuck.
    const outside = machine.constraint !== undefined && !machine.constraint(g.states[id]);
    g.outside[id] = outside;
    for (const step of outside ? [] : fairnessSteps(machine, g.states[id])) {
      let l = -1;
      if (step.label !== null) {
        l = labels.get(step.label) ?? labels.size;
        labels.set(step.label, l);
        enabledFair.add(l);
      }
      succ.push(add(step.target, step.targetKey, id, step.index, g.depth[id] + 1));
      choice.push(step.index);
      label.push(l);
    }
    g.succ[id] = succ;
    g.choice[id] = choice;
    g.label[id] = label;
    g.fairEnabled[id] = enabledFair;
  }
  return { graph: g, complete };
}

/** Tarjan's algorithm, iterative, over the subgraph of states where `inside` holds. Returns component ids. */
function sccs(g: Graph, inside: boolean[]): number[] {
  const n = g.states.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const comp = new Array<number>(n).fill(-1);
  const stack: number[] = [];
  let next = 0;
  let comps = 0;
  for (let root = 0; root < n; root++) {
    if (!inside[root] || index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      const succ = g.succ[v] ?? [];
      if (i < succ.length) {
        frame[1] = i + 1;
        const w = succ[i];
        if (!inside[w]) continue;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], index[w]);
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          comp[w] = comps;
        } while (w !== v);
        comps++;
      }
    }
  }
  return comp;
}

/** Shortest path (as [state, choice] hops) from `from` to any state in `goal`, moving only through `allowed`. */
function bfsPath(
  g: Graph,
  from: number,
  goal: (s: number) => boolean,
  allowed: (s: number) => boolean,
): { to: number; hops: [number, number][] } | undefined {
  const prev = new Map<number, [number, number]>();
  const queue = [from];
  const seen = new Set([from]);
  for (let qi = 0; qi < queue.length; qi++) {
    const v = queue[qi];
    if (goal(v)) {
      const hops: [number, number][] = [];
      let cur = v;
      while (cur !== from) {
        const [p, c] = prev.get(cur)!;
        hops.push([cur, c]);
        cur = p;
      }
      return { to: v, hops: hops.reverse() };
    }
    const succ = g.succ[v] ?? [];
    for (let i = 0; i < succ.length; i++) {
      const w = succ[i];
      if (seen.has(w) || !allowed(w)) continue;
      seen.add(w);
      prev.set(w, [v, g.choice[v][i]]);
      queue.push(w);
    }
  }
  return undefined;
}

function prefixTo(g: Graph, id: number): Path {
  const choices: number[] = [];
  let cur = id;
  while (g.parent[cur] !== -1) {
    choices.push(g.parentChoice[cur]);
    cur = g.parent[cur];
  }
  return { init: g.parentChoice[cur], choices: choices.reverse() };
}

function checkOne(
  g: Graph,
  prop: { name: string; kind: PropertyKind; from: (s: unknown) => boolean; to: (s: unknown) => boolean; initOnly: boolean },
): LivenessFinding | undefined {
  const n = g.states.length;
  const notQ = g.states.map((s) => !prop.to(s));
  const comp = sccs(g, notQ);
  // Which components are fair cycles, and the edges a fair turn must take.
  const members = new Map<number, number[]>();
  for (let v = 0; v < n; v++) if (notQ[v]) (members.get(comp[v]) ?? members.set(comp[v], []).get(comp[v])!).push(v);
  const fairComp = new Map<number, [number, number, number][]>();
  for (const [c, vs] of members) {
    const internal: [number, number, number][] = [];
    for (const v of vs) g.succ[v].forEach((w, i) => comp[w] === c && notQ[w] && internal.push([v, i, g.label[v][i]]));
    if (internal.length === 0) continue;
    const always = continuouslyEnabled(vs.map((v) => g.fairEnabled[v]));
    const required: [number, number, number][] = [];
    let fair = true;
    for (const l of always) {
      const edge = internal.find((e) => e[2] === l);
      if (!edge) {
        fair = false;
        break;
      }
      required.push(edge);
    }
    if (fair) fairComp.set(c, required);
  }
  const stuck = (v: number): boolean => notQ[v] && !g.outside[v] && g.fairEnabled[v].size === 0;
  const bad = (v: number): boolean => stuck(v) || (notQ[v] && fairComp.has(comp[v]));

  // Candidate P-states in BFS order (ids are BFS order), so the first hit has the shortest prefix.
  for (let s = 0; s < n; s++) {
    if (!notQ[s]) continue;
    if (prop.initOnly ? g.parent[s] !== -1 : !prop.from(g.states[s])) continue;
    const reach = bfsPath(g, s, bad, (v) => notQ[v]);
    if (!reach) continue;
    const prefix = prefixTo(g, s);
    const choices = [...prefix.choices, ...reach.hops.map(([, c]) => c)];
    const end = reach.to;
    if (stuck(end)) return { property: prop.name, kind: prop.kind, path: { init: prefix.init, choices }, stutter: true };
    const c = comp[end];
    const inC = (v: number): boolean => comp[v] === c && notQ[v];
    const loopStart = choices.length;
    let cur = end;
    const goTo = (target: number): void => {
      const hop = bfsPath(g, cur, (v) => v === target, inC)!;
      for (const [, ch] of hop.hops) choices.push(ch);
      cur = target;
    };
    for (const [u, i] of fairComp.get(c)!) {
      goTo(u);
      choices.push(g.choice[u][i]);
      cur = g.succ[u][i];
    }
    if (choices.length === loopStart) {
      const i = g.succ[cur].findIndex((w) => inC(w));
      choices.push(g.choice[cur][i]);
      cur = g.succ[cur][i];
    }
    goTo(end);
    return { property: prop.name, kind: prop.kind, path: { init: prefix.init, choices }, loopStart };
  }
  return undefined;
}

export function checkLiveness(machine: AnyMachine, options: { maxStates?: number } = {}): LivenessResult {
  const { graph, complete } = buildGraph(machine, options.maxStates ?? 2_000_000);
  const violations: LivenessFinding[] = [];
  if (complete) {
    for (const p of machine.properties) {
      if (p.kind === 'eventually') {
        const f = checkOne(graph, { name: p.name, kind: p.kind, from: () => true, to: p.holds as (s: unknown) => boolean, initOnly: true });
        if (f) violations.push(f);
      } else if (p.kind === 'leadsTo') {
        const lp = p as LeadsToProperty<unknown>;
        const f = checkOne(graph, { name: lp.name, kind: lp.kind, from: lp.from, to: lp.to, initOnly: false });
        if (f) violations.push(f);
      }
    }
  }
  return { violations, distinctStates: graph.states.length, status: complete ? 'complete' : 'limit' };
}
