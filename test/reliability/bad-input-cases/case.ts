/**
 * One bad-input case: `setup` makes what the call needs (not measured), `call` misuses the public API,
 * and the error must match every pattern of `expect` — by convention the function's name first, then
 * the argument, what was expected and what came (`says` builds these). The runner checks that the call
 * left no GPU memory behind, then disposes whatever `setup` returned.
 */
export interface BadInputCase {
  name: string;
  setup?: () => unknown;
  call: (made: never) => unknown;
  expect: readonly RegExp[];
}

/** A case whose call receives what its setup made, typed. */
export function badInput<A = undefined>(name: string, setup: (() => A | Promise<A>) | undefined, call: (made: Awaited<A>) => unknown, expect: readonly RegExp[]): BadInputCase {
  return { name, setup, call: call as (made: never) => unknown, expect };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The patterns of a good message: it starts with `fn`, and names `arg`, what was expected and what
 * came (each a literal substring; omit the ones a message has no reason to hold).
 */
export function says(fn: string, ...parts: string[]): RegExp[] {
  return [new RegExp(`^${escape(fn)}\\b`), ...parts.map((p) => new RegExp(escape(p)))];
}

/** Passes a value of the wrong type where the signature wants another (as a JavaScript caller could). */
export const js = <T>(v: unknown): T => v as T;
