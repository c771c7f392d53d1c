/**
 * The form, built from the registries: the scenarios of cl.scenarioRegistry() and the methods of
 * cl.methods.methods(), each with its options (a method registered tomorrow shows up here without a
 * change to the app), then the training settings. An empty field takes the default: an option's own,
 * or the chosen scenario's recipe for the model, epochs, batch size and learning rate (shown greyed).
 * Any field can be preset from the URL by its name: ?scenario=split-mnist&s.train-per-class=100&method=ewc.
 */
import { cl } from 'webgpu-cl';
import type { RunSettings } from './run.js';

type OptionSpec = cl.methods.OptionSpec;
type Field = HTMLInputElement | HTMLSelectElement;

const TRAINING: Record<string, OptionSpec> = {
  epochs: { kind: 'int', min: 1, help: 'epochs per experience' },
  batch: { kind: 'int', min: 1, help: 'batch size' },
  lr: { kind: 'number', help: 'learning rate' },
  seed: { kind: 'int', default: 0, help: 'seed of everything random (same seed, same run)' },
  'live-every': { kind: 'int', min: 1, default: 50, help: 'steps between the live evaluations of every task' },
  draw: { kind: 'boolean', default: true, help: 'draw the figures while training (off: at the end only)' },
};

function addField(parent: HTMLElement, name: string, spec: OptionSpec, placeholder?: unknown): Field {
  const id = `f-${name}`;
  const label = Object.assign(document.createElement('label'), { htmlFor: id, textContent: name.replace(/^[sm]\./, '') });
  let input: Field;
  if (spec.choices) {
    input = document.createElement('select');
    for (const c of spec.choices) input.append(new Option(c, c, c === spec.default, c === spec.default));
  } else {
    input = document.createElement('input');
    if (spec.kind === 'boolean') {
      input.type = 'checkbox';
      input.checked = spec.default === true;
    } else {
      input.type = 'text';
      input.placeholder = String(placeholder ?? (Array.isArray(spec.default) ? spec.default.join(', ') : spec.default ?? 'default'));
    }
  }
  Object.assign(input, { id, name, title: spec.help });
  const help = Object.assign(document.createElement('span'), { className: 'help', textContent: spec.help });
  parent.append(label, input, help);
  return input;
}

