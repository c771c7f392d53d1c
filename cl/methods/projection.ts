/**
 * The gradient-projection family (cl/gradproj, REFERENCE.md §1–3): one calculator per layer. On a model
 * of orthocl layers (rotated MNIST's seed models) the layers project their own steps; on an ordinary
 * model the GradientProjection plugin projects the gradients before the optimizer step.
 *
 * R lists the energy share left free per projected layer, the last value repeating: GPM's official
 * permuted-MNIST thresholds [0.95, 0.99, 0.99] are R = [0.05, 0.01, 0.01].
 */
import { GPM } from '../gradproj/calculators/gpm.js';
import { LowPlasticity } from '../gradproj/calculators/low-plasticity.js';
import { NullSpace } from '../gradproj/calculators/null-space.js';
import { ZeroPlasticity } from '../gradproj/calculators/zero-plasticity.js';
import { registerMethod, type OptionSpec, type Options } from './registry.js';

/** R of projected layer `layer`: its entry of the list, or the last one. */
function rOf(options: Options, layer: number): number {
  const R = options.R as number[];
  return R[Math.min(layer, R.length - 1)]!;
}

const R = (d: number[], help: string): OptionSpec => ({ kind: 'numbers', default: d, min: 1e-9, max: 1 - 1e-9, help });
const SAMPLES: OptionSpec = { kind: 'int', min: 1, help: 'training samples per experience the projectors see (default: all; GPM recipe: 300)' };

registerMethod({
  name: 'gpm',
  description: 'Gradient Projection Memory (Saha et al. 2021): project out the span of earlier inputs',
  options: { R: R([0.05, 0.01, 0.01], 'energy share left free per layer, 1 − threshold (GPM: 0.05,0.01,0.01)'), samples: { ...SAMPLES, default: 300 } },
  calculator: (o, layer) => new GPM({ R: rOf(o, layer) }),
});

registerMethod({
  name: 'nullspace',
  description: 'null space of the accumulated input covariance (orthocl NullSpace; Adam-NSCL family)',
  options: { R: R([0.01], 'energy share left free per layer (the seed experiment: 0.01)'), samples: SAMPLES },
  calculator: (o, layer) => new NullSpace({ R: rOf(o, layer) }),
});

registerMethod({
  name: 'lowplasticity',
  description: 'freeze every direction earlier inputs reached (exact null space, orthocl LowPlasticity)',
  options: { samples: SAMPLES },
  calculator: () => new LowPlasticity(),
});

registerMethod({
  name: 'zeroplasticity',
  description: 'freeze the projected layers after the first experience (orthocl ZeroPlasticity)',
  options: { samples: SAMPLES },
  calculator: () => new ZeroPlasticity(),
});
