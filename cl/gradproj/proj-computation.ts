/**
 * gradprojLayers(net) and projComputation(net, fn) (orthocl's gradproj_layers / proj_computation):
 * switches every GradProjLayer to collecting and the net to eval, runs the caller's forward passes
 * without gradients, then recomputes each layer's projector. The net's train/eval mode is restored
 * afterwards (the original leaves it in eval).
 */
import { setGradEnabled } from '../../engine/index.js';
import type { Module } from '../../nn/module.js';
import { GradProjLayer } from './grad-proj-layer.js';

export function gradprojLayers(net: Module): GradProjLayer[] {
  return net.modules().filter((m): m is GradProjLayer => m instanceof GradProjLayer);
}

export async function projComputation(net: Module, forwardPasses: () => unknown): Promise<void> {
  const layers = gradprojLayers(net);
  const wasTraining = net.training;
  net.eval();
  const grad = setGradEnabled(false);
  for (const l of layers) l.collecting = true;
  try {
    await forwardPasses();
  } finally {
    for (const l of layers) l.collecting = false;
    setGradEnabled(grad);
    net.train(wasTraining);
  }
  for (const l of layers) await l.updateProjector();
}
