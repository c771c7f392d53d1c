#!/usr/bin/env node
/**
 * webgpu-cl command line.
 *   webgpu-cl list                          scenarios and methods (from their registries), with options and defaults
 *   webgpu-cl compare a.json b.json ...     methods side by side: final accuracies and ACC (mean ± std over seeds), --plot an SVG
 *   webgpu-cl run <scenario> [options]      one continual-learning run through cl.Strategy: a progress bar on
 *                                           stderr, the accuracy table on stdout, --json the full result,
 *                                           --checkpoint a checkpoint after every experience (and at Ctrl-C), --resume one,
 *                                           --plot the curves and the matrix as an SVG
 * A run's options are the common ones below, the scenario's and the chosen method's (`list` shows them);
 * defaults not given come from the scenario's recipe. Every option and output path is checked before the
 * device opens.
 */
import { initDevice } from '../engine/index.js';
import { experimentSoftwareThreads } from '../cl/experiments/gradproj-rotated-mnist.js';
import { resolveExperiment, runExperiment, type ExperimentConfig } from '../cl/experiments/run-experiment.js';
import { resolveMethod as methodSpec } from '../cl/methods/compose.js';
import { methods } from '../cl/methods/index.js';
import { plotResult } from '../cl/plots/index.js';
import { recipeOf, scenarioSpec, scenarios } from '../cl/scenarios/registry.js';
import { writeFileAtomic } from '../nn/io/node.js';
import { parseArgs, usage, type ArgSpec } from './args.js';
import { compare } from './compare.js';
import { formatResult } from './format-result.js';
import { CtrlC, EXIT_INTERRUPTED } from './interrupt.js';
import { checkInputPath } from './input-path.js';
import { checkOutputPath } from './output-path.js';
import { ProgressBar } from './progress.js';

/** The value of `--name` in argv, if given (read before parsing, to know the method's options and the model's recipe). */
function peek(argv: readonly string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return argv[i]!.includes('=') ? argv[i]!.slice(argv[i]!.indexOf('=') + 1) : argv[i + 1] ?? '';
}

/** Options every run takes; the recipe's values (for the chosen model) are the defaults (shown by `list` and --help). */
function commonOptions(scenario: string, model?: string): Record<string, ArgSpec> {
  const spec = scenarioSpec(scenario);
  const r = recipeOf(spec, model);
  return {
    method: { kind: 'string', default: r.layers === 'gradproj' ? 'nullspace' : 'naive', help: `continual-learning method: ${methods().map((m) => m.name).join('|')}, or several joined with '+' (ewc+replay)` },
    model: { kind: 'string', default: r.model, choices: spec.models, help: r.layers === 'gradproj' ? "the seed's MLP 784-60-32-10 or CNN (gradient-projection layers)" : 'MLP 784-100-100-head, CNN, or the nngeometry notebook CNN' },
    epochs: { kind: 'int', default: r.epochs, min: 1, help: 'epochs per experience' },
    batch: { kind: 'int', default: r.batch, min: 1, help: 'batch size' },
    optimizer: { kind: 'string', default: r.optimizer, choices: ['sgd', 'adam'], help: 'optimizer' },
    lr: { kind: 'number', default: r.lr, min: 0, help: 'learning rate' },
    momentum: { kind: 'number', default: r.momentum, min: 0, help: 'SGD momentum (ordinary models)' },
    clip: { kind: 'number', default: r.clip ?? undefined, min: 0, help: 'gradient clipping by value (0: none)' },
    'eval-every': { kind: 'string', default: r.evalEvery ?? 'experience', choices: ['experience', 'epoch'], help: 'evaluate every experience after each experience or each epoch (curves)' },
    seed: { kind: 'int', default: 0, help: 'seed of initialisation, data order and sampling' },
    json: { kind: 'string', help: 'write the result as JSON to this file' },
    plot: { kind: 'string', help: 'write the curves, the accuracy-matrix heatmap and ACC/BWT/forgetting as an SVG to this file' },
    checkpoint: { kind: 'string', help: 'save a checkpoint to this file after every experience, and where Ctrl-C stops the run' },
    resume: { kind: 'string', help: 'continue the run saved in this checkpoint' },
    unlearn: { kind: 'numbers', help: 'after the run, unlearn these experiences (1-based: 1 is the first row of the table; comma-separated) and print the accuracy before and after; needs a method that records updates (amnesiac-lwf)' },
    'no-check-numerics': { kind: 'boolean', help: 'do not flag a NaN or ±∞ in the loss, gradients and parameters each step (checked on the GPU, read every 50 steps; a diverged run then stops only on a non-finite loss)' },
    backend: { kind: 'string', choices: ['auto', 'vulkan', 'opengles'], default: 'auto', help: 'Dawn backend' },
    threads: {
      kind: 'int', min: 0,
      help: "worker threads of Mesa's software rasteriser, no GPU (default 0 unless LP_NUM_THREADS is set: each dispatch on the calling thread, fastest for small batches)",
    },
  };
}

