/** Numbers as the plots print them: accuracies in %, differences in points, both with one decimal. */

/** 0.9765 → `97.6` (no unit: cells and bars). */
export const percent = (v: number): string => (100 * v).toFixed(1);

/** −0.006 → `−0.6 pts` (a real minus sign); null (not defined for this run) → `n/a`. */
export const points = (v: number | null): string => (v === null ? 'n/a' : `${percent(v).replace('-', '−')} pts`);
