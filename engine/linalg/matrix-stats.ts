/**
 * Checks shared by the linear-algebra ops: argument shape and dtype, and per-row statistics of a
 * matrix read back in one go (finiteness, symmetry, norms), used for input checks and convergence.
 */
import { JACOBI_WORKGROUP, matrixRowStatsKernel } from '../../kernels/jacobi-eigh.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import type { Device } from '../device.js';
import { checkFloat, checkTensor } from '../ops/map.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Throws unless t is a float32 [rows, cols] matrix with rows, cols ≥ 1. */
export function checkMatrix(op: string, arg: string, t: unknown): Tensor {
  const m = checkTensor(op, arg, t);
  checkFloat(op, arg, m);
  if (m.rank !== 2) throw new RangeError(`${op}: ${arg} must be a 2-D matrix, got shape ${formatShape(m.shape)}`);
  if (m.size === 0) throw new RangeError(`${op}: ${arg} must not be empty, got shape ${formatShape(m.shape)}`);
  return m;
}

export interface MatrixStats {
  /** ‖A‖_F. */
  norm: number;
  /** √(Σ_{i≠j} a_ij²). */
  offNorm: number;
  /** a_ii for i < min(rows, cols). */
  diagonal: Float64Array;
  /** ‖a_i,:‖ for every row. */
  rowNorms: Float64Array;
  /** max |a_ij − a_ji| (square matrices; 0 otherwise). */
  asymmetry: number;
  /** First row holding a NaN or ±Inf, or −1. */
  badRow: number;
}

/** Encodes the row statistics kernel; returns the [rows] vec4 buffer (the caller releases it). */
export function rowStats(device: Device, buffer: GPUBuffer, rows: number, cols: number): GPUBuffer {
  const out = device.allocate(rows * 16);
  device.dispatch(matrixRowStatsKernel(), new Uint32Array([rows, cols]), [buffer, out], grid1d(rows, JACOBI_WORKGROUP));
  return out;
}

/** Row statistics of the [rows, cols] matrix in `buffer` (one dispatch, one readback). */
export async function matrixStats(device: Device, buffer: GPUBuffer, rows: number, cols: number): Promise<MatrixStats> {
  const out = rowStats(device, buffer, rows, cols);
  try {
    const s = new Float32Array(await device.read(out, rows * 16));
    let off = 0, diag2 = 0, asym = 0, badRow = -1;
    const diagonal = new Float64Array(Math.min(rows, cols));
    const rowNorms = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      off += s[4 * i]!;
      rowNorms[i] = Math.sqrt(s[4 * i]! + s[4 * i + 1]! ** 2);
      if (i < diagonal.length) { diagonal[i] = s[4 * i + 1]!; diag2 += s[4 * i + 1]! ** 2; }
      asym = Math.max(asym, s[4 * i + 2]!);
      if (s[4 * i + 3]! !== 0 && badRow < 0) badRow = i;
    }
    return { norm: Math.sqrt(off + diag2), offNorm: Math.sqrt(off), diagonal, rowNorms, asymmetry: asym, badRow };
  } finally {
    device.release(out);
  }
}

/** Throws when the matrix holds a NaN or ±Inf. */
export function checkFinite(op: string, arg: string, stats: MatrixStats): void {
  if (stats.badRow >= 0) throw new RangeError(`${op}: ${arg} holds NaN or Inf (first in row ${stats.badRow})`);
}
