// opossum and cockatiel against the circuit-breaker model (impl/governance). A divergence is a finding: each
// is pinned with the command list fast-check found and shrank, and replayed once more here.
import { beforeAll, describe, expect, it } from 'vitest';
import { breakerMachine } from '../../models/governance/circuit-breaker';
import { replay } from '../../src/check/async-mbt';
import { cockatielDriver, opossumDriver } from '../../impl/governance/breaker-drivers';
import { libraryResults, type BreakerCheck, type LibraryResults } from '../../impl/governance/library-checks';

let results: LibraryResults;
beforeAll(async () => {
  results = await libraryResults();
});
const check = (id: string): BreakerCheck => results.breakers.find((b) => b.id === id)!;
const divergence = (id: string) => {
  const steps = check(id).result.divergence?.steps ?? [];
  return { actions: steps.map((s) => s.action), library: steps.at(-1)?.library, model: steps.at(-1)?.model };
};

describe('opossum against the percentage breaker', () => {
  it("agrees with the model of opossum's semantics over every command list tried (two option sets)", () => {
    expect([check('opossum-semantics').result, check('opossum-semantics-slow').result]).toEqual([
      { runs: 300, commands: 7013 },
      { runs: 200, commands: 5421 },
    ]);
  });

  it('diverges from the rule as Hystrix states it: a call slower than the window never counts its own attempt', () => {
    // Two calls time out two ticks later; their attempts have left the two-tick window, so 2 failures over 0
    // attempts are below the volume and opossum stays closed.
    expect(divergence('opossum-spec')).toEqual({
      actions: ['Call', 'Call', 'Tick', 'Tick'],
      library: { mode: 'closed', passed: null, inFlight: 0, waiting: 0 },
      model: { mode: 'open', passed: null, inFlight: 0, waiting: 0 },
    });
    expect(divergence('opossum-but-completed')).toEqual(divergence('opossum-spec'));
  });

  it('keeps the failures from before it opened in its window, so one failure after closing opens it again', () => {
    expect(divergence('opossum-but-reset')).toEqual({
      actions: ['Call', 'Call', 'Fail(1)', 'Fail(1)', 'Tick', 'Call', 'Succeed(1)', 'Call', 'Fail(1)'],
      library: { mode: 'open', passed: null, inFlight: 0, waiting: 0 },
      model: { mode: 'closed', passed: null, inFlight: 0, waiting: 0 },
    });
  });

  it('closes a half-open breaker on the late success of a call admitted before it opened, without a probe', () => {
    expect(divergence('opossum-but-stale-ignored')).toEqual({
      actions: ['Call', 'Fail(1)', 'Call', 'Call', 'Fail(1)', 'Tick', 'Succeed(1)'],
      library: { mode: 'closed', passed: null, inFlight: 0, waiting: 0 },
      model: { mode: 'half-open', passed: null, inFlight: 0, waiting: 0 },
    });
  });

  it('replays each divergence from its action list', async () => {
    for (const id of ['opossum-spec', 'opossum-but-reset', 'opossum-but-stale-ignored']) {
      const { config } = check(id);
      const steps = await replay(breakerMachine(config, 'correct'), opossumDriver(config), divergence(id).actions);
      expect(steps!.at(-1)!.library, id).toEqual(divergence(id).library);
    }
  });
});

describe('cockatiel against the consecutive-failures breaker', () => {
  it('holds back a call that arrives while the probe runs, where the model rejects it', () => {
    expect(divergence('cockatiel-spec')).toEqual({
      actions: ['Call', 'Call', 'Fail(1)', 'Fail(1)', 'Tick', 'Call', 'Call'],
      library: { mode: 'half-open', passed: false, inFlight: 1, waiting: 1 },
      model: { mode: 'half-open', passed: false, inFlight: 1, waiting: 0 },
    });
  });

  it('runs the held-back call as soon as the probe succeeds, and rejects it when the probe fails', async () => {
    const { config } = check('cockatiel-spec');
    const after = async (last: string) => {
      const labels = [...divergence('cockatiel-spec').actions, last];
      const steps = await replay(breakerMachine(config, 'correct'), cockatielDriver(config), labels, false);
      return steps!.at(-1)!.library;
    };
    expect(await after('Succeed(1)')).toEqual({ mode: 'closed', passed: true, inFlight: 1, waiting: 0 });
    expect(await after('Fail(1)')).toEqual({ mode: 'open', passed: null, inFlight: 0, waiting: 0 });
  });

  it('reopens a half-open breaker on the late failure of a call admitted before it opened, while the probe runs', () => {
    expect(divergence('cockatiel-no-call-during-probe')).toEqual({
      actions: ['Call', 'Call', 'Fail(1)', 'Call', 'Fail(1)', 'Tick', 'Call', 'Fail(1)'],
      library: { mode: 'open', passed: null, inFlight: 1, waiting: 0 },
      model: { mode: 'half-open', passed: null, inFlight: 1, waiting: 0 },
    });
  });

  it('agrees with the model when no call arrives during a probe and no call outlives the cool-down', () => {
    expect(check('cockatiel-no-late-results').result).toEqual({ runs: 300, commands: 7013 });
  });

  it('replays the first divergence from its action list', async () => {
    const { config } = check('cockatiel-spec');
    const steps = await replay(breakerMachine(config, 'correct'), cockatielDriver(config), divergence('cockatiel-spec').actions);
    expect(steps!.at(-1)!.library).toEqual(divergence('cockatiel-spec').library);
  });
});
