// Rotation maps against hand-derived pixel positions and a closed-form float64 reference.
import { describe, expect, it } from 'vitest';
import { rotationMap } from '../../../nn/data/rotate.js';

/** Applies a map on the host: out[p] = Σ_k w[k,p]·img[idx[k,p]] (float64). */
function apply(map: ReturnType<typeof rotationMap>, img: ArrayLike<number>): number[] {
  const P = map.height * map.width;
  return Array.from({ length: P }, (_, p) => {
    let s = 0;
    for (let k = 0; k < map.taps; k++) s += map.weight[k * P + p]! * img[map.index[k * P + p]!]!;
    return s;
  });
}

/** Image whose pixel (r, c) holds r·W + c + 1 (0 is reserved for "outside"). */
function numbered(h: number, w: number): number[] {
  return Array.from({ length: h * w }, (_, p) => p + 1);
}

function grid(rows: string[]): number[] {
  return rows.flatMap((r) => r.split(' ').map(Number));
}

describe('rotationMap (nearest, torchvision semantics)', () => {
  it('turns an L counter-clockwise by 90°: out[i][j] = in[j][n−1−i]', () => {
    const L = grid(['0 1 0 0 0', '0 1 0 0 0', '0 1 0 0 0', '0 1 1 1 0', '0 0 0 0 0']);
    // The bar (pointing down from the corner) now points left, the foot (pointing right) up.
    const want = grid(['0 0 0 0 0', '0 0 0 1 0', '0 0 0 1 0', '1 1 1 1 0', '0 0 0 0 0']);
    expect(apply(rotationMap(5, 5, 90), L)).toEqual(want);
    // −90° undoes it; 4 × 90° is the identity (nearest maps of right angles are permutations).
    expect(apply(rotationMap(5, 5, -90), want)).toEqual(L);
  });

  it('90° on a non-square 4×6 image: out[i][j] = in[j−1][4−i] for 1 ≤ j ≤ 4, zero elsewhere', () => {
    // x = j − 2.5, y = i − 1.5; source col = −y + 2.5 = 4 − i, source row = x + 1.5 = j − 1.
    const img = numbered(4, 6);
    const want = Array.from({ length: 24 }, (_, p) => {
      const i = Math.floor(p / 6), j = p % 6;
      return j >= 1 && j <= 4 ? img[(j - 1) * 6 + (4 - i)]! : 0;
    });
    expect(apply(rotationMap(4, 6, 90), img)).toEqual(want);
  });

  it('180° on a 5×7 image flips both axes', () => {
    const img = numbered(5, 7);
    const want = Array.from({ length: 35 }, (_, p) => img[34 - p]!);
    expect(apply(rotationMap(5, 7, 180), img)).toEqual(want);
  });

  it('±45°: a single pixel lands where the inverse map says (5×5)', () => {
    // Pixel (3, 3) is (x, y) = (1, 1) from the centre. At +45° output (x, y) samples
    // col = c(x − y) + 2, row = c(x + y) + 2 with c = cos 45°; both round to 3 only for (x, y) = (1, 0)
    // and (2, 0): outputs (2, 3) and (2, 4) — the pixel turned from down-right to right.
    const img = new Array<number>(25).fill(0);
    img[3 * 5 + 3] = 1;
    const lit = (m: number[]): number[] => m.flatMap((v, p) => (v ? [p] : []));
    expect(lit(apply(rotationMap(5, 5, 45), img))).toEqual([2 * 5 + 3, 2 * 5 + 4]);
    // At −45°: col = c(x + y) + 2, row = c(y − x) + 2 → (x, y) = (0, 1), (0, 2): outputs (3, 2), (4, 2).
    expect(lit(apply(rotationMap(5, 5, -45), img))).toEqual([3 * 5 + 2, 4 * 5 + 2]);
  });

  it('breaks exact ties to even like grid_sample (6×6 at ±45°)', () => {
    // Output (3, 3): x = y = 0.5. At +45° col = c·0 + 2.5 = 2.5 exactly (the float32 products are equal
    // and cancel) → 2 (half to even; half up would give 3), row = c·1 + 2.5 = 3.21 → 3.
    const img = numbered(6, 6);
    expect(apply(rotationMap(6, 6, 45), img)[3 * 6 + 3]).toBe(3 * 6 + 2 + 1);
    // At −45°: col = c·1 + 2.5 → 3, row = c·0 + 2.5 → 2.
    expect(apply(rotationMap(6, 6, -45), img)[3 * 6 + 3]).toBe(2 * 6 + 3 + 1);
  });

  it('agrees with the closed form cos θ·x − sin θ·y + (W−1)/2 (float64) away from ties, on 28×28 and odd sizes', () => {
    for (const [h, w] of [[28, 28], [17, 17], [3, 1], [9, 14]] as const) {
      for (const deg of [45, -45, 30, 12.5, -170, 90, 360]) {
        const map = rotationMap(h, w, deg);
        const t = (deg * Math.PI) / 180;
        for (let i = 0; i < h; i++) {
          for (let j = 0; j < w; j++) {
            const x = j - w / 2 + 0.5, y = i - h / 2 + 0.5;
            const sx = Math.cos(t) * x - Math.sin(t) * y + (w - 1) / 2;
            const sy = Math.sin(t) * x + Math.cos(t) * y + (h - 1) / 2;
            // Away from ties (distance > 1e-4 from a half-integer) the float32 steps cannot change the rounding.
            const near = (v: number): boolean => Math.abs(v - Math.floor(v) - 0.5) < 1e-4;
            if (near(sx) || near(sy)) continue;
            const c = Math.round(sx), r = Math.round(sy);
            const inside = r >= 0 && r < h && c >= 0 && c < w;
            const p = i * w + j;
            expect([map.index[p], map.weight[p]], `${h}×${w} at ${deg}°, pixel (${i}, ${j})`).toEqual(inside ? [r * w + c, 1] : [0, 0]);
          }
        }
      }
    }
  });

  it('bilinear: the four weighted neighbours match float64 bilinear interpolation with zero outside', () => {
    const h = 9, w = 11, deg = 30;
    const map = rotationMap(h, w, deg, 'bilinear');
    expect(map.taps).toBe(4);
    const img = numbered(h, w).map((v) => Math.sin(v));
    const got = apply(map, img);
    const t = (deg * Math.PI) / 180;
    const at = (r: number, c: number): number => (r >= 0 && r < h && c >= 0 && c < w ? img[r * w + c]! : 0);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const x = j - w / 2 + 0.5, y = i - h / 2 + 0.5;
        const sx = Math.cos(t) * x - Math.sin(t) * y + (w - 1) / 2;
        const sy = Math.sin(t) * x + Math.cos(t) * y + (h - 1) / 2;
        const x0 = Math.floor(sx), y0 = Math.floor(sy), dx = sx - x0, dy = sy - y0;
        const want = (1 - dy) * ((1 - dx) * at(y0, x0) + dx * at(y0, x0 + 1)) + dy * ((1 - dx) * at(y0 + 1, x0) + dx * at(y0 + 1, x0 + 1));
        // The map's source coordinates are float32 (≤ 1e-6 off for |coords| < 16) and so are its
        // weights (relative 2^-24 each); |img| ≤ 1 and the 4 weights sum to ≤ 1: 1e-5 is a wide bound.
        expect(Math.abs(got[i * w + j]! - want), `pixel (${i}, ${j})`).toBeLessThan(1e-5);
      }
    }
  });

  it('names the op and the argument on bad input', () => {
    expect(() => rotationMap(0, 5, 10)).toThrow('rotate: height must be a positive integer, got 0');
    expect(() => rotationMap(5, 5, Number.NaN)).toThrow('rotate: degrees must be a finite number, got NaN');
    expect(() => rotationMap(5, 5, 10, 'bicubic' as 'nearest')).toThrow(`rotate: interpolation must be 'nearest' or 'bilinear', got "bicubic"`);
  });
});
