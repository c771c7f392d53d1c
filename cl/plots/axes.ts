/** A panel's frame and its axes: grid lines with tick labels on the left, labelled ticks along the bottom. */
import { el, text } from './svg.js';

/** A panel's plotting area in SVG units (the axes' labels go outside it). */
export interface Frame { x: number; y: number; width: number; height: number }

export interface Tick { value: number; label: string }

/** Horizontal grid lines at the ticks, their labels left of the frame, and the axis title rotated beside them. */
export function yAxis(frame: Frame, scale: (v: number) => number, ticks: readonly Tick[], title: string): string[] {
  const out = ticks.flatMap((t) => [
    el('line', { x1: frame.x, x2: frame.x + frame.width, y1: scale(t.value), y2: scale(t.value), stroke: '#e3e3e3' }),
    text(frame.x - 6, scale(t.value) + 4, t.label, { 'text-anchor': 'end', fill: '#555555', 'font-size': 10 }),
  ]);
  const cy = frame.y + frame.height / 2;
  out.push(text(frame.x - 40, cy, title, { 'text-anchor': 'middle', transform: `rotate(-90 ${frame.x - 40} ${cy})`, fill: '#333333' }));
  return out;
}

/** The frame's bottom edge, tick marks with labels below it, and the axis title under them. */
export function xAxis(frame: Frame, scale: (v: number) => number, ticks: readonly Tick[], title: string): string[] {
  const bottom = frame.y + frame.height;
  return [
    el('line', { x1: frame.x, x2: frame.x + frame.width, y1: bottom, y2: bottom, stroke: '#888888' }),
    ...ticks.flatMap((t) => [
      el('line', { x1: scale(t.value), x2: scale(t.value), y1: bottom, y2: bottom + 4, stroke: '#888888' }),
      text(scale(t.value), bottom + 16, t.label, { 'text-anchor': 'middle', fill: '#555555', 'font-size': 10 }),
    ]),
    text(frame.x + frame.width / 2, bottom + 32, title, { 'text-anchor': 'middle', fill: '#333333' }),
  ];
}

/** Rows of a legend are this far apart. */
export const LEGEND_ROW = 16;

/** A row of coloured swatches with names, starting at (x, y), wrapping before maxWidth; `rows`: how many it took. */
export function legend(x: number, y: number, maxWidth: number, entries: readonly { name: string; color: string }[]): { elements: string[]; rows: number } {
  const elements: string[] = [];
  let cx = x, cy = y;
  for (const { name, color } of entries) {
    const w = 22 + 7 * name.length;
    if (cx > x && cx + w > x + maxWidth) { cx = x; cy += LEGEND_ROW; }
    elements.push(el('rect', { x: cx, y: cy - 8, width: 10, height: 10, fill: color }), text(cx + 14, cy + 1, name, { 'font-size': 11, fill: '#333333' }));
    cx += w;
  }
  return { elements, rows: 1 + (cy - y) / LEGEND_ROW };
}
