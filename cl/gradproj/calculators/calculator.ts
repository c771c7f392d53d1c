/**
 * A projection calculator turns the inputs a layer saw during projComputation into the projector P
 * [d, d] that its weight gradients are multiplied by on the right (G·P). One calculator per layer.
 * State is data: named tensors plus a JSON record, for checkpoints.
 */
import type { Tensor } from '../../../engine/index.js';
import type { TensorLike } from '../../../nn/assign.js';

/** Where a convolution's patches come from: its input x [N, C, H, W] and window. */
export interface PatchSource {
  x: Tensor;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

export interface CalculatorState {
  tensors: Record<string, Tensor>;
  record: Record<string, unknown>;
}

/** A state to load: state()'s output, or its tensors as host arrays (nn.io). Loading copies them. */
export interface LoadableCalculatorState {
  tensors: Record<string, TensorLike>;
  record: Record<string, unknown>;
}

export interface ProjectionCalculator {
  /** Class name as in orthocl, for reports and checkpoints. */
  readonly kind: string;
  /** Rows [m, d] of layer inputs (Linear: input rows; Conv2d: unfolded patches). Stays on the GPU. */
  registerInput(rows: Tensor): void;
  /**
   * Optional: the same as registerInput(unfoldRows(x)) for a convolution's patches, taken straight
   * from its input (calculators that need only the patch covariance skip the patch matrix).
   */
  registerPatches?(patches: PatchSource): void;
  /** The projector after the task's inputs were registered; null means "do not project". */
  computeProjection(): Promise<Tensor | null>;
  /**
   * Optional: U [d, k] with orthonormal columns when the last computed projector is P = I − U·Uᵀ,
   * as a new tensor the caller owns (X·P = X − (X·U)·Uᵀ costs 2k/d of X·P); null when unknown.
   */
  complementBasis?(): Tensor | null;
  state(): CalculatorState;
  /** Restores a state, copying its tensors (its own state() included: the source stays usable). */
  loadState(state: LoadableCalculatorState): void;
  /** An independent copy: the same hyperparameters and state, its own tensors. */
  clone(): ProjectionCalculator;
  dispose(): void;
}

/** Throws unless rows is [m, d] with the layer's d. */
export function checkRows(kind: string, rows: Tensor, d: number | null): number {
  if (rows.rank !== 2) throw new RangeError(`${kind}.registerInput: rows must be [m, d], got [${rows.shape.join(', ')}]`);
  const cols = rows.shape[1]!;
  if (d !== null && cols !== d) throw new RangeError(`${kind}.registerInput: rows have ${cols} features, this layer's calculator has seen ${d}`);
  return cols;
}
