import { describe, expect, it } from 'vitest';
import { twoPhaseCommit } from '../models/commit/two-phase-commit';
import { UsageError } from '../src/shared/errors';
import { explore } from '../src/check/explore';
import { renderMermaid, renderStepTable, renderTraceText, buildTrace, stateChanges, sequenceLayout, type Trace } from '../src/trace/trace';
import type { AnyMachine, ViewEvent } from '../src/model/model';
import { counterMachine } from './fixtures/tiny-models';
import { parseTraceFile, replayTrace, traceToJson } from '../src/trace/trace-file';
import { readReports } from '../src/report/files';
import { MODELS } from '../models/index';
import { findModel } from '../src/model/model';

const params = { rms: 3 };
const machine = twoPhaseCommit.machine(params, 'heuristic-commit');
const finding = explore(machine).violations.find((v) => v.property === 'consistent')!;
const trace: Trace = buildTrace(machine, { model: 'two-phase-commit', variant: 'heuristic-commit', params }, finding);

describe('trace rendering', () => {
  it('numbers the steps and shows only the fields that changed', () => {
    const text = renderTraceText(trace, machine);
    expect(text).toContain('violates always consistent in 3 steps');
    expect(text).toContain('  2. RMHeuristicCommit(rm1)\n       rm1: prepared → committed\n  3.');
    expect(stateChanges(machine, trace.steps[1].state, trace.steps[2].state)).toEqual([
      { field: 'rm1', from: 'prepared', to: 'committed' },
    ]);
  });

  it('draws a Mermaid sequence diagram with a column only for the participants that take part, and the verdict', () => {
    const mermaid = renderMermaid(trace, machine);
    expect(mermaid.split('\n').slice(0, 4)).toEqual([sequenceLayout(2), 'sequenceDiagram', '  participant RM1', '  participant RM2']);
    expect(mermaid).not.toMatch(/participant (TM|RM3)/);
    expect(mermaid).toContain('Note over RM1: wrap: 3. times out, commits (heuristic)');
    expect(mermaid).toContain('Note over RM1,RM2: wrap: consistent violated');
  });

  it('draws one arrow or note per step, merging what a view returns for one step', () => {
    const view = (events: ViewEvent[]): AnyMachine => ({ ...counterMachine(3), actors: ['A', 'B', 'C'], view: () => events });
    const oneStep: Trace = {
      ...trace,
      steps: [
        { action: null, state: 0 },
        { action: 'Inc', state: 1 },
      ],
    };
    const lines = (events: ViewEvent[]): string[] =>
      renderMermaid(oneStep, view(events))
        .split('\n')
        .filter((l) => / 2\. /.test(l));
    const arrow = (from: string, to: string, label: string): ViewEvent => ({ type: 'message', from, to, label });
    const note = (over: string, text: string): ViewEvent => ({ type: 'note', over, text });
    expect(lines([arrow('A', 'B', 'x'), arrow('A', 'B', 'y')])).toEqual(['  A->>B: 2. x, then y']);
    expect(lines([arrow('C', 'A', 'Acquire'), arrow('A', 'C', 'Grant')])).toEqual(['  C->>A: 2. Acquire, then reply Grant']);
    expect(lines([note('B', 'wakes'), arrow('B', 'C', 'Write')])).toEqual(['  B->>C: 2. wakes, then Write']);
    expect(lines([arrow('A', 'B', 'rumor'), arrow('A', 'C', 'rumor')])).toEqual(['  A->>C: 2. rumor to B, C']);
    expect(lines([arrow('B', 'A', 'x'), arrow('B', 'C', 'y')])).toEqual(['  B->>A: 2. x to A, y to C']);
    expect(lines([note('B', 'x'), note('B', 'y')])).toEqual(['  Note over B: wrap: 2. x, y']);
    expect(lines([arrow('B', 'A', 'x'), arrow('A', 'C', 'y')])).toEqual(['  Note over A,C: wrap: 2. B → A: x, A → C: y']);
    expect(lines([])).toEqual([]);
    const broadcast = renderMermaid(oneStep, view([arrow('A', 'B', 'x'), arrow('A', 'C', 'x')]));
    expect(broadcast).toContain('participant B');
  });

  it('renders a step table with one row per state', () => {
    expect(renderStepTable(trace, machine).split('\n')).toHaveLength(2 + trace.steps.length);
  });
});

describe('trace files', () => {
  it('round-trips through JSON and replays to the same violation', () => {
    const loaded = parseTraceFile(traceToJson(trace));
    expect(loaded).toEqual(trace);
    expect(replayTrace(loaded, twoPhaseCommit)).toEqual({ reproduced: true, message: 'reproduced: consistent violated after 3 steps' });
  });

  it('replays every counterexample committed under reports/traces', () => {
    const files = [...readReports('reports')].filter(([name]) => name.startsWith('traces/'));
    expect(files.length).toBeGreaterThan(0);
    for (const [name, text] of files) {
      const t = parseTraceFile(text, name);
      expect(replayTrace(t, findModel(MODELS, t.model)).reproduced, name).toBe(true);
    }
  });

  it('rejects a file that is not JSON, has the wrong shape, or was edited by hand', () => {
    expect(() => parseTraceFile('{nope')).toThrow(UsageError);
    expect(() => parseTraceFile('{"format":"distcheck-trace/1"}')).toThrow(/'model' must be a string/);
    const edited = traceToJson(trace).replace('"RMHeuristicCommit(rm1)"', '"RMPrepare(rm2)"');
    expect(() => parseTraceFile(edited)).toThrow(/digest mismatch/);
  });

  it('says clearly when an honest trace no longer reproduces (e.g. the protocol was fixed)', () => {
    const asCorrect = parseTraceFile(traceToJson({ ...trace, variant: 'correct' }));
    expect(replayTrace(asCorrect, twoPhaseCommit)).toEqual({
      reproduced: false,
      message: 'does not reproduce: step 3: action RMHeuristicCommit(rm1) is not enabled',
    });
  });

  it('says so when the recorded states differ from what the model computes', () => {
    const steps = trace.steps.map((s, i) => (i === 2 ? { ...s, state: { ...(s.state as object), tmState: 'aborted' } } : s));
    const r = replayTrace(parseTraceFile(traceToJson({ ...trace, steps })), twoPhaseCommit);
    expect(r.message).toBe('does not reproduce: step 3: RMHeuristicCommit(rm1) leads to a different state than recorded');
  });
});
