/**
 * Runs the elementwise map kernel: checks inputs, broadcasts, coalesces dimensions, packs the
 * params uniform. Ops in elementwise.ts are thin wrappers that add their backward rule.
 */
import { MAP_MAX_RANK, MAP_WORKGROUP, mapGrid, mapKernel } from '../../kernels/elementwise.wgsl.js';
import { grid1d } from '../../kernels/spec.js';
import type { Device } from '../device.js';
import { broadcastShapes, formatShape, stridesOf } from '../shape.js';
import { emptyTensor, type DType, type Tensor } from '../tensor.js';

// The Tensor argument checks live with the other argument checks; the ops import them from here.
export { checkFloat, checkSameDevice, checkTensor } from '../check.js';

/**
 * Merges adjacent output dimensions where every input is either contiguous across both or broadcast
 * across both; returns the coalesced shape and per-input strides (0 = broadcast).
 */
function coalesce(outShape: readonly number[], inShapes: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const rank = outShape.length;
  const full = inShapes.map((s) => {
    const padded = [...new Array<number>(rank - s.length).fill(1), ...s];
    const st = stridesOf(padded);
    return padded.map((d, i) => (d === 1 && outShape[i] !== 1 ? 0 : st[i]!));
  });
  const shape: number[] = [];
  const strides: number[][] = inShapes.map(() => []);
  for (let d = 0; d < rank; d++) {
    const size = outShape[d]!;
    if (size === 1) continue;
    const last = shape.length - 1;
    const mergeable = last >= 0 && full.every((st, k) => strides[k]![last] === st[d]! * size);
    if (mergeable) {
      shape[last]! *= size;
      full.forEach((st, k) => { strides[k]![last] = st[d]!; });
    } else {
      shape.push(size);
      full.forEach((st, k) => strides[k]!.push(st[d]!));
    }
  }
  return { shape, strides };
}

export interface MapOptions {
  alpha?: number;
  beta?: number;
  outDtype?: DType;
  /** Needed when there are no inputs (a fill). */
  device?: Device;
  /** Output shape, broadcast with the inputs' shapes (a fill's shape, or broadcastTo's target). */
  shape?: readonly number[];
}

/** out = expr(inputs...) with broadcasting; no autograd (callers record). */
export function runMap(op: string, expr: string, inputs: readonly Tensor[], opts: MapOptions = {}): Tensor {
  const shapes = inputs.map((t) => t.shape);
  if (opts.shape) shapes.push(opts.shape);
  const outShape = shapes.reduce((a, b) => broadcastShapes(op, a, b), []);
  const device = inputs[0]?.device ?? opts.device!;
  for (const t of inputs) {
    if (t.device !== device) throw new Error(`${op}: inputs live on different devices`);
  }
  const out = emptyTensor(device, outShape, opts.outDtype ?? 'float32');
  if (out.size === 0) return out;
  const sameShape = inputs.every((t) => t.size === out.size);
  const { shape, strides } = sameShape ? { shape: [out.size], strides: inputs.map(() => [1]) } : coalesce(outShape, inputs.map((t) => t.shape));
  if (shape.length > MAP_MAX_RANK) {
    throw new RangeError(`${op}: broadcasting ${inputs.map((t) => formatShape(t.shape)).join(' and ')} needs ${shape.length} dimensions, at most ${MAP_MAX_RANK} are supported`);
  }
  const { runsPerRow, invocations } = mapGrid(out.size, shape[shape.length - 1]!);
  const params = new ArrayBuffer(160);
  const u = new Uint32Array(params);
  const f = new Float32Array(params);
  u[0] = invocations;
  u[1] = shape.length;
  f[2] = opts.alpha ?? 0;
  f[3] = opts.beta ?? 0;
  u[4] = runsPerRow;
  shape.forEach((d, i) => { u[8 + i] = d; });
  strides.forEach((st, k) => st.forEach((s, i) => { u[16 + 8 * k + i] = s; }));
  const spec = mapKernel({
    expr,
    arity: inputs.length as 0 | 1 | 2 | 3,
    intInputs: inputs.map((t) => t.dtype === 'int32'),
    outInt: out.dtype === 'int32',
  });
  device.dispatch(spec, u, [...inputs.map((t) => t.buffer), out.buffer], grid1d(invocations, MAP_WORKGROUP));
  return out;
}
