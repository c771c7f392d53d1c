/**
 * Methods joined with '+' (`ewc+replay`): one run with every part's plugins, in the order named (as
 * Avalanche composes plugins). The options are the parts' options merged; a name two parts declare
 * (both have a `lambda`) is an error, not a silent share. At most one part may project gradients
 * (a calculator), change the stream (joint training), build the model (a hypernetwork) or set the
 * optimizer recipe: two of any have no single meaning. The composition serves regression scenarios
 * when every part with plugins does. A part with a field this file does not know how to join is an
 * error, so that a new MethodSpec field cannot be dropped silently. A plain name is the registered
 * method itself.
 */
import type { Scenario } from '../scenarios/experience.js';
import { method, type MethodSpec, type OptionSpec, type Options } from './registry.js';

/** The registered method `name`, or the composition of its '+'-joined parts. */
export function resolveMethod(name: string): MethodSpec {
  if (typeof name !== 'string' || !name.includes('+')) return method(name);
  const parts = name.split('+').map((part) => {
    if (!part) throw new RangeError(`method '${name}': an empty part; join registered methods with '+', e.g. ewc+replay`);
    return method(part);
  });
  if (new Set(parts.map((p) => p.name)).size !== parts.length) throw new RangeError(`method '${name}': a method appears twice`);
  const options: Record<string, OptionSpec> = {};
  const owner: Record<string, string> = {};
  for (const p of parts) {
    for (const [k, spec] of Object.entries(p.options)) {
      if (k in options) throw new RangeError(`method '${name}': option --${k} belongs to both ${owner[k]} and ${p.name}; compose methods whose options differ`);
      options[k] = spec;
      owner[k] = p.name;
    }
  }
  for (const p of parts) {
    const unknown = Object.keys(p).filter((k) => !(JOINED as readonly string[]).includes(k));
    if (unknown.length) throw new RangeError(`method '${name}': ${p.name} has ${unknown.join(', ')}, which cl/methods/compose.ts cannot join yet`);
  }
  /** The one part having `key`, if any. */
  const one = (key: 'calculator' | 'scenario' | 'model' | 'recipe', what: string): MethodSpec | undefined => {
    const having = parts.filter((p) => p[key]);
    if (having.length > 1) throw new RangeError(`method '${name}': ${having.map((p) => p.name).join(' and ')} both ${what}; at most one part may`);
    return having[0];
  };
  const own = (p: MethodSpec, o: Options): Options => Object.fromEntries(Object.entries(o).filter(([k]) => k in p.options));
  const calculator = one('calculator', 'project gradients');
  const scenario = one('scenario', 'change the training stream');
  const model = one('model', 'build the model');
  const recipe = one('recipe', 'set the optimizer recipe');
  return {
    name,
    description: parts.map((p) => p.name).join(' + '),
    options,
    ...(calculator && { calculator: (o: Options, layer: number) => calculator.calculator!(own(calculator, o), layer) }),
    ...(scenario && { scenario: (s: Scenario) => scenario.scenario!(s) }),
    ...(model && { model: (ctx: Parameters<NonNullable<MethodSpec['model']>>[0]) => model.model!({ ...ctx, options: own(model, ctx.options) }) }),
    ...(recipe && { recipe: recipe.recipe }),
    regression: parts.every((p) => !p.plugins || p.regression === true),
    plugins: (ctx) => parts.flatMap((p) => p.plugins?.({ ...ctx, options: own(p, ctx.options) }) ?? []),
  };
}

/** The MethodSpec fields a composition knows how to join. */
const JOINED = ['name', 'description', 'options', 'calculator', 'plugins', 'scenario', 'model', 'recipe', 'regression'] as const;
