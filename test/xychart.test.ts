import { describe, expect, it } from 'vitest';
import { CHART_PALETTE, xyChart } from '../src/report/xychart';
import { contrast } from './support/mermaid';

describe('xyChart', () => {
  it('uses a palette with at least 3:1 contrast on white, on Mermaid dark charts and on GitHub dark pages', () => {
    for (const { color } of CHART_PALETTE)
      for (const bg of ['#ffffff', '#333333', '#0d1117']) expect(contrast(color, bg), `${color} on ${bg}`).toBeGreaterThanOrEqual(3);
  });

  it('writes named series, the palette as an init directive, and a sentence naming each line', () => {
    const md = xyChart({
      title: 'T',
      kind: 'line',
      x: { title: 'n', labels: [1, 2] },
      y: { title: 'y', min: 0, max: 10 },
      series: [
        { name: 'a', values: [1, 2] },
        { name: 'b', values: [3.25, 4] },
      ],
    });
    expect(md).toEqual([
      '```mermaid',
      '%%{init: {"themeVariables":{"xyChart":{"plotColorPalette":"#D55E00, #3B82F6"}}}}%%',
      'xychart-beta',
      '  title "T"',
      '  x-axis "n" [1, 2]',
      '  y-axis "y" 0 --> 10',
      '  line "a" [1.0, 2.0]',
      '  line "b" [3.3, 4.0]',
      '```',
      '',
      'Lines: a in orange; b in blue.',
    ]);
  });

  it('rejects series that do not match the labels, and quotes in text', () => {
    const chart = { title: 'T', kind: 'bar' as const, x: { labels: ['x'] }, y: { title: 'y', min: 0, max: 1 } };
    expect(() => xyChart({ ...chart, series: [{ name: 'a', values: [1, 2] }] })).toThrow(/2 values for 1 labels/);
    expect(() => xyChart({ ...chart, series: [{ name: 'say "hi"', values: [1] }] })).toThrow(/quotes/);
  });
});
