/**
 * Methods side by side (what `webgpu-cl compare … --plot cmp.svg` writes): the final accuracy on each
 * experience as grouped bars (one bar per method), and ACC per method; bars are means over a method's
 * runs, whiskers ± std and dots the single runs when there are several.
 */
import { legend } from './axes.js';
import { groupedBars } from './bars.js';
import { seriesColor } from './colors.js';
import { compareResults, type Comparison } from './comparison.js';
import { svgDocument, text } from './svg.js';

const WIDTH = 980;

/** The SVG for a comparison (from compareResults, or the runs themselves: { source, result }[]). */
export function plotComparison(input: Comparison | readonly { source: string; result: unknown }[]): string {
  const c = Array.isArray(input) ? compareResults(input) : (input as Comparison);
  const title = `${c.scenario}${c.setting === undefined ? '' : ` (${String(c.setting)})`}: ${c.groups.map((g) => `${g.label} (${g.acc.values.length} run${g.acc.values.length > 1 ? 's' : ''})`).join(', ')}`;
  const accWidth = Math.max(120, 46 * c.groups.length);
  const tasksWidth = WIDTH - 70 - accWidth - 90 - 20;
  const frameY = 70, frameH = 280;
  const colors = c.groups.map((_, k) => seriesColor(k));
  const body = [
    text(20, 28, title, { class: 'title', 'font-size': 15, 'font-weight': 600, fill: '#111111' }),
    ...legend(70, 52, WIDTH - 90, c.groups.map((g, k) => ({ name: g.label, color: colors[k]! }))),
    ...groupedBars({ x: 70, y: frameY, width: tasksWidth, height: frameH }, c.experiences,
      c.groups.map((g, k) => ({ name: g.label, color: colors[k]!, values: g.final })), 'final accuracy per experience'),
    ...groupedBars({ x: WIDTH - 20 - accWidth, y: frameY, width: accWidth, height: frameH }, ['ACC'],
      c.groups.map((g, k) => ({ name: g.label, color: colors[k]!, values: [g.acc] })), 'ACC (mean ± std)'),
  ];
  return svgDocument(WIDTH, frameY + frameH + 50, title, body);
}
