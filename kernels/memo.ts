/**
 * Memoised kernel factories. A factory builds its WGSL from a variant on every call (template
 * concatenation and the preprocessor, ≈ 3–6 µs on Node), and the pipeline cache then hashes the fresh
 * multi-kilobyte string (≈ 4 µs): together a good part of an op's host cost at small shapes.
 * Returning the same KernelSpec object for the same variant makes both nearly free (the string's hash
 * is computed once). Variants must be plain JSON data; the key is their JSON text.
 */
import type { KernelSpec } from './spec.js';

export function memoKernel<V>(build: (v: V) => KernelSpec): (v: V) => KernelSpec {
  const cache = new Map<string, KernelSpec>();
  return (v) => {
    const key = JSON.stringify(v);
    let spec = cache.get(key);
    if (!spec) cache.set(key, (spec = build(v)));
    return spec;
  };
}
