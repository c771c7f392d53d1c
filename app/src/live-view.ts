/**
 * The live figures while a run trains, as SVG text: every task's accuracy against the training step
 * (one line per evaluated experience, dashed lines where a new experience starts), and the accuracy
 * matrix so far as a heatmap (rows not yet trained are left empty). cl.plots draws the finished run
 * (plotResult); these two draw a run in progress, which that figure cannot (it needs every row), and
 * are kept apart here so that they can be swapped for cl.plots functions once those draw partial runs.
 */

export interface LiveState {
  /** The evaluated experiences' names (the matrix's columns, one line each). */
  experiences: readonly string[];
  /** The training experiences' names (the matrix's rows; joint training has one). */
  trained: readonly string[];
  /** Evaluations in step order: the untrained model at step 0, the app's live ones, each experience's end. */
  points: readonly { step: number; acc: readonly number[] }[];
  /** The step at which each training experience started (its index in the list is the experience). */
  starts: readonly number[];
  /** The accuracy matrix so far (row i: after training experience i). */
  matrix: readonly (readonly number[])[];
  /** Projection methods: the protected share of each projected layer's input space after each finished experience. */
  protectedShare?: readonly (readonly number[])[] | null;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (v: number) => (Math.round(v * 10) / 10).toString();
/** Evenly spaced hues, one per task. */
const hue = (j: number, n: number) => `hsl(${Math.round((360 * j) / Math.max(n, 1) + 210) % 360} 65% 42%)`;

/** Accuracy (y, 0–100 %) against the step (x) for every experience. */
export function liveCurves(s: LiveState, width = 560, height = 300): string {
  const m = { left: 44, right: 12, top: 12, bottom: 58 };
  const w = width - m.left - m.right, h = height - m.top - m.bottom;
  const last = Math.max(1, ...s.points.map((p) => p.step));
  const x = (step: number) => m.left + (w * step) / last;
  const y = (acc: number) => m.top + h * (1 - acc);
  // Legend entries 130 units apart, as many per row as fit.
  const perRow = Math.max(1, Math.floor(w / 130));
  const out: string[] = [];
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#e3e3e3"/>`,
      `<text x="${m.left - 6}" y="${f(y(v) + 4)}" text-anchor="end" font-size="10" fill="#555">${100 * v}</text>`);
  }
  s.starts.forEach((step, i) => {
    if (step > 0) out.push(`<line class="boundary" x1="${f(x(step))}" x2="${f(x(step))}" y1="${m.top}" y2="${m.top + h}" stroke="#999" stroke-dasharray="4 3"/>`);
  });
  out.push(`<text x="${m.left + w / 2}" y="${height - 30}" text-anchor="middle" font-size="11" fill="#333">training step (${last})</text>`);
  s.experiences.forEach((name, j) => {
    const pts = s.points.map((p) => `${f(x(p.step))},${f(y(p.acc[j]!))}`);
    if (pts.length) out.push(`<polyline class="curve" data-task="${esc(name)}" points="${pts.join(' ')}" fill="none" stroke="${hue(j, s.experiences.length)}" stroke-width="2"/>`);
    const lx = m.left + (j % perRow) * (w / perRow), ly = height - 12 + 14 * Math.floor(j / perRow);
    out.push(`<rect x="${f(lx)}" y="${ly - 8}" width="10" height="10" fill="${hue(j, s.experiences.length)}"/>`,
      `<text x="${f(lx + 14)}" y="${ly + 1}" font-size="10" fill="#333">on ${esc(name)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 14 * Math.floor((s.experiences.length - 1) / perRow)}" font-family="system-ui, sans-serif">${out.join('')}</svg>`;
}

/** The matrix so far: cell (i, j) shaded white → blue by accuracy, its value in %. */
export function liveHeatmap(s: LiveState, cell = 44): string {
  const n = s.experiences.length, rows = s.trained.length;
  const left = 90, top = 8;
  // Column names slanted, so that long ones do not run into each other.
  const out = s.experiences.map((name, j) => {
    const x = left + (j + 0.5) * cell, y = top + rows * cell + 12;
    return `<text x="${x}" y="${y}" text-anchor="end" font-size="10" fill="#555" transform="rotate(-35 ${x} ${y})">${esc(name)}</text>`;
  });
  s.trained.forEach((name, i) => {
    out.push(`<text x="${left - 6}" y="${top + (i + 0.5) * cell + 4}" text-anchor="end" font-size="10" fill="#555">after ${esc(name)}</text>`);
    for (let j = 0; j < n; j++) {
      const v = s.matrix[i]?.[j];
      // White (0) → #08306b (1), linearly per channel.
      const shade = v === undefined ? '#fafafa' : `rgb(${[247, 251, 255].map((a, k) => Math.round(a + ([8, 48, 107][k]! - a) * v)).join(',')})`;
      out.push(`<rect class="${v === undefined ? 'empty' : 'cell'}" data-row="${i}" data-col="${j}"${v === undefined ? '' : ` data-value="${v}"`} x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${shade}" stroke="#fff"/>`);
      if (v !== undefined) out.push(`<text x="${left + (j + 0.5) * cell}" y="${top + (i + 0.5) * cell + 4}" text-anchor="middle" font-size="11" fill="${v > 0.55 ? '#fff' : '#1b1b1b'}">${(100 * v).toFixed(1)}</text>`);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + n * cell + 8}" height="${top + rows * cell + 70}" font-family="system-ui, sans-serif">${out.join('')}</svg>`;
}

/** Projection methods: a table of the protected share of each layer's input space after each experience ('' otherwise). */
export function liveProtection(s: LiveState): string {
  const rows = s.protectedShare;
  if (!rows?.length) return '';
  const head = rows[0]!.map((_, l) => `<th>layer ${l + 1}</th>`).join('');
  const body = rows.map((row, i) => `<tr><th>after ${esc(s.trained[i] ?? String(i + 1))}</th>${row.map((v) => `<td>${(100 * v).toFixed(1)} %</td>`).join('')}</tr>`).join('');
  return `<table class="protection"><caption>Share of each projected layer's input space protected (1 − tr(P)/d)</caption><tr><th></th>${head}</tr>${body}</table>`;
}
