/**
 * Method composition (cl/methods/compose.ts): `ewc+replay` is both methods' plugins in that order with
 * both option sets; a plain name is the registered method; the one part that builds the model or sets
 * the recipe lends it to the composition; clashes, unknown or empty parts, repeats, two projecting or
 * model-building parts and an unknown spec field are errors that say which; a composed run goes through
 * runExperiment.
 * Mutations tried (each fails a test): the parts' plugins in reverse order; every part given all the
 * merged options; the option clash check removed; the model part given all the options.
 */
import { describe, expect, it } from 'vitest';
import { cl, nn, Generator } from '../../index.js';
import { resolveMethod } from '../../cl/methods/compose.js';
import { resolveOptions } from '../../cl/methods/registry.js';
import { useDevice } from '../helpers/device.js';

describe('method composition', () => {
  useDevice();

  it("'ewc+replay': both plugins in order, each with its own options; a plain name is the registered method", async () => {
    const m = resolveMethod('ewc+replay');
    expect(m.name).toBe('ewc+replay');
    expect(Object.keys(m.options).sort()).toEqual([...Object.keys(cl.methods.method('ewc').options), ...Object.keys(cl.methods.method('replay').options)].sort());
    const options = resolveOptions('method ewc+replay', m.options, { lambda: 3, buffer: 40 });
    const scenario = await cl.scenarios.splitMnist({ setting: 'class', trainPerClass: 4, testPerClass: 4 });
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 10));
    const plugins = m.plugins!({ model, scenario, seed: 2, options });
    expect(plugins.map((p) => p.name)).toEqual(['ewc', 'replay']);
    expect((plugins[0] as cl.methods.EWC).lambda).toBe(3);
    expect((plugins[1] as cl.methods.Replay).bufferSize).toBe(40);
    expect((plugins[1] as cl.methods.Replay).seed).toBe(2);
    expect(resolveMethod('replay')).toBe(cl.methods.method('replay'));
    // Each part sees its own options only.
    const seen: Record<string, unknown>[] = [];
    for (const name of ['probe-a', 'probe-b']) {
      cl.methods.registerMethod({ name, description: 'test probe', options: { [`${name}-x`]: { kind: 'int', default: 1, help: 'x' } }, plugins: (ctx) => { seen.push(ctx.options); return []; } });
    }
    const probes = resolveMethod('probe-a+probe-b');
    probes.plugins!({ model, scenario, seed: 0, options: resolveOptions('probes', probes.options, { 'probe-b-x': 5 }) });
    expect(seen).toEqual([{ 'probe-a-x': 1 }, { 'probe-b-x': 5 }]);
    // The one part that builds the model, or sets the recipe, gives the composition its own; two cannot.
    const built = new nn.Linear(784, 10);
    const modelOptions: Record<string, unknown>[] = [];
    cl.methods.registerMethod({ name: 'probe-model', description: 'test probe', options: { 'probe-m': { kind: 'int', default: 2, help: 'm' } }, model: (ctx) => { modelOptions.push(ctx.options); return built; }, recipe: { lr: 0.5 } });
    const withModel = resolveMethod('probe-a+probe-model');
    expect(withModel.model!({ scenario, seed: 0, options: { 'probe-a-x': 1, 'probe-m': 2 }, generator: new Generator(0) })).toBe(built);
    expect(modelOptions).toEqual([{ 'probe-m': 2 }]);
    expect(withModel.recipe).toEqual({ lr: 0.5 });
    expect(withModel.regression).toBe(false);
    expect(() => resolveMethod('probe-model+hnet')).toThrow(/probe-model and hnet both build the model/);
    cl.methods.registerMethod({ name: 'probe-new', description: 'test probe', options: {}, futureField: 1 } as never);
    expect(() => resolveMethod('probe-a+probe-new')).toThrow(/probe-new has futureField, which cl\/methods\/compose.ts cannot join yet/);
    built.dispose();
    plugins.forEach((p) => p.dispose?.());
    model.dispose();
    scenario.dispose();
  });

  it('errors name the clash, the unknown part, the empty part, the repeat, and two projecting parts', () => {
    expect(() => resolveMethod('ewc+online-ewc')).toThrow(/method 'ewc\+online-ewc': option --lambda belongs to both ewc and online-ewc/);
    expect(() => resolveMethod('ewc+nosuch')).toThrow(/unknown method 'nosuch'; registered: .*replay/);
    expect(() => resolveMethod('ewc++replay')).toThrow(/method 'ewc\+\+replay': an empty part/);
    expect(() => resolveMethod('replay+replay')).toThrow(/method 'replay\+replay': a method appears twice/);
    expect(() => resolveMethod('gpm+nullspace')).toThrow(/option --R belongs to both gpm and nullspace|gpm and nullspace both project gradients/);
    expect(() => resolveMethod('lowplasticity+zeroplasticity')).toThrow(/option --samples belongs to both|both project gradients/);
  });

  it('runExperiment trains a composed method (ewc+replay) and records its name', { timeout: 60_000 }, async () => {
    const r = await cl.runExperiment({
      scenario: 'split-mnist', method: 'ewc+replay', seed: 1, epochs: 1, batch: 16,
      scenarioOptions: { setting: 'class', 'train-per-class': 16, 'test-per-class': 8 },
      methodOptions: { lambda: 1, buffer: 20 },
    });
    expect(r.method).toBe('ewc+replay');
    expect(r.accuracyMatrix).toHaveLength(5);
    expect(r.config).toMatchObject({ method: 'ewc+replay', methodOptions: { lambda: 1, buffer: 20, storage: 'reservoir' } });
  });
});
