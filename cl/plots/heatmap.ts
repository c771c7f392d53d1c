/**
 * The accuracy matrix as a heatmap: cell (i, j) is the accuracy on experience j after training
 * experience i, shaded white → blue over [0, 1] and written in % inside the cell.
 */
import type { StrategyResult } from '../strategy/result.js';
import type { Frame } from './axes.js';
import { heatColor, heatTextColor } from './colors.js';
import { percent } from './format.js';
import { el, text } from './svg.js';

/** The training experiences (the matrix's rows): `trained` when given, else the experiences for a square matrix, else one joint row. */
export function trainedNames(r: Pick<StrategyResult, 'experiences' | 'accuracyMatrix'> & { trained?: readonly string[] }): readonly string[] {
  return r.trained ?? (r.accuracyMatrix.length === r.experiences.length ? r.experiences : ['joint']);
}

/**
 * Cells of `cell` units square, the top-left corner at (x, y); the frame is the area the cells and the
 * column names take. A run in progress (fewer matrix rows than `trained` names) gets empty outlined rows.
 */
export function accuracyHeatmap(r: Pick<StrategyResult, 'experiences' | 'accuracyMatrix'> & { trained?: readonly string[] }, x: number, y: number, cell: number): { frame: Frame; svg: string[] } {
  const names = r.experiences;
  const rows = trainedNames(r);
  const fontSize = Math.min(11, cell / 3.6);
  const out = rows.flatMap((_, i) => names.flatMap((__, j) => {
    const v = r.accuracyMatrix[i]?.[j];
    if (v === undefined) return [el('rect', { class: 'cell-empty', x: x + j * cell, y: y + i * cell, width: cell, height: cell, fill: '#fafafa', stroke: '#e3e3e3' })];
    return [
      el('rect', { class: 'cell', 'data-row': i, 'data-col': j, x: x + j * cell, y: y + i * cell, width: cell, height: cell, fill: heatColor(v), stroke: '#ffffff' }),
      text(x + (j + 0.5) * cell, y + (i + 0.5) * cell + fontSize / 3, percent(v), { class: 'cell-value', 'text-anchor': 'middle', 'font-size': fontSize, fill: heatTextColor(v) }),
    ];
  }));
  rows.forEach((name, i) => out.push(text(x - 6, y + (i + 0.5) * cell + 4, `after ${name}`, { 'text-anchor': 'end', 'font-size': 10, fill: '#555555' })));
  // Column names wider than a cell (about 6 units a character at size 10) are slanted so they do not overlap.
  const bottom = y + rows.length * cell;
  const slant = Math.max(...names.map((n) => n.length)) * 6 > cell - 4;
  const depth = slant ? Math.max(...names.map((n) => n.length)) * 6 * Math.sin(Math.PI / 6) + 18 : 18;
  names.forEach((name, j) => {
    const cx = x + (j + 0.5) * cell, cy = bottom + 14;
    out.push(text(cx, cy, name, slant ? { 'text-anchor': 'end', transform: `rotate(-30 ${cx} ${cy - 10})`, 'font-size': 10, fill: '#555555' } : { 'text-anchor': 'middle', 'font-size': 10, fill: '#555555' }));
  });
  out.push(text(x + (names.length * cell) / 2, bottom + depth + 12, 'accuracy (%) on experience', { 'text-anchor': 'middle', fill: '#333333' }));
  return { frame: { x, y, width: names.length * cell, height: rows.length * cell + depth + 16 }, svg: out };
}
