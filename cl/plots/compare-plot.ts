/**
 * Methods side by side (what `webgpu-cl compare … --plot cmp.svg` writes): the final accuracy on each
 * experience as grouped bars (one bar per method), and ACC per method; bars are means over a method's
 * runs, whiskers ± std and dots the single runs when there are several.
 */
import { legend, LEGEND_ROW } from './axes.js';
import { groupedBars } from './bars.js';
import { seriesColor } from './colors.js';
import { compareResults, type Comparison } from './comparison.js';
import { svgDocument, text } from './svg.js';

const WIDTH = 980;

/** The SVG for a comparison (from compareResults, or the runs themselves: { source, result }[]). */
export function plotComparison(input: Comparison | readonly { source: string; result: unknown }[]): string {
  const c = Array.isArray(input) ? compareResults(input) : (input as Comparison);
  const runs = c.groups.reduce((n, g) => n + g.acc.values.length, 0);
  const title = `${c.scenario}${c.setting === undefined ? '' : ` (${String(c.setting)})`}: ${c.groups.length} method${c.groups.length > 1 ? 's' : ''}, ${runs} run${runs > 1 ? 's' : ''}`;
  const accWidth = Math.max(120, 46 * c.groups.length);
  const tasksWidth = WIDTH - 70 - accWidth - 90 - 20;
  const colors = c.groups.map((_, k) => seriesColor(k));
  // The legend names the groups (method and options); the frames start below its last row.
  const key = legend(70, 52, WIDTH - 90, c.groups.map((g, k) => ({ name: `${g.label} (${g.acc.values.length})`, color: colors[k]! })));
  const frameY = 70 + LEGEND_ROW * (key.rows - 1), frameH = 280;
  const body = [
    text(20, 28, title, { class: 'title', 'font-size': 15, 'font-weight': 600, fill: '#111111' }),
    ...key.elements,
    ...groupedBars({ x: 70, y: frameY, width: tasksWidth, height: frameH }, c.experiences,
      c.groups.map((g, k) => ({ name: g.label, color: colors[k]!, values: g.final })), 'final accuracy per experience'),
    ...groupedBars({ x: WIDTH - 20 - accWidth, y: frameY, width: accWidth, height: frameH }, ['ACC'],
      c.groups.map((g, k) => ({ name: g.label, color: colors[k]!, values: [g.acc] })), 'ACC (mean ± std)'),
  ];
  return svgDocument(WIDTH, frameY + frameH + 50, title, body);
}
