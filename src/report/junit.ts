// JUnit XML for CI systems: one test case per configuration run, failing when the run was not as expected,
// with the verdict and the counterexample as text in the failure. Pure: outcomes in, XML out.
import type { RunOutcome } from '../run/run';
import type { AnyMachine } from '../model/model';
import { renderTraceText } from '../trace/trace';

export interface JUnitCase {
  readonly outcome: RunOutcome;
  /** The machine the outcome came from, so that traces print with its display view. */
  readonly machine?: AnyMachine;
  readonly seconds: number;
}

const escapeXml = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Characters XML 1.0 cannot carry at all.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

const caseName = (o: RunOutcome): string =>
  o.configuration ??
  `${o.variant} [${Object.entries(o.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}]`;

/** Everything a reviewer needs when a case fails: the verdict, then each counterexample as text. */
function failureText(c: JUnitCase): string {
  const traces = c.outcome.violations.map((v) => renderTraceText(v.trace, c.machine));
  return [c.outcome.verdict, ...traces].join('\n\n');
}

export function renderJUnit(cases: readonly JUnitCase[], suiteName = 'distcheck'): string {
  const byModel = new Map<string, JUnitCase[]>();
  for (const c of cases) byModel.set(c.outcome.model, [...(byModel.get(c.outcome.model) ?? []), c]);
  const failures = (cs: readonly JUnitCase[]): number => cs.filter((c) => !c.outcome.asExpected).length;
  const time = (cs: readonly JUnitCase[]): string => cs.reduce((t, c) => t + c.seconds, 0).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suiteName)}" tests="${cases.length}" failures="${failures(cases)}" time="${time(cases)}">`,
  ];
  for (const [model, cs] of byModel) {
    lines.push(`  <testsuite name="${escapeXml(model)}" tests="${cs.length}" failures="${failures(cs)}" time="${time(cs)}">`);
    for (const c of cs) {
      const o = c.outcome;
      const open = `    <testcase classname="${escapeXml(model)}" name="${escapeXml(caseName(o))}" time="${c.seconds.toFixed(3)}"`;
      const counts = `${o.distinctStates} distinct states, ${o.statesGenerated} generated, depth ${o.depth}: ${o.verdict}`;
      if (o.asExpected) {
        lines.push(`${open}>`, `      <system-out>${escapeXml(counts)}</system-out>`, '    </testcase>');
      } else {
        lines.push(
          `${open}>`,
          `      <failure message="${escapeXml(o.verdict)}" type="${o.exitCode === 3 ? 'limit' : 'unexpected'}">${escapeXml(failureText(c))}</failure>`,
          `      <system-out>${escapeXml(counts)}</system-out>`,
          '    </testcase>',
        );
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
