import { describe, expect, it } from 'vitest';
import { nwrRegister, quorumsOf, type NwrState } from '../../models/replication/nwr-register';
import { regularViolation } from '../../models/replication/register-history';
import { historyToJsonl, parseHistory, type Operation } from '../../src/check/history';
import { SPECS, checkLinearizable } from '../../src/check/linearizability';
import { replayTrace } from '../../src/trace/trace-file';
import { configurationOutcomes, noShorterViolation } from '../../src/run/testing';
import { resolveParams } from '../../src/model/params';
import type { AnyModel } from '../../src/model/model';

const { outcomes, outcome } = configurationOutcomes(nwrRegister);
const violation = (name: string, property: string) => outcome(name).violations.find((v) => v.property === property)!;
const actions = (name: string, property: string) =>
  violation(name, property)
    .trace.steps.slice(1)
    .map((s) => s.action);
const paramsOf = (name: string) => nwrRegister.configurations.find((c) => c.name === name)!.params!;
const lastState = (name: string, property: string) => violation(name, property).trace.steps.at(-1)!.state as NwrState;
const machineOf = (name: string) => {
  const c = nwrRegister.configurations.find((x) => x.name === name)!;
  const model: AnyModel = nwrRegister;
  return model.machine(resolveParams(model, c.params), c.variant);
};

describe('nwr-register', () => {
  it('gives every configuration its expected result', () => {
    for (const o of outcomes) expect(o.asExpected, `${o.configuration}: ${o.verdict}`).toBe(true);
  });

  it.each([
    ['dynamo-322', 520],
    ['no-write-back', 1860],
    ['abd', 15728],
    ['two-writers', 624],
    ['r-plus-w-le-n', 54],
    ['w-le-half', 338],
    ['sloppy-quorum', 4820],
    ['abd-5', 4791],
  ])('explores %s: %i distinct states', (name, states) => {
    expect(outcome(name).distinctStates).toBe(states);
  });

  it("passes regularity with Dynamo's (3, 2, 2) while a replica may crash", () => {
    expect(outcome('dynamo-322').violations).toEqual([]);
    expect(outcome('dynamo-322').witnesses.map((w) => w.property)).toEqual(['writeAcknowledged', 'readSeesWrite']);
  });

  it('without write-back, breaks linearizability with a new-old inversion in 8 steps, and stays regular', () => {
    expect(actions('no-write-back', 'linearizable')).toEqual([
      'Invoke(W1)',
      'Invoke(R1)',
      'Serve(A, R1)',
      'Store(B, W1)',
      'Serve(B, R1)',
      'Invoke(R2)',
      'Serve(A, R2)',
      'Serve(C, R2)',
    ]);
    expect(outcome('no-write-back').violations.map((v) => v.property)).toEqual(['linearizable']);
    expect(noShorterViolation(nwrRegister, 'correct', paramsOf('no-write-back'), 'linearizable', 8)).toBe(true);
  });

  it("explains the inversion with the checker's timeline: R2's read of null cannot follow R1's read of 1", () => {
    const text = machineOf('no-write-back').explain!(lastState('no-write-back', 'linearizable'))!;
    expect(text).toContain('```mermaid');
    expect(text).toContain('not linearizable: everything before line 5 is linearizable; line 5, where R2 read → null completes, is not');
    expect(text).toContain('linearized: W1 write 1 → R1 read → 1 (state 1)');
    expect(text).toContain('concurrent with it: W1 write 1 (line 1, still pending)');
  });

  it('with write-back (ABD), keeps every history linearizable', () => {
    expect(outcome('abd').violations).toEqual([]);
    expect(outcome('abd').witnesses.map((w) => w.property)).toContain('readsDisagree');
  });

  it.each([
    ['r-plus-w-le-n', 'regular', 5, 'Serve(C, R1)'],
    ['w-le-half', 'oneValuePerVersion', 4, 'Store(B, W2)'],
    ['sloppy-quorum', 'regular', 7, 'Serve(C, R1)'],
  ])('catches %s: %s broken in %i steps, ending with %s, and in no fewer', (name, property, steps, last) => {
    const trace = actions(name, property);
    expect(trace).toHaveLength(steps);
    expect(trace.at(-1)).toBe(last);
    const config = nwrRegister.configurations.find((c) => c.name === name)!;
    expect(noShorterViolation(nwrRegister, config.variant, config.params!, property, steps)).toBe(true);
  });

  it('reads stale data after a partition with a sloppy quorum: the write went to A and to D with a hint for B', () => {
    expect(actions('sloppy-quorum', 'regular')).toEqual([
      'Invoke(W1)',
      'Store(A, W1)',
      'Partition({W1,A,D} | {R1,B,C})',
      'StoreHint(D for B, W1)',
      'Invoke(R1)',
      'Serve(B, R1)',
      'Serve(C, R1)',
    ]);
    expect(outcome('sloppy-quorum').witnesses.map((w) => w.property)).toContain('handedOff');
  });

  it('uses the quorums each variant stands for', () => {
    expect(quorumsOf('correct', 3, 2, 2)).toEqual({ r: 2, w: 2 });
    expect(quorumsOf('r-plus-w-le-n', 3, 2, 2)).toEqual({ r: 1, w: 2 });
    expect(quorumsOf('w-le-half', 4, 2, 2)).toEqual({ r: 3, w: 2 });
  });

  it('round-trips every recorded history through JSON Lines with the same verdict', () => {
    for (const o of outcomes)
      for (const v of o.violations) {
        const machine = machineOf(o.configuration!);
        const state = v.trace.steps.at(-1)!.state as NwrState;
        const text = machine.explain!(state) ? historyText(state, o.configuration!) : undefined;
        if (text === undefined) continue;
        const parsed = parseHistory(text, 'h.jsonl', SPECS.register).operations;
        expect(checkLinearizable(SPECS.register, parsed).linearizable, o.configuration).toBe(false);
        expect(historyToJsonl(parsed)).toBe(text);
      }
  });

  it('replays every counterexample', () => {
    for (const o of outcomes)
      for (const v of o.violations) expect(replayTrace(v.trace, nwrRegister).reproduced, `${o.configuration} ${v.property}`).toBe(true);
  });
});

