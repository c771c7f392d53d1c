/**
 * Per-task accuracy across the whole sequence: one line per evaluated experience j through
 * curves[i][j][e] (accuracy on j after evaluated epoch e of training experience i), the evaluations in
 * order along x; dashed lines separate the training experiences, named above the frame. With
 * `--eval-every epoch` there is a point per epoch, otherwise one per experience.
 */
import type { StrategyResult } from '../strategy/result.js';
import { legend, xAxis, yAxis, type Frame } from './axes.js';
import { seriesColor } from './colors.js';
import { trainedNames } from './heatmap.js';
import { el, pathData, text } from './svg.js';
import { linearScale } from './scale.js';

/** Also a run in progress: curves of the experiences trained so far (the last may be partly trained), named by `trained` when given. */
export function accuracyCurves(r: Pick<StrategyResult, 'experiences' | 'curves' | 'accuracyMatrix'> & { trained?: readonly string[] }, frame: Frame): string[] {
  // starts[i]: how many evaluations precede training experience i; evaluation k sits at x = k + 1.
  const lengths = r.curves.map((perTask) => perTask[0]!.length);
  const starts = lengths.map((_, i) => lengths.slice(0, i).reduce((a, b) => a + b, 0));
  const total = lengths.reduce((a, b) => a + b, 0);
  const sx = linearScale([0.5, Math.max(1, total) + 0.5], [frame.x, frame.x + frame.width]);
  const sy = linearScale([0, 1], [frame.y + frame.height, frame.y]);
  const trained = trainedNames(r);
  const out = [
    ...yAxis(frame, sy, [0, 0.25, 0.5, 0.75, 1].map((v) => ({ value: v, label: `${100 * v}` })), 'accuracy (%)'),
    ...xAxis(frame, sx, starts.map((s, i) => ({ value: s + lengths[i]!, label: `${lengths[i]! > 1 ? 'ep ' : ''}${s + lengths[i]!}` })), lengths.some((l) => l > 1) ? 'evaluation (after each epoch)' : 'evaluation (after each experience)'),
  ];
  starts.forEach((s, i) => {
    const left = sx(s + 0.5), right = sx(s + lengths[i]! + 0.5);
    if (i > 0) out.push(el('line', { x1: left, x2: left, y1: frame.y, y2: frame.y + frame.height, stroke: '#999999', 'stroke-dasharray': '4 3' }));
    // `train <name>`, or only the name, or only the experience's number: the first that fits its stretch (about 6 units a character).
    const name = [`train ${trained[i]!}`, trained[i]!].find((t) => t.length * 6 < right - left) ?? `${i + 1}`;
    out.push(text((left + right) / 2, frame.y - 6, name, { 'text-anchor': 'middle', 'font-size': 10, fill: '#555555' }));
  });
  r.experiences.forEach((name, j) => {
    const points = r.curves.flatMap((perTask, i) => perTask[j]!.map((v, e): [number, number] => [sx(starts[i]! + e + 1), sy(v)]));
    if (!points.length) return;
    out.push(el('path', { class: 'curve', 'data-task': name, d: pathData(points), fill: 'none', stroke: seriesColor(j), 'stroke-width': 2, 'stroke-linejoin': 'round' }));
    if (points.length <= 60) out.push(...points.map(([x, y]) => el('circle', { cx: x, cy: y, r: 2.5, fill: seriesColor(j) })));
  });
  out.push(...legend(frame.x, frame.y + frame.height + 52, frame.width, r.experiences.map((name, j) => ({ name: `on ${name}`, color: seriesColor(j) }))).elements);
  return out;
}
