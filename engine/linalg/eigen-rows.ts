/** What the Jacobi method hands back before the final sort-and-gather (eigh.ts). */
export interface EigenRows {
  method: 'jacobi';
  /** Eigenvalue of each row of `buffer`, in row order (entries past n are padding). */
  values: ArrayLike<number>;
  /** Eigenvectors as rows (unnormalised) of a [rows, stride] float32 matrix, first n entries. */
  buffer: GPUBuffer;
  rows: number;
  stride: number;
  /** Jacobi sweeps run. */
  sweeps: number;
  /** Off-diagonal norm left when the method stopped, relative to ‖A‖_F. */
  offNorm: number;
  /** Frees `buffer`. */
  release(): void;
}