/** The recorded history of a state as JSON Lines, through the same operations the properties judge. */
function historyText(state: NwrState, config: string): string {
  const params = resolveParams(nwrRegister, nwrRegister.configurations.find((c) => c.name === config)!.params);
  const writers = params.writers as number;
  const name = (c: number) => (c < writers ? `W${c + 1}` : `R${c - writers + 1}`);
  const lines = state.history.map((e) =>
    JSON.stringify(
      e.t === 'invoke'
        ? { process: name(e.c), type: 'invoke', f: e.c < writers ? 'write' : 'read', value: e.c < writers ? e.c + 1 : null }
        : { process: name(e.c), type: e.t, f: e.c < writers ? 'write' : 'read', value: e.c < writers ? e.c + 1 : e.v },
    ),
  );
  return lines.map((l) => `${l}\n`).join('');
}

describe('regularity on a history', () => {
  const op = (process: string, f: 'read' | 'write', value: number | null, call: number, ret: number): Operation => ({
    index: call,
    process,
    f,
    input: f === 'write' ? value : null,
    output: f === 'read' ? value : null,
    outcome: ret === Infinity ? 'info' : 'ok',
    call,
    ret,
    callLine: call + 1,
    ...(ret === Infinity ? {} : { retLine: ret + 1 }),
  });

  it('allows a read concurrent with a write to return either value, and a later read to return the older one', () => {
    expect(regularViolation([op('W', 'write', 1, 0, 5), op('R1', 'read', 1, 1, 2), op('R2', 'read', null, 3, 4)])).toBeUndefined();
  });

  it('rejects a read of null after a write completed, and a read of a value overwritten before it began', () => {
    expect(regularViolation([op('W', 'write', 1, 0, 1), op('R', 'read', null, 2, 3)])?.process).toBe('R');
    expect(regularViolation([op('W1', 'write', 1, 0, 1), op('W2', 'write', 2, 2, 3), op('R', 'read', 1, 4, 5)])?.process).toBe('R');
  });
});
