/** Tensor factories. Values from a seeded Generator are made on the host, so every device agrees. */
import { getDevice, type Device } from '../device.js';
import { defaultGenerator, type Generator } from '../random.js';
import { checkShape, formatShape, sizeOf } from '../shape.js';
import { emptyTensor, type DType, type Tensor } from '../tensor.js';
import { runMap } from './map.js';

export interface CreateOptions {
  requiresGrad?: boolean;
  dtype?: DType;
  device?: Device;
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

type NestedNumbers = number | readonly NestedNumbers[];

function inferShape(data: NestedNumbers): number[] {
  const shape: number[] = [];
  let cur: NestedNumbers = data;
  while (Array.isArray(cur)) { shape.push(cur.length); cur = cur[0] as NestedNumbers; }
  return shape;
}

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor from host data: a typed array or flat list with `shape`, or nested lists (shape inferred).
 * `tensor(labels, [n], {dtype: 'int32'})` for class indices.
 */
export function tensor(data: ArrayLike<number> | NestedNumbers, shape?: readonly number[], opts: CreateOptions = {}): Tensor {
  const nested = Array.isArray(data) && Array.isArray(data[0]);
  const flat: ArrayLike<number> = typeof data === 'number' ? [data] : nested ? (data as unknown[]).flat(Infinity) as number[] : data as ArrayLike<number>;
  const s = shape ?? (typeof data === 'number' ? [] : nested ? inferShape(data as NestedNumbers) : [flat.length]);
  checkShape('tensor', s);
  if (sizeOf(s) !== flat.length) {
    throw new RangeError(`tensor: data has ${flat.length} values but shape ${formatShape(s)} needs ${sizeOf(s)}`);
  }
  const dtype = opts.dtype ?? 'float32';
  const device = opts.device ?? getDevice();
  const t = emptyTensor(device, s, dtype, true);
  if (flat.length) {
    const host = dtype === 'int32' ? Int32Array.from(flat) : flat instanceof Float32Array ? flat : Float32Array.from(flat);
    device.upload(t.buffer, host);
  }
  return finish(t, opts);
}

/** Constants of at most this many values are written from the host (no dispatch). */
const UPLOADED_CONSTANT = 256;

/**
 * Every element = value. Small constants (a backward's scalar seed, a bias) are written with one
 * queue write, which costs microseconds where a fill dispatch costs ≈ 50 µs on lavapipe; larger ones
 * are filled on the GPU.
 */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  if (typeof value !== 'number') throw new TypeError(`full: value must be a number, got ${typeof value}`);
  const device = opts.device ?? getDevice();
  const n = sizeOf(shape);
  if (n > UPLOADED_CONSTANT) return finish(runMap('full', 'p.alpha', [], { alpha: value, shape, device, outDtype: opts.dtype }), opts);
  const dtype = opts.dtype ?? 'float32';
  const t = emptyTensor(device, shape, dtype, true);
  if (n > 0) device.upload(t.buffer, (dtype === 'int32' ? new Int32Array(n) : new Float32Array(n)).fill(value));
  return finish(t, opts);
}

export const zeros = (shape: readonly number[], opts: CreateOptions = {}): Tensor => full(shape, 0, opts);
export const ones = (shape: readonly number[], opts: CreateOptions = {}): Tensor => full(shape, 1, opts);

/** Uniform in [low, high). */
export function rand(shape: readonly number[], opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape('rand', shape);
  const g = opts.generator ?? defaultGenerator();
  const lo = opts.low ?? 0, hi = opts.high ?? 1;
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * g.uniform();
  return tensor(data, shape, { ...opts, dtype: 'float32' });
}

/** Normal with the given mean and std (default standard normal). */
export function randn(shape: readonly number[], opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape('randn', shape);
  const g = opts.generator ?? defaultGenerator();
  const m = opts.mean ?? 0, sd = opts.std ?? 1;
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = m + sd * g.normal();
  return tensor(data, shape, { ...opts, dtype: 'float32' });
}

/** start, start+step, ... below end (one argument: 0..end−1). */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  const [a, b] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a finite nonzero number, got ${step}`);
  const n = Math.max(0, Math.ceil((b - a) / step));
  return tensor(Array.from({ length: n }, (_, i) => a + i * step), [n], opts);
}

/** n×m identity (m defaults to n). */
export function eye(n: number, m = n, opts: CreateOptions = {}): Tensor {
  checkShape('eye', [n, m]);
  const data = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return tensor(data, [n, m], opts);
}
