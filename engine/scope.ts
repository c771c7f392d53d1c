/**
 * Memory scopes. tidy(fn) owns every tensor created while fn runs and lets go of all of them except
 * the ones fn returns (those move to the enclosing scope) and the ones passed to keep(). A tensor let
 * go of is disposed at once, unless the autograd graph of a surviving tensor still needs it: then the
 * graph owns it and frees it with itself (see autograd.ts). Tensors created outside any scope are the
 * caller's to dispose (parameters live there).
 */
import { checkFunction } from './check.js';
import type { Tensor } from './tensor.js';

const stack: Set<Tensor>[] = [];

export function trackTensor(t: Tensor): void {
  stack[stack.length - 1]?.add(t);
}

export function untrackTensor(t: Tensor): void {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.delete(t)) return;
}

/** Whether t belongs to the innermost open scope (was made there and not kept or returned out of it). */
export function ownedByInnermostScope(t: Tensor): boolean {
  return stack[stack.length - 1]?.has(t) ?? false;
}

/**
 * Lets go of a tensor its scope is done with: disposed now, or, while a live graph node still uses
 * it, handed to the graph, which disposes it when its last use goes.
 */
function release(t: Tensor): void {
  if (t.graphUses > 0) t.graphOwned = true;
  else t.dispose();
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
  checkFunction('tidy', 'fn', fn);
  const scope = new Set<Tensor>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    for (const t of scope) release(t); // an exception must not leak the scope's tensors
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    for (const t of scope) release(t);
    throw new TypeError('tidy: fn returned a Promise; tidy scopes are synchronous. Await outside tidy(), or keep the GPU work of one step in one synchronous function.');
  }
  const kept = new Set<Tensor>();
  collect(result, kept, isTensorLike);
  const parent = stack[stack.length - 1];
  for (const t of scope) {
    if (kept.has(t)) parent?.add(t);
    else release(t);
  }
  return result;
}

/** Number of open scopes (for tests and diagnostics). */
export function scopeDepth(): number {
  return stack.length;
}
