// Two-phase against three-phase commit, side by side, from the explorer's own results: the seed's central
// story (2PC blocks when its coordinator fails; 3PC does not, but loses consistency under a partition).
import type { Comparison } from '../../src/model/model';

export const commitComparison: Comparison = {
  id: 'commit-protocols',
  title: 'Two-phase vs three-phase commit (3 participants)',
  columns: ['2PC (`two-phase-commit-faults`)', '3PC (`three-phase-commit`, synchronous timeouts)'],
  rows: [
    {
      question: 'messages per decided transaction (shortest all-commit run, acks included)',
      cells: [
        { model: 'two-phase-commit-faults', configuration: 'rms3', metric: { metric: 'messages per decision' } },
        { model: 'three-phase-commit', configuration: 'sync', metric: { metric: 'messages per decision' } },
      ],
    },
    {
      question:
        'reachable states, no faults (2PC sends its decision one RM at a time and lets RMs abort before voting; 3PC broadcasts each phase)',
      cells: [
        { model: 'two-phase-commit-faults', configuration: 'rms3', metric: 'distinctStates' },
        { model: 'three-phase-commit', configuration: 'sync', metric: 'distinctStates' },
      ],
    },
    {
      question: 'reachable states, coordinator may crash once',
      cells: [
        { model: 'two-phase-commit-faults', configuration: 'rms3-tm-crash', metric: 'distinctStates' },
        { model: 'three-phase-commit', configuration: 'sync-crash', metric: 'distinctStates' },
      ],
    },
    {
      question: 'blocks when the coordinator crashes?',
      cells: [
        {
          model: 'two-phase-commit-faults',
          configuration: 'rms3-tm-crash',
          metric: { ifViolated: 'allDecide', yes: 'yes: prepared RMs wait forever', no: 'no' },
        },
        {
          model: 'three-phase-commit',
          configuration: 'sync-crash',
          metric: { ifViolated: 'allLiveDecide', yes: 'yes', no: 'no: every live participant decides' },
        },
      ],
    },
    {
      question: 'consistent under a partition? (2PC checked with 2 RMs)',
      cells: [
        {
          model: 'two-phase-commit-faults',
          configuration: 'rms2-partition',
          metric: { ifViolated: 'consistent', yes: 'no', no: 'yes (but it blocks)' },
        },
        {
          model: 'three-phase-commit',
          configuration: 'sync-partition',
          metric: { ifViolated: 'consistent', yes: 'no: one side commits, the other aborts', no: 'yes' },
        },
      ],
    },
  ],
};
