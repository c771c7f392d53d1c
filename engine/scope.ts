/**
 * Memory scopes. tidy(fn) owns every tensor created while fn runs and disposes all of them except
 * the ones fn returns (those move to the enclosing scope) and the ones passed to keep(). Tensors
 * created outside any scope are the caller's to dispose (parameters live there).
 */
import type { Tensor } from './tensor.js';

const stack: Set<Tensor>[] = [];

export function trackTensor(t: Tensor): void {
  stack[stack.length - 1]?.add(t);
}

export function untrackTensor(t: Tensor): void {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.delete(t)) return;
}

/** Takes a tensor out of every scope: it survives until disposed explicitly. */
export function keep<T extends Tensor>(t: T): T {
  untrackTensor(t);
  return t;
}

/** Collects the tensors inside a returned value (a tensor, or arrays / plain objects of them). */
function collect(value: unknown, into: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  if (isTensor(value)) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, into, isTensor);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into, isTensor);
  }
}

function isTensorLike(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'shape' in v && 'dispose' in v && 'backward' in v;
}

/** Runs fn in a new scope; every tensor it created and did not return is disposed. */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of scope) t.dispose(); // an exception must not leak the scope's tensors
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TypeError('tidy: fn returned a Promise; tidy scopes are synchronous. Await outside tidy(), or keep the GPU work of one step in one synchronous function.');
  }
  const kept = new Set<Tensor>();
  collect(result, kept, isTensorLike);
  const parent = stack[stack.length - 1];
  for (const t of scope) {
    if (kept.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/** Number of open scopes (for tests and diagnostics). */
export function scopeDepth(): number {
  return stack.length;
}
