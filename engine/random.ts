/**
 * Seeded randomness on the host: xoshiro128** (Blackman & Vigna), state seeded by SplitMix32.
 * Integer arithmetic only, so the same seed gives the same numbers on every machine and device.
 * Generator state is four u32 words, saved and restored by checkpoints.
 */
import { checkNumber } from './check.js';

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Generator {
  private s = new Uint32Array(4);

  constructor(seed = 0) {
    this.seed(seed);
  }

  seed(seed: number): this {
    checkNumber('Generator.seed', 'seed', seed, { integer: true });
    const next = splitmix32(seed);
    for (let i = 0; i < 4; i++) this.s[i] = next();
    return this;
  }

  /** Next 32 random bits. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal (Box–Muller on two uniforms, in float64). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A permutation of 0..n−1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!; p[i] = p[j]!; p[j] = t;
    }
    return p;
  }

  /** A new generator seeded from this one (for independent streams). */
  fork(): Generator {
    return new Generator(this.nextU32());
  }

  getState(): number[] {
    return [...this.s];
  }

  setState(state: readonly number[]): this {
    if (state.length !== 4) throw new RangeError(`Generator.setState: expected 4 words, got ${state.length}`);
    this.s.set(state);
    return this;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let global = new Generator(0);

/** The generator factories use when none is given. */
export function defaultGenerator(): Generator {
  return global;
}

/** Reseeds the default generator (PyTorch's manual_seed). */
export function manualSeed(seed: number): Generator {
  checkNumber('manualSeed', 'seed', seed, { integer: true });
  global = new Generator(seed);
  return global;
}
