/** Tensor factories. Values from a seeded Generator are made on the host, so every device agrees. */
import { getDevice, type Device } from '../device.js';
import { defaultGenerator, type Generator } from '../random.js';
import { checkBoolean, checkDType, checkNumber, checkOptions, describe } from '../check.js';
import { checkShape, formatShape, sizeOf } from '../shape.js';
import { emptyTensor, type DType, type Tensor } from '../tensor.js';
import { INT32_RANGE, isInt32, readHostData, toHostArray, type NestedNumbers } from './host-data.js';
import { runMap } from './map.js';

export interface CreateOptions {
  requiresGrad?: boolean;
  dtype?: DType;
  device?: Device;
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

const CREATE_OPTIONS = ['requiresGrad', 'dtype', 'device'] as const;

/** The options of a factory, checked before anything is allocated: known keys only, a dtype the engine has. */
function createOptions<T extends CreateOptions>(op: string, opts: T | undefined, extra: readonly string[] = []): Partial<T> & { dtype: DType } {
  const o = checkOptions(op, opts, [...CREATE_OPTIONS, ...extra]);
  const dtype = checkDType(op, 'options.dtype', o.dtype ?? 'float32');
  if (o.requiresGrad !== undefined && checkBoolean(op, 'options.requiresGrad', o.requiresGrad) && dtype !== 'float32') {
    throw new TypeError(`${op}: options.requiresGrad needs dtype float32 (only float32 tensors can require gradients), got dtype ${dtype}`);
  }
  return { ...o, dtype };
}

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor from host data: a typed array or flat list with `shape`, or nested lists (shape inferred).
 * `tensor(labels, [n], {dtype: 'int32'})` for class indices. Entries must be numbers (NaN and ±∞ are
 * float32 data); int32 entries must be integers that fit.
 */
export function tensor(data: ArrayLike<number> | NestedNumbers, shape?: readonly number[], opts?: CreateOptions): Tensor {
  const o = createOptions('tensor', opts);
  const host = readHostData('tensor', data);
  const s = shape ?? host.shape;
  checkShape('tensor', s);
  if (sizeOf(s) !== host.flat.length) {
    throw new RangeError(`tensor: data has ${host.flat.length} values but shape ${formatShape(s)} needs ${sizeOf(s)}`);
  }
  const values = toHostArray('tensor', host, o.dtype);
  const device = o.device ?? getDevice();
  const t = emptyTensor(device, s, o.dtype, true);
  if (values.length) device.upload(t.buffer, values);
  return finish(t, o);
}

/** Constants of at most this many values are written from the host (no dispatch). */
const UPLOADED_CONSTANT = 256;

/**
 * Every element = value. Small constants (a backward's scalar seed, a bias) are written with one
 * queue write, which costs microseconds where a fill dispatch costs ≈ 50 µs on lavapipe; larger
 * float32 ones are filled on the GPU. int32 fills are always written from the host: the fill kernel
 * takes its value as an f32 uniform, exact only up to 2²⁴ (16777217 would become 16777216).
 */
export function full(shape: readonly number[], value: number, opts?: CreateOptions): Tensor {
  return fill('full', shape, value, opts);
}

export const zeros = (shape: readonly number[], opts?: CreateOptions): Tensor => fill('zeros', shape, 0, opts);
export const ones = (shape: readonly number[], opts?: CreateOptions): Tensor => fill('ones', shape, 1, opts);

/** full(), its errors in the words of `op` (the factory the caller called). */
function fill(op: string, shape: readonly number[], value: number, opts?: CreateOptions): Tensor {
  const o = createOptions(op, opts);
  checkShape(op, shape);
  if (typeof value !== 'number') throw new TypeError(`${op}: value must be a number, got ${describe(value)}`);
  if (o.dtype === 'int32' && !isInt32(value)) throw new RangeError(`${op}: value must be ${INT32_RANGE}, got ${value}`);
  const device = o.device ?? getDevice();
  const n = sizeOf(shape);
  if (o.dtype === 'float32' && n > UPLOADED_CONSTANT) return finish(runMap(op, 'p.alpha', [], { alpha: value, shape, device }), o);
  const t = emptyTensor(device, shape, o.dtype, true);
  if (n > 0) device.upload(t.buffer, (o.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n)).fill(value));
  return finish(t, o);
}

/** Random samples are real numbers: an int32 result would need a rule for rounding them. */
function randomOptions<T extends RandomOptions>(op: string, opts: T | undefined, extra: readonly string[], what: string): Partial<T> & { dtype: DType } {
  const o = createOptions(op, opts, ['generator', ...extra]);
  checkDType(op, 'options.dtype', o.dtype, ['float32'], `${what} samples are real numbers; cast() the result for integers`);
  return o;
}

/** The random factories' float32 data as a tensor with the caller's device and requiresGrad. */
const fromSamples = (data: Float32Array, shape: readonly number[], o: CreateOptions) =>
  tensor(data, shape, { requiresGrad: o.requiresGrad, device: o.device });

/** Uniform in [low, high). */
export function rand(shape: readonly number[], opts?: RandomOptions & { low?: number; high?: number }): Tensor {
  const o = randomOptions('rand', opts, ['low', 'high'], 'uniform');
  checkShape('rand', shape);
  const lo = checkNumber('rand', 'options.low', o.low ?? 0);
  const hi = checkNumber('rand', 'options.high', o.high ?? 1);
  if (lo > hi) throw new RangeError(`rand: options.low (${lo}) must be ≤ options.high (${hi})`);
  const g = o.generator ?? defaultGenerator();
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * g.uniform();
  return fromSamples(data, shape, o);
}

/** Normal with the given mean and std (default standard normal). */
export function randn(shape: readonly number[], opts?: RandomOptions & { mean?: number; std?: number }): Tensor {
  const o = randomOptions('randn', opts, ['mean', 'std'], 'normal');
  checkShape('randn', shape);
  const m = checkNumber('randn', 'options.mean', o.mean ?? 0);
  const sd = checkNumber('randn', 'options.std', o.std ?? 1, { min: 0 });
  const g = o.generator ?? defaultGenerator();
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = m + sd * g.normal();
  return fromSamples(data, shape, o);
}

/** start, start+step, ... below end (one argument: 0..end−1); for int32, start and step are integers. */
export function arange(start: number, end?: number, step = 1, opts?: CreateOptions): Tensor {
  const { dtype } = createOptions('arange', opts);
  const [a, b] = end === undefined ? [0, start] : [start, end];
  if (end !== undefined) checkNumber('arange', 'start', a);
  checkNumber('arange', 'end', b);
  checkNumber('arange', 'step', step);
  if (step === 0) throw new RangeError('arange: step must be a finite nonzero number, got 0');
  const n = Math.max(0, Math.ceil((b - a) / step));
  const last = a + (n - 1) * step;
  if (dtype === 'int32' && n > 0 && !(isInt32(a) && isInt32(step) && isInt32(last))) {
    throw new RangeError(`arange: start ${a}, step ${step} and the last value ${last} must be integers in int32's range for dtype int32`);
  }
  return tensor(Array.from({ length: n }, (_, i) => a + i * step), [n], opts);
}

/** n×m identity (m defaults to n). */
export function eye(n: number, m = n, opts?: CreateOptions): Tensor {
  createOptions('eye', opts);
  checkShape('eye', [n, m]);
  const data = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return tensor(data, [n, m], opts);
}