/** The scenario's options, then the method's: `--method` is read first to know which method's. */
function runOptions(scenario: string, argv: readonly string[]): { specs: Record<string, ArgSpec>; common: Record<string, ArgSpec>; methodName: string } {
  const common = commonOptions(scenario, peek(argv, 'model'));
  const methodName = peek(argv, 'method') ?? (common.method!.default as string);
  let m: ReturnType<typeof methodSpec>;
  try { m = methodSpec(methodName); } catch (e) {
    throw new Error(methodName.includes('+') ? `--method: ${(e as Error).message}` : `--method: expected one of ${methods().map((x) => x.name).join(', ')}, got '${methodName}' (or registered methods joined with '+')`);
  }
  // A method's own optimizer recipe (hnet: Adam) replaces the scenario's defaults.
  for (const [k, v] of Object.entries(m.recipe ?? {})) common[k] = { ...common[k]!, default: v };
  return { specs: { ...common, ...scenarioSpec(scenario).options, ...m.options }, common, methodName };
}

function help(scenario?: string): string {
  if (!scenario) {
    return `usage: webgpu-cl run <scenario> [options]   (webgpu-cl list: scenarios, methods and their options)
       webgpu-cl compare a.json b.json ... [--plot cmp.svg]   (results of run --json, side by side)

scenarios: ${scenarios().map((s) => s.name).join(', ')}
methods:   ${methods().map((m) => m.name).join(', ')}
`;
  }
  const s = scenarioSpec(scenario);
  return `usage: webgpu-cl run ${s.name} [options]

${s.description}.
${usage({ ...commonOptions(s.name), ...s.options })}

method options (with --method <name>):
${methods().filter((m) => Object.keys(m.options).length).map((m) => `  ${m.name}:\n${usage(m.options).replace(/^/gm, '  ')}`).join('\n')}
`;
}

function list(): string {
  const out = ['scenarios:'];
  for (const s of scenarios()) {
    const r = s.recipe;
    out.push(`  ${s.name.padEnd(16)} ${s.description}`, `  ${''.padEnd(16)} recipe: ${r.model}, ${r.epochs} epoch(s), batch ${r.batch}, ${r.optimizer} lr ${r.lr}${r.momentum ? ` momentum ${r.momentum}` : ''}${r.clip ? `, clip ${r.clip}` : ''}`);
    for (const [model, change] of Object.entries(s.modelRecipes ?? {})) {
      out.push(`  ${''.padEnd(16)} with --model ${model}: ${Object.entries(change).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`);
    }
    if (Object.keys(s.options).length) out.push(usage(s.options).replace(/^/gm, '    '));
  }
  out.push('', "methods (join several with '+', e.g. --method ewc+replay: their plugins in that order, their options together; two parts with an option of the same name cannot be joined):");
  for (const m of methods()) {
    out.push(`  ${m.name.padEnd(16)} ${m.description}`);
    if (Object.keys(m.options).length) out.push(usage(m.options).replace(/^/gm, '    '));
  }
  return `${out.join('\n')}\n`;
}

