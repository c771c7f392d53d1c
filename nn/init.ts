/**
 * PyTorch's default initialisation, drawn from a seeded Generator so that the same seed gives the
 * same model. Linear and Conv2d use kaiming_uniform_(W, a=√5):
 *   bound = gain·√(3/fan_in), gain = √(2/(1+a²)) = √(1/3)  ⇒  W ~ U(−1/√fan_in, 1/√fan_in),
 * and their bias ~ U(−1/√fan_in, 1/√fan_in) (torch.nn.Linear.reset_parameters).
 */
import { checkNumber } from '../engine/check.js';
import { rand } from '../engine/ops/creation.js';
import { sizeOf } from '../engine/shape.js';
import type { Generator } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';

/** fan_in of a weight [out, in, ...kernel] = in · Π kernel. */
export function fanIn(shape: readonly number[]): number {
  if (shape.length < 2) throw new RangeError(`fanIn: a weight needs at least 2 dimensions [out, in, ...], got [${shape.join(', ')}]`);
  return sizeOf(shape.slice(1));
}

/** U(−bound, bound). */
export function uniform(shape: readonly number[], bound: number, generator?: Generator): Tensor {
  checkNumber('init.uniform', 'bound', bound, { min: 0 });
  return rand(shape, { low: -bound, high: bound, generator });
}

/** kaiming_uniform_ with negative slope `a` (PyTorch's layer default a = √5, leaky_relu gain). */
export function kaimingUniform(shape: readonly number[], opts: { a?: number; generator?: Generator } = {}): Tensor {
  const a = opts.a ?? Math.sqrt(5);
  const gain = Math.sqrt(2 / (1 + a * a));
  return uniform(shape, gain * Math.sqrt(3 / fanIn(shape)), opts.generator);
}
