/**
 * The layers a Fisher covers: every Linear / Conv2d layer that holds a chosen parameter (all of the
 * model's by default), in module order, as slots (layout.ts). Per-sample gradients come from a layer's
 * inputs and output gradients, so only these two layer kinds are supported; any other parameter is an
 * error that names it.
 */
import type { Tensor } from '../../engine/index.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { Linear } from '../../nn/layers/linear.js';
import type { Module } from '../../nn/module.js';
import type { Slot } from './layout.js';

export interface FisherLayer {
  readonly module: Linear | Conv2d;
  readonly slot: Slot;
}

/** The covered layers of `model` for the chosen parameters (default: all of them). */
export function fisherLayers(op: string, model: Module, params?: readonly Tensor[]): FisherLayer[] {
  if (!model || typeof model.namedParameters !== 'function') throw new TypeError(`${op}: model must be an nn.Module`);
  const names = new Map(model.namedParameters().map(([name, p]) => [p, name]));
  const chosen = new Set<Tensor>();
  for (const [i, p] of (params ?? model.parameters()).entries()) {
    if (!names.has(p)) throw new RangeError(`${op}: options.params[${i}] is not a parameter of the model`);
    if (chosen.has(p)) throw new RangeError(`${op}: options.params lists parameter '${names.get(p)}' twice`);
    chosen.add(p);
  }
  if (!chosen.size) throw new RangeError(`${op}: no parameter chosen (options.params is empty)`);
  const layers: FisherLayer[] = [];
  for (const [name, m] of model.namedModules()) {
    if (!(m instanceof Linear || m instanceof Conv2d)) continue;
    const weight = chosen.delete(m.weight);
    const bias = m.bias !== null && chosen.delete(m.bias);
    if (!weight && !bias) continue;
    const out = m.weight.shape[0]!;
    const K = weight ? m.weight.size / out : 0;
    layers.push({ module: m, slot: { name: name || '(model)', out, K, weight: weight ? [...m.weight.shape] : null, bias: bias ? [out] : null } });
  }
  const left = [...chosen].map((p) => `'${names.get(p)}'`);
  if (left.length) {
    throw new RangeError(`${op}: parameter${left.length > 1 ? 's' : ''} ${left.join(', ')} ${left.length > 1 ? 'belong' : 'belongs'} to no Linear or Conv2d layer (the only layers whose per-sample gradients the Fisher computes); pass options.params to leave ${left.length > 1 ? 'them' : 'it'} out`);
  }
  return layers;
}

/** The model's parameters a Fisher of `params` covers, in the order of its vectors (model order). */
export function parameters(model: Module, params?: readonly Tensor[]): Tensor[] {
  return fisherLayers('cl.fisher.parameters', model, params).flatMap(({ module, slot }) => [
    ...(slot.weight ? [module.weight] : []),
    ...(slot.bias ? [module.bias!] : []),
  ]);
}
