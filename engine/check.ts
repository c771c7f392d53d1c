/**
 * Argument checks shared by the engine, nn and cl. Each error names the function, the argument, what
 * was expected and what came, in the caller's words:
 *   `SGD: options.lr is required (a number ≥ 0), got undefined`
 *   `SGD: options.lr must be a number ≥ 0, got string "0.1"`
 *   `Linear.forward: x must be a Tensor, got an array`
 * Wrong types are TypeErrors, values out of range RangeErrors.
 */
import { DisposedError } from './errors.js';
import { formatShape } from './shape.js';
import { Tensor, type DType } from './tensor.js';

/** A value as an error message shows it: `undefined`, `number 3`, `string "0.1"`, `an array`, `a Tensor [2, 3]`. */
export function describe(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  switch (typeof v) {
    case 'string': return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case 'number': case 'boolean': case 'bigint': return `${typeof v} ${String(v)}`;
    case 'function': return 'a function';
    case 'symbol': return 'a symbol';
  }
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Tensor) return `a Tensor ${formatShape(v.shape)}`;
  const name = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** A number as a range error shows it (the value alone), anything else as describe() does. */
const shown = (v: unknown): string => (typeof v === 'number' ? String(v) : describe(v));

export function checkTensor(op: string, arg: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${arg} must be a Tensor, got ${describe(t)}`);
  if (t.disposed) throw new DisposedError(`${op}: ${arg} ${formatShape(t.shape)}`);
  return t;
}

/** An iterable of tensors as an array (the elements are the caller's to check, in its words). */
export function checkTensorList(op: string, arg: string, v: unknown): Tensor[] {
  const iterable = v !== null && typeof v === 'object' && typeof (v as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
  if (!iterable || v instanceof Tensor) throw new TypeError(`${op}: ${arg} must be a list of Tensors (such as model.parameters()), got ${describe(v)}`);
  return [...(v as Iterable<Tensor>)];
}

export function checkFloat(op: string, arg: string, t: Tensor): void {
  if (t.dtype !== 'float32') throw new TypeError(`${op}: ${arg} must be float32, got ${t.dtype}`);
}

/** The bounds a number must respect; every checked number must also be finite. */
export interface NumberRule {
  min?: number;
  max?: number;
  /** The bound itself is excluded: (min, …) or (…, max). */
  minOpen?: boolean;
  maxOpen?: boolean;
  integer?: boolean;
  /** ±Infinity is allowed too (a bound that is no bound, as clamp's). NaN never is. */
  infinite?: boolean;
}

/** The rule in words: "a number ≥ 0", "a number in [0, 1)", "a positive integer". */
function ruleText(rule: NumberRule): string {
  const { min, max, integer } = rule;
  if (integer && max === undefined && min === 1 && !rule.minOpen) return 'a positive integer';
  if (integer && max === undefined && min === 0 && !rule.minOpen) return 'a non-negative integer';
  const noun = integer ? 'an integer' : 'a number';
  if (min !== undefined && max !== undefined) return `${noun} in ${rule.minOpen ? '(' : '['}${min}, ${max}${rule.maxOpen ? ')' : ']'}`;
  if (min !== undefined) return `${noun} ${rule.minOpen ? '>' : '≥'} ${min}`;
  if (max !== undefined) return `${noun} ${rule.maxOpen ? '<' : '≤'} ${max}`;
  if (rule.infinite) return 'a number or ±Infinity';
  return integer ? 'an integer' : 'a finite number';
}

function satisfies(v: number, r: NumberRule): boolean {
  if (Number.isNaN(v)) return false;
  if (r.integer && !Number.isInteger(v)) return false;
  if (r.min !== undefined && (r.minOpen ? !(v > r.min) : !(v >= r.min))) return false;
  if (r.max !== undefined && (r.maxOpen ? !(v < r.max) : !(v <= r.max))) return false;
  return true;
}

/**
 * Returns `v` if it is a finite number (or ±Infinity, with rule.infinite) that keeps `rule`. undefined
 * is "required": give optional arguments their default before checking them (`opts.momentum ?? 0`).
 */
export function checkNumber(op: string, arg: string, v: unknown, rule: NumberRule = {}): number {
  const want = ruleText(rule);
  if (v === undefined) throw new TypeError(`${op}: ${arg} is required (${want}), got undefined`);
  if (typeof v !== 'number') throw new TypeError(`${op}: ${arg} must be ${want}, got ${describe(v)}`);
  if (Number.isFinite(v) || Number.isNaN(v) || rule.infinite) {
    if (!satisfies(v, rule)) throw new RangeError(`${op}: ${arg} must be ${want}, got ${shown(v)}`);
    return v;
  }
  throw new RangeError(`${op}: ${arg} must be ${want.replace(/^a (number|integer)/, 'a finite $1')}, got ${v}`);
}

/**
 * The tensors of one op on one device (null/undefined entries skipped): `matmul: b is on another
 * device than a`. Checked before any allocation.
 */
export function checkSameDevice(op: string, named: Record<string, Tensor | null | undefined>): void {
  let first: [string, Tensor] | undefined;
  for (const [arg, t] of Object.entries(named)) {
    if (!t) continue;
    if (!first) first = [arg, t];
    else if (t.device !== first[1].device) {
      throw new Error(`${op}: ${arg} is on another device than ${first[0]}; the tensors of one op must be on one device (create them with options.device, or on the current device)`);
    }
  }
}

export function checkBoolean(op: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${arg} must be a boolean, got ${describe(v)}`);
  return v;
}

export function checkFunction<F extends (...args: never[]) => unknown>(op: string, arg: string, v: unknown, what = 'a function'): F {
  if (typeof v !== 'function') throw new TypeError(`${op}: ${arg} must be ${what}, got ${describe(v)}`);
  return v as F;
}

/** One of the listed strings. */
export function checkChoice<T extends string>(op: string, arg: string, v: unknown, choices: readonly T[]): T {
  if (!choices.includes(v as T)) {
    const list = choices.map((c) => `'${c}'`);
    const want = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
    throw new (typeof v === 'string' ? RangeError : TypeError)(`${op}: ${arg} must be ${want}, got ${describe(v)}`);
  }
  return v as T;
}

const DTYPES: readonly DType[] = ['float32', 'int32'];

/** A dtype the engine has; `allowed` narrows it (random factories: float32 only, with the reason). */
export function checkDType(op: string, arg: string, v: unknown, allowed: readonly DType[] = DTYPES, why = ''): DType {
  if (allowed.includes(v as DType)) return v as DType;
  const list = allowed.map((d) => `'${d}'`).join(' or ');
  throw new TypeError(`${op}: ${arg} must be ${list}${why ? ` (${why})` : ''}, got ${describe(v)}`);
}

/**
 * The options object of `op` (undefined → {}): an error for something that is not a plain object, or
 * for a key not in `known` (a misspelt option would otherwise be ignored, its default used silently).
 */
export function checkOptions<T extends object>(op: string, opts: T | undefined, known: readonly string[]): Partial<T> {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    throw new TypeError(`${op}: options must be an object, got ${describe(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) throw new TypeError(`${op}: unknown option '${key}'; the options are ${known.join(', ')}`);
  }
  return opts;
}
