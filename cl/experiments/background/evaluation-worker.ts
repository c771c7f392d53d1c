/**
 * The rotated-MNIST experiment's evaluation on a second thread (Node worker_threads; see node.ts): its own device, its own copy of the model and of the test sets. Each
 * message carries the weights after a task; the reply is that task's row of the accuracy matrix.
 * The same kernels on the same software adapter give the same accuracies as evaluating in place.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Generator, initDevice, type DeviceOptions } from '../../../engine/index.js';
import { assign } from '../../../nn/assign.js';
import { accuracy } from '../../eval/accuracy.js';
import { ZeroPlasticity } from '../../gradproj/calculators/zero-plasticity.js';
import { rotatedMnist } from '../../scenarios/rotated-mnist.js';
import type { RotatedMnistConfig } from '../gradproj-rotated-mnist.js';
import { seedModel } from '../seed-models.js';

export interface EvaluationWorkerData {
  config: RotatedMnistConfig;
  device: DeviceOptions;
}

export type EvaluationRequest = { task: number; weights: Float32Array[] };
export type EvaluationReply = { task: number; row: number[] } | { error: string };

const port = parentPort!;
const { config, device } = workerData as EvaluationWorkerData;
const ready = (async () => {
  await initDevice(device);
  // Only the test sets are used here (the split takes them from the end of each class, whatever the
  // training share), so one training image per class keeps the worker's start short.
  const scenario = await rotatedMnist(config.angles, { trainPerClass: 1, testPerClass: config.testPerClass });
  // Calculators only matter for projComputation, which never runs here.
  const model = seedModel(config.model, () => new ZeroPlasticity(), new Generator(config.seed));
  return { scenario, model, params: model.parameters() };
})();

// Requests are answered in order: each waits for the previous one.
let queue: Promise<unknown> = ready;
port.on('message', ({ task, weights }: EvaluationRequest) => {
  queue = queue.then(async () => {
    const { scenario, model, params } = await ready;
    weights.forEach((data, i) => assign(params[i]!, { data, shape: params[i]!.shape, dtype: 'float32' }));
    const row: number[] = [];
    for (const other of scenario.tasks) row.push(await accuracy(model, other.test));
    port.postMessage({ task, row } satisfies EvaluationReply);
  }).catch((e: unknown) => port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies EvaluationReply));
});
