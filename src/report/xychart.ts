// Mermaid xychart blocks for figures: named series (a legend where the renderer draws one), a palette that stays
// visible on white and on dark backgrounds (set through an init directive, since the default theme draws the first
// series in a near-white #ECECFF), and a sentence under a multi-series chart that says which line is which, for
// renderers that draw no legend.

/**
 * Mid-luminance colours (WCAG relative luminance 0.21 to 0.26): each has at least 3:1 contrast against white,
 * against Mermaid's dark chart background #333 and against GitHub's dark page #0d1117. Okabe-Ito's vermillion and
 * bluish green, with a blue, a purple, an ochre and a grey, so that neighbours differ in hue for common colour
 * blindness.
 */
export const CHART_PALETTE: readonly { readonly color: string; readonly name: string }[] = [
  { color: '#D55E00', name: 'orange' },
  { color: '#3B82F6', name: 'blue' },
  { color: '#009E73', name: 'green' },
  { color: '#A855F7', name: 'purple' },
  { color: '#B7791F', name: 'brown' },
  { color: '#808080', name: 'grey' },
];

export interface ChartSeries {
  /** Shown in the legend and in the sentence under the chart. */
  readonly name: string;
  readonly values: readonly number[];
}

export interface XyChart {
  readonly title: string;
  readonly kind: 'line' | 'bar';
  readonly x: { readonly title?: string; readonly labels: readonly (string | number)[] };
  readonly y: { readonly title: string; readonly min: number; readonly max: number };
  readonly series: readonly ChartSeries[];
  /** Digits after the decimal point for the values (default 1). */
  readonly decimals?: number;
}

const quoted = (s: string): string => {
  if (/["\n]/.test(s)) throw new Error(`chart text cannot contain quotes or newlines: ${s}`);
  return `"${s}"`;
};

/** The Markdown for one chart: the fenced Mermaid block and, with several series, a sentence naming each colour. */
export function xyChart(chart: XyChart): string[] {
  const { series, x, y } = chart;
  if (series.length === 0 || series.length > CHART_PALETTE.length)
    throw new Error(`a chart takes 1 to ${CHART_PALETTE.length} series, got ${series.length}`);
  for (const s of series)
    if (s.values.length !== x.labels.length)
      throw new Error(`series ${s.name} has ${s.values.length} values for ${x.labels.length} labels`);
  const palette = CHART_PALETTE.slice(0, series.length);
  const init = { themeVariables: { xyChart: { plotColorPalette: palette.map((p) => p.color).join(', ') } } };
  const label = (l: string | number): string => (typeof l === 'number' ? String(l) : quoted(l));
  const lines = [
    '```mermaid',
    `%%{init: ${JSON.stringify(init)}}%%`,
    'xychart-beta',
    `  title ${quoted(chart.title)}`,
    `  x-axis ${x.title !== undefined ? `${quoted(x.title)} ` : ''}[${x.labels.map(label).join(', ')}]`,
    `  y-axis ${quoted(y.title)} ${y.min} --> ${y.max}`,
    ...series.map((s) => `  ${chart.kind} ${quoted(s.name)} [${s.values.map((v) => v.toFixed(chart.decimals ?? 1)).join(', ')}]`),
    '```',
  ];
  if (series.length > 1) {
    const what = chart.kind === 'line' ? 'Lines' : 'Bars';
    lines.push('', `${what}: ${series.map((s, i) => `${s.name} in ${palette[i].name}`).join('; ')}.`);
  }
  return lines;
}
