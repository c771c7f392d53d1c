/**
 * Reads the host data given to tensor(): a number, a flat list or typed array, or nested lists (of
 * lists or typed arrays) of equal lengths. Every entry must be a number: a string, null, boolean or
 * misplaced list is an error naming its position (`data[1][2]`), never a NaN or 0 written on the GPU.
 * int32 data must be integers in int32's range (nothing is truncated or wrapped).
 */
import { describe } from '../check.js';
import type { DType } from '../tensor.js';

export type NestedNumbers = number | readonly NestedNumbers[] | ArrayLike<number>;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
export const INT32_RANGE = `an integer in [${INT32_MIN}, ${INT32_MAX}] for dtype int32`;

export const isInt32 = (v: number): boolean => Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;

const isList = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

export interface HostData {
  /** The entries in row-major order. */
  flat: ArrayLike<number>;
  /** The shape the nesting gives ([] for a number, [n] for a flat list). */
  shape: number[];
  /** True when the data was nested lists (positions are then reported as data[i][j]). */
  nested: boolean;
}

/** `data[i][j]` for flat index k of `shape` (nested input), `data[k]` otherwise. */
function position(k: number, shape: readonly number[], nested: boolean): string {
  if (!nested) return `data[${k}]`;
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(k % shape[d]!); k = Math.floor(k / shape[d]!); }
  return `data${idx.map((i) => `[${i}]`).join('')}`;
}

function flattenNested(op: string, data: ArrayLike<unknown>): { flat: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let cur: unknown = data; isList(cur); cur = cur[0]) shape.push(cur.length);
  const flat: number[] = [];
  const walk = (list: ArrayLike<unknown>, depth: number, path: string): void => {
    const leaf = depth === shape.length - 1;
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      const at = `${path}[${i}]`;
      if (leaf) {
        if (typeof v !== 'number') throw new TypeError(`${op}: ${at} must be a number, got ${describe(v)}`);
        flat.push(v);
      } else if (!isList(v)) {
        throw new TypeError(`${op}: ${at} must be a list of ${shape[depth + 1]} numbers like ${path}[0], got ${describe(v)}`);
      } else if (v.length !== shape[depth + 1]) {
        throw new RangeError(`${op}: nested lists must be rectangular: ${at} has ${v.length} entries, ${path}[0] has ${shape[depth + 1]}`);
      } else {
        walk(v, depth + 1, at);
      }
    }
  };
  walk(data, 0, 'data');
  return { flat, shape };
}

export function readHostData(op: string, data: unknown): HostData {
  if (typeof data === 'number') return { flat: [data], shape: [], nested: false };
  if (!isList(data)) {
    throw new TypeError(`${op}: data must be a number, a list of numbers (nested for more dimensions) or a typed array, got ${describe(data)}`);
  }
  if (ArrayBuffer.isView(data)) {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      throw new TypeError(`${op}: data must hold numbers, got a ${data.constructor.name} (convert it with Array.from(data, Number))`);
    }
    return { flat: data as unknown as ArrayLike<number>, shape: [data.length], nested: false };
  }
  if (data.length > 0 && isList(data[0])) return { ...flattenNested(op, data), nested: true };
  for (let i = 0; i < data.length; i++) {
    if (typeof data[i] !== 'number') throw new TypeError(`${op}: data[${i}] must be a number, got ${describe(data[i])}`);
  }
  return { flat: data as ArrayLike<number>, shape: [data.length], nested: false };
}

/** The entries as the typed array the GPU buffer takes; int32 entries must fit exactly. */
export function toHostArray(op: string, { flat, shape, nested }: HostData, dtype: DType): Float32Array | Int32Array {
  if (dtype === 'float32') return flat instanceof Float32Array ? flat : Float32Array.from(flat);
  if (flat instanceof Int32Array) return flat;
  for (let k = 0; k < flat.length; k++) {
    if (!isInt32(flat[k]!)) throw new RangeError(`${op}: ${position(k, shape, nested)} must be ${INT32_RANGE}, got ${flat[k]}`);
  }
  return Int32Array.from(flat);
}