/** A field's value as its spec's kind, or undefined when empty (the default applies). */
function valueOf(input: Field, name: string, spec: OptionSpec): unknown {
  if (input instanceof HTMLInputElement && input.type === 'checkbox') return input.checked;
  const text = input.value.trim();
  if (text === '' || spec.kind === 'string') return text === '' ? undefined : text;
  const numbers = text.split(/[\s,]+/).map(Number);
  const bad = numbers.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${name}: expected ${spec.kind === 'numbers' ? 'numbers separated by commas' : 'a number'}, got '${text}'`);
  if (spec.kind === 'numbers') return numbers;
  if (numbers.length !== 1) throw new RangeError(`${name}: expected one number, got '${text}'`);
  return numbers[0];
}

function setValue(input: Field, v: unknown): void {
  if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = v === true || v === 'true';
  else input.value = Array.isArray(v) ? v.join(', ') : String(v ?? '');
}

export class ConfigForm {
  private readonly specs = new Map<string, OptionSpec>();
  private readonly scenario: HTMLSelectElement;
  private readonly method: HTMLSelectElement;

  constructor(private readonly form: HTMLFormElement) {
    const scenarios = cl.scenarioRegistry();
    const methods = cl.methods.methods();
    this.scenario = addField(this.part('scenario'), 'scenario', { kind: 'string', choices: scenarios.map((s) => s.name), default: scenarios[0]?.name, help: 'the stream of experiences' }) as HTMLSelectElement;
    this.method = addField(this.part('method'), 'method', { kind: 'string', choices: methods.map((m) => m.name), default: methods[0]?.name, help: 'the continual-learning method (from the method registry)' }) as HTMLSelectElement;
    this.scenario.addEventListener('change', () => this.build());
    this.method.addEventListener('change', () => this.build());
    this.build();
  }

  private part(which: 'scenario' | 'method' | 'training'): HTMLFieldSetElement {
    return this.form.querySelector<HTMLFieldSetElement>(`#${which}-fields`)!;
  }

  private field(name: string): Field | null {
    return this.form.querySelector<Field>(`[name="${CSS.escape(name)}"]`);
  }

  /** Rebuilds the option fields for the chosen scenario and method, keeping text typed into fields that stay. */
  private build(): void {
    const kept = new Map([...this.specs.keys()].map((k) => [k, this.field(k)?.value]));
    for (const which of ['scenario', 'method', 'training'] as const) {
      const set = this.part(which);
      while (set.children.length > (which === 'training' ? 1 : 4)) set.lastElementChild!.remove();
    }
    this.specs.clear();
    const spec = cl.scenarioSpec(this.scenario.value);
    const method = cl.methods.method(this.method.value);
    const recipe = cl.resolveExperiment({ scenario: spec.name, method: method.name, seed: 0 });
    for (const [k, o] of Object.entries(spec.options)) this.add('scenario', `s.${k}`, o);
    for (const [k, o] of Object.entries(method.options)) this.add('method', `m.${k}`, o);
    this.add('training', 'model', { kind: 'string', choices: [...spec.models], default: recipe.model, help: 'the network (the recipe\'s first)' });
    const defaults: Record<string, unknown> = { epochs: recipe.epochs, batch: recipe.batch, lr: recipe.lr };
    for (const [k, o] of Object.entries(TRAINING)) this.add('training', k, o, defaults[k]);
    // Typed text stays; lists and checkboxes start from the new defaults (the model list differs per scenario).
    for (const [k, v] of kept) { const f = this.field(k); if (f instanceof HTMLInputElement && f.type === 'text' && v) f.value = v; }
  }

  private add(which: 'scenario' | 'method' | 'training', name: string, spec: OptionSpec, placeholder?: unknown): void {
    this.specs.set(name, spec);
    addField(this.part(which), name, spec, placeholder);
  }

  /** Sets fields by name (the URL's query, a checkpoint's configuration); scenario and method first. */
  set(values: Record<string, unknown>): void {
    for (const k of ['scenario', 'method']) {
      if (values[k] !== undefined) { setValue(k === 'scenario' ? this.scenario : this.method, values[k]); this.build(); }
    }
    for (const [k, v] of Object.entries(values)) {
      if (k === 'scenario' || k === 'method') continue;
      const f = this.field(k);
      if (!f) throw new RangeError(`no field '${k}' for scenario ${this.scenario.value} and method ${this.method.value}; fields: ${[...this.specs.keys()].join(', ')}`);
      setValue(f, v);
    }
  }

  /** The run's configuration and the page's settings; a malformed field is an error naming it. */
  read(): { config: cl.ExperimentConfig; settings: RunSettings } {
    const v: Record<string, unknown> = {};
    const scenarioOptions: Record<string, unknown> = {}, methodOptions: Record<string, unknown> = {};
    for (const [name, spec] of this.specs) {
      const value = valueOf(this.field(name)!, name, spec);
      if (value === undefined) continue;
      if (name.startsWith('s.')) scenarioOptions[name.slice(2)] = value;
      else if (name.startsWith('m.')) methodOptions[name.slice(2)] = value;
      else v[name] = value;
    }
    const config: cl.ExperimentConfig = {
      scenario: this.scenario.value, method: this.method.value, seed: (v.seed as number | undefined) ?? 0,
      model: v.model as cl.ExperimentConfig['model'], epochs: v.epochs as number | undefined, batch: v.batch as number | undefined,
      lr: v.lr as number | undefined, scenarioOptions, methodOptions,
    };
    // Checked here so that a bad field is reported before any data is loaded.
    cl.resolveExperiment(config);
    return { config, settings: { liveEvery: (v['live-every'] as number | undefined) ?? 50, draw: v.draw !== false } };
  }

  /** The fields of a configuration that resolveExperiment filled in (a checkpoint's), by field name. */
  static fieldsOf(c: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { scenario: c.scenario, method: c.method, model: c.model, epochs: c.epochs, batch: c.batch, lr: c.lr, seed: c.seed };
    for (const [k, val] of Object.entries((c.scenarioOptions ?? {}) as Record<string, unknown>)) out[`s.${k}`] = val;
    for (const [k, val] of Object.entries((c.methodOptions ?? {}) as Record<string, unknown>)) out[`m.${k}`] = val;
    return out;
  }
}
