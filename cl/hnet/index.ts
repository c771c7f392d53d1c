/** Task-conditioned hypernetworks (von Oswald et al., ICLR 2020): main network, hypernetwork, the model for cl.Strategy, the output regulariser. */
export { MainMLP, type MainMLPOptions } from './main-mlp.js';
export { HMLP, type HMLPOptions } from './hmlp.js';
export { HnetModel } from './hnet-model.js';
export { HnetRegularizer, type HnetRegularizerOptions } from './hnet-regularizer.js';
