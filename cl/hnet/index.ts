/** Task-conditioned hypernetworks (von Oswald et al., ICLR 2020): main networks, hypernetwork, the model for cl.Strategy, the output regulariser, EWC on θ. */
export { MainMLP, type MainMLPOptions } from './main-mlp.js';
export { HMLP, type HMLPOptions } from './hmlp.js';
export { HnetModel } from './hnet-model.js';
export { HnetRegularizer, type HnetRegularizerOptions } from './hnet-regularizer.js';
export { MainCNN, type MainCNNOptions } from './main-cnn.js';
export type { MainNetwork } from './main-network.js';
export { ThetaEWC, type ThetaEWCOptions } from './theta-ewc.js';
