/** Naive fine-tuning: train on each experience in turn with nothing against forgetting (the lower baseline). */
import { registerMethod } from './registry.js';

registerMethod({ name: 'naive', description: 'fine-tuning, nothing against forgetting (lower baseline)', options: {} });
