/**
 * A small grid over one method option (a regulariser's strength), the scenario's recipe otherwise: ACC and
 * BWT per value, mean over seeds — how the README's λ for EWC and RWalk were chosen.
 *
 *   npx tsx bench/tune-strength.ts --scenario permuted-mnist --method rwalk --option lambda --values 0.1,1,10,30 [--seeds 0] [--setting task]
 */
import { initDevice } from '../engine/index.js';
import { experimentSoftwareThreads } from '../cl/experiments/gradproj-rotated-mnist.js';
import { runExperiment } from '../cl/experiments/run-experiment.js';
import { parseArgs } from '../cli/args.js';

const args = parseArgs(process.argv.slice(2), {
  scenario: { kind: 'string', default: 'permuted-mnist', help: 'scenario' },
  method: { kind: 'string', default: 'ewc', help: 'method' },
  option: { kind: 'string', default: 'lambda', help: 'the method option to vary' },
  values: { kind: 'numbers', default: [1, 10, 100], help: 'its values' },
  seeds: { kind: 'numbers', default: [0], help: 'seeds' },
  setting: { kind: 'string', help: 'setting of split scenarios' },
  extra: { kind: 'string', default: '', help: 'more method options, k=v,k=v (numbers or strings)' },
});

const extra = Object.fromEntries((args.extra as string).split(',').filter(Boolean).map((kv) => {
  const [k, v] = kv.split('=') as [string, string];
  return [k, Number.isFinite(Number(v)) ? Number(v) : v];
}));
await initDevice({ softwareThreads: experimentSoftwareThreads() });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const lines = [`| ${args.option} | ACC % | BWT pts | seconds |`, '|---|---|---|---|'];
for (const value of args.values as number[]) {
  const runs = [];
  for (const seed of args.seeds as number[]) {
    runs.push(await runExperiment({
      scenario: args.scenario as string, method: args.method as string, seed,
      scenarioOptions: args.setting ? { setting: args.setting } : {},
      methodOptions: { ...extra, [args.option as string]: value },
    }).catch((e: Error) => { process.stderr.write(`${args.option} ${value} seed ${seed}: ${e.message}\n`); return null; }));
  }
  const ok = runs.filter((r) => r !== null);
  lines.push(ok.length
    ? `| ${value} | ${(100 * mean(ok.map((r) => r.acc))).toFixed(1)} | ${(100 * mean(ok.map((r) => r.bwt ?? 0))).toFixed(1)} | ${mean(ok.map((r) => r.seconds)).toFixed(1)} |`
    : `| ${value} | diverged | | |`);
  process.stderr.write(`${lines[lines.length - 1]}\n`);
}
process.stdout.write(`${args.scenario}${args.setting ? ` (${args.setting})` : ''}, ${args.method}, seeds ${(args.seeds as number[]).join(', ')}\n${lines.join('\n')}\n`);
