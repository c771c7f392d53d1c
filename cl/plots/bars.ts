/**
 * Grouped bars on a [0, 1] axis: one group per category, one bar per series, the bar's height the
 * mean, a whisker of ± std where a series has several values, and each value as a dot (the spread
 * over seeds, visible even for two runs).
 */
import { xAxis, yAxis, type Frame } from './axes.js';
import type { Spread } from './comparison.js';
import { percent } from './format.js';
import { el, num, text } from './svg.js';
import { linearScale } from './scale.js';

export interface BarSeries { name: string; color: string; values: Spread[] }

export function groupedBars(frame: Frame, categories: readonly string[], series: readonly BarSeries[], title: string): string[] {
  const sy = linearScale([0, 1], [frame.y + frame.height, frame.y]);
  const groupWidth = frame.width / categories.length;
  const bar = (groupWidth * 0.8) / series.length;
  const centre = (c: number) => frame.x + (c + 0.5) * groupWidth;
  const out = [
    ...yAxis(frame, sy, [0, 0.25, 0.5, 0.75, 1].map((v) => ({ value: v, label: `${100 * v}` })), 'accuracy (%)'),
    ...xAxis(frame, (c) => centre(c), categories.map((name, c) => ({ value: c, label: name })), title),
  ];
  series.forEach((s, k) => s.values.forEach((v, c) => {
    const x = centre(c) - (groupWidth * 0.8) / 2 + k * bar;
    const mid = x + bar / 2;
    out.push(el('rect', { class: 'bar', 'data-series': s.name, 'data-category': categories[c], x: x + 1, y: sy(v.mean), width: Math.max(1, bar - 2), height: sy(0) - sy(v.mean), fill: s.color }));
    if (v.values.length > 1) {
      const lo = sy(Math.max(0, v.mean - v.std)), hi = sy(Math.min(1, v.mean + v.std));
      out.push(el('path', { class: 'whisker', d: `M${num(mid - bar / 4)} ${num(hi)} H${num(mid + bar / 4)} M${num(mid)} ${num(hi)} V${num(lo)} M${num(mid - bar / 4)} ${num(lo)} H${num(mid + bar / 4)}`, stroke: '#222222', fill: 'none' }));
      out.push(...v.values.map((u) => el('circle', { class: 'run', cx: mid, cy: sy(u), r: 2, fill: '#222222', 'fill-opacity': 0.55 })));
    }
    if (bar >= 22) out.push(text(mid, sy(v.mean) - 4 - (v.values.length > 1 ? sy(v.mean) - sy(Math.min(1, v.mean + v.std)) : 0), percent(v.mean), { 'text-anchor': 'middle', 'font-size': 9, fill: '#333333' }));
  }));
  return out;
}
