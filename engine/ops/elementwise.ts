/**
 * Elementwise ops with broadcasting, each a WGSL expression for the map kernel plus a backward rule
 * written in ops. Scalars (numbers) ride in the params uniform: `add(x, 1)` is one dispatch.
 */
import { record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';
import { checkDType, checkNumber } from '../check.js';
import { checkFloat, checkSameDevice, checkTensor, runMap } from './map.js';
import { full } from './creation.js';

type Operand = Tensor | number;

function operand(op: string, arg: string, v: Operand): Tensor | number {
  if (typeof v === 'number') return v;
  const t = checkTensor(op, arg, v);
  checkFloat(op, arg, t);
  return t;
}

/** The tensor of an operand, null for a number (for the checks that concern tensors only). */
const tensorOf = (v: Tensor | number): Tensor | null => (typeof v === 'number' ? null : v);

/** Unary map with autograd; `grad(g, x, y)` gives dL/dx from dL/dy. */
function unary(op: string, expr: string, x: Tensor, grad: (g: Tensor, x: Tensor, y: Tensor) => Tensor, alpha = 0, beta = 0): Tensor {
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  const y = runMap(op, expr, [x], { alpha, beta });
  return record(y, op, [x], (g) => [grad(g, x, y)]);
}

/**
 * Binary map with autograd. `expr` uses x0, x1; a number operand becomes p.alpha in `exprScalar*`.
 * Gradients are summed back to each input's shape (unbroadcast).
 */
interface BinaryDef {
  expr: string;
  /** Expressions when b (or a) is a scalar in p.alpha. */
  exprB: string;
  exprA: string;
  da: (g: Tensor, a: Operand, b: Operand, y: Tensor) => Tensor;
  db: (g: Tensor, a: Operand, b: Operand, y: Tensor) => Tensor;
}

function binary(op: string, def: BinaryDef, a: Operand, b: Operand): Tensor {
  const ta = operand(op, 'a', a);
  const tb = operand(op, 'b', b);
  if (typeof ta === 'number' && typeof tb === 'number') {
    throw new TypeError(`${op}: at least one operand must be a Tensor, got two numbers`);
  }
  checkSameDevice(op, { a: tensorOf(ta), b: tensorOf(tb) });
  let y: Tensor;
  if (typeof tb === 'number') y = runMap(op, def.exprB, [ta as Tensor], { alpha: tb });
  else if (typeof ta === 'number') y = runMap(op, def.exprA, [tb], { alpha: ta });
  else y = runMap(op, def.expr, [ta, tb]);
  const inputs = [ta, tb].filter((t): t is Tensor => typeof t !== 'number');
  return record(y, op, inputs, (g) => {
    const grads: Tensor[] = [];
    if (typeof ta !== 'number') grads.push(sumTo(def.da(g, ta, tb, y), ta.shape));
    if (typeof tb !== 'number') grads.push(sumTo(def.db(g, ta, tb, y), tb.shape));
    return grads;
  });
}

// ---- binary arithmetic -------------------------------------------------------------------------

/** a + b */
export function add(a: Operand, b: Operand): Tensor {
  return binary('add', { expr: 'x0 + x1', exprB: 'x0 + p.alpha', exprA: 'p.alpha + x0', da: (g) => g, db: (g) => g }, a, b);
}

/** a − b */
export function sub(a: Operand, b: Operand): Tensor {
  return binary('sub', { expr: 'x0 - x1', exprB: 'x0 - p.alpha', exprA: 'p.alpha - x0', da: (g) => g, db: (g) => neg(g) }, a, b);
}

/** a · b; d/da = g·b, d/db = g·a */
export function mul(a: Operand, b: Operand): Tensor {
  return binary('mul', {
    expr: 'x0 * x1', exprB: 'x0 * p.alpha', exprA: 'p.alpha * x0',
    da: (g, _a, b) => mul(g, b), db: (g, a) => mul(g, a),
  }, a, b);
}

/** a / b; d/da = g/b, d/db = −g·a/b² = −g·y/b */
export function div(a: Operand, b: Operand): Tensor {
  return binary('div', {
    expr: 'x0 / x1', exprB: 'x0 / p.alpha', exprA: 'p.alpha / x0',
    da: (g, _a, b) => div(g, b), db: (g, _a, b, y) => neg(div(mul(g, y), b)),
  }, a, b);
}

/** a^b (real-valued for negative a and integer b); d/da = g·b·a^(b−1), d/db = g·y·ln a */
export function pow(a: Operand, b: Operand): Tensor {
  return binary('pow', {
    expr: 'powf(x0, x1)', exprB: 'powf(x0, p.alpha)', exprA: 'powf(p.alpha, x0)',
    da: (g, a, b) => mul(g, mul(b, pow(a, typeof b === 'number' ? b - 1 : sub(b, 1)))),
    db: (g, a, _b, y) => mul(g, mul(y, typeof a === 'number' ? Math.log(a) : log(a))),
  }, a, b);
}

/** max(a, b) elementwise, NaN where either is NaN (as PyTorch); the gradient goes to a where a ≥ b. */
export function maximum(a: Operand, b: Operand): Tensor {
  return binary('maximum', {
    expr: 'maxNan(x0, x1)', exprB: 'maxNan(x0, p.alpha)', exprA: 'maxNan(p.alpha, x0)',
    da: (g, a, b) => mul(g, ge(a, b)), db: (g, a, b) => mul(g, lt(a, b)),
  }, a, b);
}

/** min(a, b) elementwise, NaN where either is NaN (as PyTorch); the gradient goes to a where a ≤ b. */
export function minimum(a: Operand, b: Operand): Tensor {
  return binary('minimum', {
    expr: 'minNan(x0, x1)', exprB: 'minNan(x0, p.alpha)', exprA: 'minNan(p.alpha, x0)',
    da: (g, a, b) => mul(g, le(a, b)), db: (g, a, b) => mul(g, gt(a, b)),
  }, a, b);
}

// ---- comparisons (float 0/1 results, no gradient) -----------------------------------------------

function compare(op: string, cmp: string, a: Operand, b: Operand): Tensor {
  const ta = operand(op, 'a', a);
  const tb = operand(op, 'b', b);
  if (typeof tb === 'number') return runMap(op, `b2f(x0 ${cmp} p.alpha)`, [ta as Tensor], { alpha: tb });
  if (typeof ta === 'number') return runMap(op, `b2f(p.alpha ${cmp} x0)`, [tb], { alpha: ta });
  return runMap(op, `b2f(x0 ${cmp} x1)`, [ta, tb]);
}

export const eq = (a: Operand, b: Operand): Tensor => compare('eq', '==', a, b);
export const ne = (a: Operand, b: Operand): Tensor => compare('ne', '!=', a, b);
export const lt = (a: Operand, b: Operand): Tensor => compare('lt', '<', a, b);
export const le = (a: Operand, b: Operand): Tensor => compare('le', '<=', a, b);
export const gt = (a: Operand, b: Operand): Tensor => compare('gt', '>', a, b);
export const ge = (a: Operand, b: Operand): Tensor => compare('ge', '>=', a, b);

/**
 * 1 where x is NaN, else 0 (PyTorch's isnan, as float). Tested on the bits: shader compilers may
 * assume finite math and fold x != x to false.
 */
export function isnan(x: Tensor): Tensor {
  checkTensor('isnan', 'x', x);
  checkFloat('isnan', 'x', x);
  return runMap('isnan', 'b2f(isNan(x0))', [x]);
}

/** cond ? a : b elementwise (cond nonzero means true), broadcasting all three. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  checkTensor('where', 'cond', cond);
  const ta = operand('where', 'a', a);
  const tb = operand('where', 'b', b);
  checkSameDevice('where', { cond, a: tensorOf(ta), b: tensorOf(tb) });
  const inputs = [cond];
  let expr = 'select(';
  expr += typeof tb === 'number' ? 'p.beta, ' : `x${inputs.push(tb) - 1}, `;
  expr += typeof ta === 'number' ? 'p.alpha, ' : `x${inputs.push(ta) - 1}, `;
  expr += 'x0 != 0.0)';
  const y = runMap('where', expr, inputs, { alpha: typeof ta === 'number' ? ta : 0, beta: typeof tb === 'number' ? tb : 0 });
  const diff = [ta, tb].filter((t): t is Tensor => typeof t !== 'number');
  return record(y, 'where', diff, (g) => {
    const out: Tensor[] = [];
    if (typeof ta !== 'number') out.push(sumTo(where(cond, g, 0), ta.shape));
    if (typeof tb !== 'number') out.push(sumTo(where(cond, 0, g), tb.shape));
    return out;
  }, undefined, [cond]);
}

// ---- unary ------------------------------------------------------------------------------------

export const neg = (x: Tensor): Tensor => unary('neg', '-x0', x, (g) => neg(g));
/** d exp(x) = exp(x) */
export const exp = (x: Tensor): Tensor => unary('exp', 'exp(x0)', x, (g, _x, y) => mul(g, y));
/** d log(x) = 1/x */
export const log = (x: Tensor): Tensor => unary('log', 'log(x0)', x, (g, x) => div(g, x));
/** d sqrt(x) = 1/(2 sqrt x) */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', 'sqrt(x0)', x, (g, _x, y) => div(g, mul(y, 2)));
/** d |x| = sign(x) */
export const abs = (x: Tensor): Tensor => unary('abs', 'abs(x0)', x, (g, x) => mul(g, sign(x)));
export const sign = (x: Tensor): Tensor => unary('sign', 'sign(x0)', x, (g) => mul(g, 0));
/**
 * Gradient of a piecewise-linear activation in one dispatch: g where x > 0, slope·g elsewhere.
 * (Backward runs without recording, so a raw map is enough here.)
 */
const piecewiseGrad = (g: Tensor, x: Tensor, slope: number): Tensor =>
  runMap('activationGrad', 'select(p.alpha * x1, x1, x0 > 0.0)', [x, g], { alpha: slope });
/** relu(x) = max(x, 0), NaN for NaN (as PyTorch); d relu(x) = [x > 0] */
export const relu = (x: Tensor): Tensor => unary('relu', 'maxNan(x0, 0.0)', x, (g, x) => piecewiseGrad(g, x, 0));
/** leakyRelu(x) = x for x > 0, slope·x otherwise */
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor =>
  unary('leakyRelu', 'select(p.alpha * x0, x0, x0 > 0.0)', x, (g, x) => piecewiseGrad(g, x, slope), slope);
/** d σ(x) = σ(x)(1 − σ(x)) */
export const sigmoid = (x: Tensor): Tensor =>
  unary('sigmoid', 'sigmoidf(x0)', x, (g, _x, y) => mul(g, mul(y, sub(1, y))));
/** d tanh(x) = 1 − tanh²(x) */
export const tanh = (x: Tensor): Tensor => unary('tanh', 'tanhf(x0)', x, (g, _x, y) => mul(g, sub(1, mul(y, y))));
/** clamp to [lo, hi], NaN stays NaN (as PyTorch); the gradient passes where lo ≤ x ≤ hi */
export function clamp(x: Tensor, lo = -Infinity, hi = Infinity): Tensor {
  checkNumber('clamp', 'lo', lo, { infinite: true });
  checkNumber('clamp', 'hi', hi, { infinite: true });
  if (!(lo <= hi)) throw new RangeError(`clamp: lo (${lo}) must be ≤ hi (${hi})`);
  return unary('clamp', 'clampNan(x0, p.alpha, p.beta)', x, (g, x) => mul(g, mul(ge(x, lo), le(x, hi))), Math.max(lo, -3.4e38), Math.min(hi, 3.4e38));
}
/** x² (common enough to spare a pow) */
export const square = (x: Tensor): Tensor => unary('square', 'x0 * x0', x, (g, x) => mul(g, mul(x, 2)));

// ---- fills ------------------------------------------------------------------------------------

/** A copy of x (a new buffer); differentiable. */
export const clone = (x: Tensor): Tensor => unary('clone', 'x0', x, (g) => g);

/** Ones of x's shape, dtype and device. */
export function onesLike(x: Tensor): Tensor {
  return full(x.shape, 1, { device: x.device, dtype: x.dtype });
}

/** Zeros of x's shape, dtype and device. */
export function zerosLike(x: Tensor): Tensor {
  return full(x.shape, 0, { device: x.device, dtype: x.dtype });
}

/** Converts between float32 and int32 (truncating toward zero); no gradient. */
export function cast(x: Tensor, dtype: 'float32' | 'int32'): Tensor {
  checkTensor('cast', 'x', x);
  return runMap('cast', 'x0', [x], { outDtype: checkDType('cast', 'dtype', dtype) });
}
