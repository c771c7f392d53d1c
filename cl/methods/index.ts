/** Continual-learning methods: the registry and every built-in method (each file registers itself). */
import './naive.js';
import './joint.js';
import './projection.js';
import './ewc.js';
import './rwalk.js';
import './lwf.js';
import './amnesiac.js';
import './replay.js';
import './hnet.js';

export { registerMethod, methods, method, resolveOptions, type MethodSpec, type MethodContext, type OptionSpec, type Options } from './registry.js';
export { GradientProjectionPlugin, type GradientProjectionPluginOptions } from './gradient-projection.js';
export { GradProjLayersPlugin, gradProjOptimizer, type GradProjRule } from './gradproj-layers.js';
export { RWalk, type RWalkOptions } from './rwalk.js';
export { EWC, type EWCOptions } from './ewc.js';
export { LwF, type LwFOptions } from './lwf.js';
export { AmnesiacLwF } from './amnesiac.js';
export { UpdateRecorder } from '../unlearning/update-recorder.js';
export { Replay, type ReplayOptions } from './replay.js';