async function run(scenario: string, argv: string[]): Promise<number> {
  const { specs, common, methodName } = runOptions(scenario, argv);
  const args = parseArgs(argv, specs);
  const pick = (keys: Iterable<string>) => Object.fromEntries([...keys].filter((k) => args[k] !== undefined).map((k) => [k, args[k]]));
  const config: ExperimentConfig = {
    scenario, method: methodName, seed: args.seed as number, model: args.model as ExperimentConfig['model'], epochs: args.epochs as number,
    batch: args.batch as number, optimizer: args.optimizer as 'sgd' | 'adam', lr: args.lr as number, momentum: args.momentum as number,
    clip: args.clip ? (args.clip as number) : null, evalEvery: args['eval-every'] as 'experience' | 'epoch',
    scenarioOptions: pick(Object.keys(scenarioSpec(scenario).options)),
    methodOptions: pick(Object.keys(methodSpec(methodName).options).filter((k) => !(k in common))),
  };
  // Everything that can be checked is checked before the device opens and the data loads.
  const resolved = resolveExperiment(config);
  const unlearn = (args.unlearn as number[] | undefined)?.map((i) => {
    if (!Number.isInteger(i) || i < 1) throw new Error(`--unlearn: expected experience numbers 1, 2, … (1-based, as the table lists them), got '${i}'`);
    return i - 1;
  });
  for (const k of ['json', 'plot', 'checkpoint'] as const) if (args[k]) await checkOutputPath(k, args[k] as string);
  if (args.resume) await checkInputPath('resume', args.resume as string);
  const threads = (args.threads as number | undefined) ?? experimentSoftwareThreads();
  const device = await initDevice({ backend: args.backend as 'auto' | 'vulkan' | 'opengles', softwareThreads: threads });
  process.stderr.write(`${scenario}: ${resolved.method}, ${resolved.model}, ${resolved.epochs} epoch(s), batch ${resolved.batch}, ${resolved.optimizer} lr ${resolved.lr}, seed ${resolved.seed} on ${device.adapterInfo.description || device.adapterInfo.architecture} (${device.backend})\n`);
  let bar: ProgressBar | null = null;
  let current = -1;
  const ctrlC = new CtrlC();
  const checkpoint = args.checkpoint as string | undefined;
  const result = await runExperiment(config, {
    signal: ctrlC.signal,
    resume: args.resume as string | undefined,
    unlearn,
    checkNumerics: args['no-check-numerics'] !== true,
    onProgress: (p) => {
      if (p.experience !== current) { bar?.done(); bar = new ProgressBar(p.steps * p.epochs, `experience ${p.experience + 1}/${p.experiences}`); current = p.experience; }
      const done = p.epoch * p.steps + p.step;
      bar?.update(done, done * resolved.batch, `epoch ${p.epoch + 1}/${p.epochs} loss ${p.loss.toFixed(3)}`);
    },
    afterExperience: checkpoint ? async (s) => { await s.save(checkpoint); ctrlC.saved = { completed: s.completed, stoppedAt: null }; } : undefined,
    afterStop: checkpoint ? async (s) => { await s.save(checkpoint); ctrlC.saved = { completed: s.completed, stoppedAt: s.stoppedAt }; } : undefined,
  }).catch((e: unknown) => { if (ctrlC.stopped(e)) return null; throw e; }).finally(() => ctrlC.dispose());
  (bar as ProgressBar | null)?.done();
  if (!result) {
    process.stderr.write(ctrlC.advice({ scenario, argv, checkpoint, resume: args.resume as string | undefined }));
    return EXIT_INTERRUPTED;
  }
  process.stdout.write(formatResult(result));
  if (args.json) await writeFileAtomic(args.json as string, `${JSON.stringify(result, null, 2)}\n`);
  if (args.plot) await writeFileAtomic(args.plot as string, plotResult(result));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, scenario, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') { process.stdout.write(help()); return 0; }
  if (command === 'list') { process.stdout.write(list()); return 0; }
  if (command === 'compare') { await compare(argv.slice(1)); return 0; }
  if (command !== 'run') throw new Error(`unknown command '${command}'; try: webgpu-cl list, webgpu-cl run rotated-mnist --help, or webgpu-cl compare a.json b.json`);
  if (!scenario || scenario === '--help') { process.stdout.write(help()); return 0; }
  if (!scenarios().some((s) => s.name === scenario)) throw new Error(`unknown scenario '${scenario}'; available: ${scenarios().map((s) => s.name).join(', ')}`);
  if (rest.includes('--help')) { process.stdout.write(help(scenario)); return 0; }
  return run(scenario, rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: Error) => { process.stderr.write(`webgpu-cl: ${e.message}\n`); process.exitCode = 1; },
);
