/**
 * Resampling maps: for each output pixel, up to K source pixels and their weights, so that a
 * transform of a whole dataset is K gathers on the GPU (transforms.ts), computed once per angle.
 *
 * rotationMap reproduces torchvision.transforms.functional.rotate on a float32 tensor with its
 * defaults (expand=False, center=None, fill=None: zero outside the image), step by step in float32:
 *
 *  1. _get_inverse_affine_matrix(center=[0, 0], angle=−θ, translate=0, scale=1, shear=0), in float64:
 *     r = −θ·π/180, M = [cos r, sin r, 0; −sin r, cos r, 0] — the output→input map about the
 *     image centre. Positive θ turns the image counter-clockwise as displayed (row 0 at the top).
 *  2. _gen_affine_grid: output pixel (i, j) has centre-relative coordinates x = j − W/2 + 0.5,
 *     y = i − H/2 + 0.5 (exact in float32), and grid = [x, y, 1]·(float32(M)ᵀ / [W/2, H/2]):
 *     gx = x·A + y·B, gy = x·C + y·D with A = f(m00)/(W/2), B = f(m01)/(W/2), C = f(m10)/(H/2),
 *     D = f(m11)/(H/2), each product and sum rounded to float32.
 *  3. grid_sample(align_corners=False, padding zeros), as ATen's CPU kernel unnormalises:
 *     sx = (gx + 1)·(W/2) − 0.5, sy = (gy + 1)·(H/2) − 0.5 in float32; so sx ≈ cos θ·x − sin θ·y + (W−1)/2
 *     and sy ≈ sin θ·x + cos θ·y + (H−1)/2.
 *     nearest: round half to even (x86 roundps), zero unless 0 ≤ (sy, sx) < (H, W);
 *     bilinear: the four neighbours of (sy, sx) weighted (1−dy)(1−dx), (1−dy)dx, dy(1−dx), dy·dx,
 *     each neighbour outside the image contributing zero.
 * Ties in nearest (a source exactly halfway between pixels) are real: on an even-sized image at 45°
 * every pixel on a diagonal lands on one; round half to even and the float32 steps above decide them
 * as PyTorch does. (If PyTorch's BLAS fused the grid's multiply-add, a source within one float32 ulp
 * of a half-pixel could round the other way; the diagonal ties come out the same either way, since
 * the fused residue is below float32's resolution once 1 is added to gx.)
 * torchvision with an explicit fill (e.g. RandomRotation's fill=0) takes a mask path instead: the same
 * for nearest, but for bilinear it scales border pixels by their in-image coverage; we follow fill=None.
 */

export type Interpolation = 'nearest' | 'bilinear';

/**
 * out[p] = Σ_k weight[k·P + p] · in[index[k·P + p]] for each of the P = height·width output pixels.
 * A tap outside the image has weight 0 and index 0.
 */
export interface ResampleMap {
  readonly height: number;
  readonly width: number;
  readonly taps: number;
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

const f = Math.fround;

function roundHalfEven(v: number): number {
  const lo = Math.floor(v);
  const d = v - lo;
  if (d !== 0.5) return d < 0.5 ? lo : lo + 1;
  return lo % 2 === 0 ? lo : lo + 1;
}

export function checkSize(op: string, height: number, width: number): void {
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${op}: ${name} must be a positive integer, got ${v}`);
  }
}

/** Source coordinates (sx, sy) of every output pixel, in float32 as torchvision computes them. */
function rotationSources(height: number, width: number, degrees: number): { sx: Float64Array; sy: Float64Array } {
  const r = -degrees * (Math.PI / 180);
  const cos = Math.cos(r), sin = Math.sin(r);
  const hw = width / 2, hh = height / 2;
  const a = f(f(cos) / hw), b = f(f(sin) / hw);
  const c = f(f(-sin) / hh), d = f(f(cos) / hh);
  const sx = new Float64Array(height * width);
  const sy = new Float64Array(height * width);
  for (let i = 0; i < height; i++) {
    const y = i - hh + 0.5;
    for (let j = 0; j < width; j++) {
      const x = j - hw + 0.5;
      const gx = f(f(x * a) + f(y * b));
      const gy = f(f(x * c) + f(y * d));
      sx[i * width + j] = f(f(f(gx + 1) * hw) - 0.5);
      sy[i * width + j] = f(f(f(gy + 1) * hh) - 0.5);
    }
  }
  return { sx, sy };
}

/**
 * The map of a rotation by `degrees` (counter-clockwise) about the centre of height×width images,
 * zero outside: one tap for 'nearest' (the default, torchvision's), four for 'bilinear'.
 */
export function rotationMap(height: number, width: number, degrees: number, interpolation: Interpolation = 'nearest'): ResampleMap {
  checkSize('rotate', height, width);
  if (!Number.isFinite(degrees)) throw new RangeError(`rotate: degrees must be a finite number, got ${degrees}`);
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') {
    throw new RangeError(`rotate: interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(interpolation)}`);
  }
  const P = height * width;
  const { sx, sy } = rotationSources(height, width, degrees);
  const taps = interpolation === 'nearest' ? 1 : 4;
  const index = new Int32Array(taps * P);
  const weight = new Float32Array(taps * P);
  const put = (k: number, p: number, row: number, col: number, w: number): void => {
    if (row < 0 || row >= height || col < 0 || col >= width) return; // index 0, weight 0
    index[k * P + p] = row * width + col;
    weight[k * P + p] = w;
  };
  for (let p = 0; p < P; p++) {
    if (taps === 1) {
      put(0, p, roundHalfEven(sy[p]!), roundHalfEven(sx[p]!), 1);
      continue;
    }
    const x0 = Math.floor(sx[p]!), y0 = Math.floor(sy[p]!);
    const dx = f(sx[p]! - x0), dy = f(sy[p]! - y0);
    const ex = f(1 - dx), ey = f(1 - dy);
    put(0, p, y0, x0, f(ey * ex));
    put(1, p, y0, x0 + 1, f(ey * dx));
    put(2, p, y0 + 1, x0, f(dy * ex));
    put(3, p, y0 + 1, x0 + 1, f(dy * dx));
  }
  return { height, width, taps, index, weight };
}
