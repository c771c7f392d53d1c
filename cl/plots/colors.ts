/** Colours: one per task or method (Tableau 10, distinguishable and colour-blind safer), and a white → blue ramp for heatmaps. */

const CATEGORICAL = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** The i-th categorical colour (repeating after ten). */
export function seriesColor(i: number): string {
  return CATEGORICAL[i % CATEGORICAL.length]!;
}

/** v in [0, 1] (clamped) → from #f7fbff (0) to #08306b (1), interpolated in RGB. */
export function heatColor(v: number): string {
  const t = Math.min(1, Math.max(0, v));
  const from = [0xf7, 0xfb, 0xff], to = [0x08, 0x30, 0x6b];
  return `#${from.map((a, k) => Math.round(a + (to[k]! - a) * t).toString(16).padStart(2, '0')).join('')}`;
}

/** Text on a heatmap cell of value v: dark on light cells, white on dark ones. */
export function heatTextColor(v: number): string {
  return v > 0.55 ? '#ffffff' : '#1b1b1b';
}
