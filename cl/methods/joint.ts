/**
 * Joint training: every experience's training data at once, one experience, then evaluated on each
 * experience of the stream (the upper baseline). In the 'task' setting each sample trains its own head.
 */
import { jointScenario } from '../scenarios/joint.js';
import { registerMethod } from './registry.js';

registerMethod({
  name: 'joint',
  description: "all experiences' training data at once, evaluated per experience (upper baseline)",
  options: {},
  scenario: jointScenario,
});
