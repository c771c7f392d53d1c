/** Linear scales and "nice" tick values: data coordinates to SVG coordinates. */

/** Maps [d0, d1] linearly onto [r0, r1]; a domain of zero width maps everything to the range's middle. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/**
 * About `count` round values covering [lo, hi]: steps of 1, 2 or 5 × 10ᵏ (step = the smallest of those
 * ≥ (hi − lo) / count), from the first multiple ≥ lo to the last ≤ hi.
 */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const base = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * base).find((s) => s >= raw)!;
  // Each tick as an integer m times 10ᵏ, divided by 10⁻ᵏ when k < 0 so that 3 × 0.1 reads 0.3, not 0.30000000000000004 (+ 0 turns −0 into 0).
  const ofMultiple = (m: number) => (base < 1 ? m / Math.round(1 / base) : m * base) + 0;
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(ofMultiple(Math.round((k * step) / base)));
  return out;
}

/** [min, max] of the values, widened a little (5 %) so that no point sits on the frame; [v − 1, v + 1] for one value. */
export function extent(values: readonly number[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError(`plots: expected finite values to scale, got ${values.length ? `${lo}…${hi}` : 'none'}`);
  const pad = hi > lo ? 0.05 * (hi - lo) : 1;
  return [lo - pad, hi + pad];
}
