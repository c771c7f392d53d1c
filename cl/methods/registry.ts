/**
 * The method registry: each continual-learning method registers once (name, options with defaults,
 * what it adds to a run), and the CLI (`webgpu-cl list`, `--method`) and the browser app list and
 * build whatever it holds — adding a method never touches them.
 *
 * A method contributes any of: a projection calculator per layer (gradient-projection methods, on the
 * orthocl layers or on an ordinary model), plugins for the strategy loop, and a view of the scenario
 * (joint training trains once on every experience).
 */
import type { Generator } from '../../engine/random.js';
import type { Module } from '../../nn/module.js';
import type { ProjectionCalculator } from '../gradproj/calculators/calculator.js';
import type { Scenario } from '../scenarios/experience.js';
import type { ModelKind } from '../scenarios/registry.js';
import type { StrategyPlugin } from '../strategy/plugin.js';

/** One option of a method or scenario, as the CLI parses it (`--name value`). */
export interface OptionSpec {
  kind: 'string' | 'number' | 'int' | 'numbers' | 'boolean';
  default?: unknown;
  help: string;
  choices?: readonly string[];
  /** Smallest allowed value of a number (inclusive). */
  min?: number;
  /** Largest allowed value of a number (inclusive). */
  max?: number;
  /** An option that may not be given together with this one. */
  conflicts?: string;
}

export type Options = Record<string, unknown>;

export interface MethodContext {
  model: Module;
  scenario: Scenario;
  seed: number;
  options: Options;
}

export interface MethodSpec {
  name: string;
  description: string;
  options: Record<string, OptionSpec>;
  /** Gradient projection: the calculator of projected layer `layer` (in model order). */
  calculator?(options: Options, layer: number): ProjectionCalculator;
  /** Plugins for the strategy, in the order they run. */
  plugins?(ctx: MethodContext): StrategyPlugin[];
  /** The stream this method trains on, when not the scenario's (joint: one experience of everything). */
  scenario?(scenario: Scenario): Scenario | Promise<Scenario>;
  /** The model, when the method builds its own (a hypernetwork) instead of the scenario recipe's; `kind`: the run's --model (default 'mlp'). */
  model?(ctx: Omit<MethodContext, 'model'> & { generator: Generator; kind?: ModelKind }): Module;
  /** The optimizer the method trains with by default, over the scenario recipe's (flags still win). */
  recipe?: { optimizer?: 'sgd' | 'adam'; lr?: number; momentum?: number };
  /** Its plugins also serve regression scenarios (a plugin-free method always does). */
  regression?: boolean;
}

const METHODS = new Map<string, MethodSpec>();

export function registerMethod(spec: MethodSpec): void {
  if (!spec || typeof spec.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(spec.name)) {
    throw new TypeError(`registerMethod: name must be lower-case letters, digits and dashes, got ${JSON.stringify(spec?.name)}`);
  }
  if (METHODS.has(spec.name)) throw new Error(`registerMethod: a method named '${spec.name}' is registered already`);
  METHODS.set(spec.name, spec);
}

/** Every registered method, in registration order. */
export function methods(): MethodSpec[] {
  return [...METHODS.values()];
}

export function method(name: string): MethodSpec {
  const m = METHODS.get(name);
  if (!m) throw new RangeError(`unknown method '${name}'; registered: ${[...METHODS.keys()].join(', ')}`);
  return m;
}

/** The options with defaults filled in, every value checked against its spec. */
export function resolveOptions(owner: string, specs: Record<string, OptionSpec>, given: Options = {}): Options {
  const out: Options = {};
  for (const k of Object.keys(given)) if (!(k in specs)) throw new RangeError(`${owner}: unknown option '${k}'; options: ${Object.keys(specs).join(', ') || 'none'}`);
  for (const [k, spec] of Object.entries(specs)) {
    const other = spec.conflicts;
    if (other !== undefined && given[k] !== undefined && given[other] !== undefined) throw new RangeError(`${owner}: give --${k} (${JSON.stringify(given[k])}) or --${other} (${JSON.stringify(given[other])}), not both`);
  }
  for (const [k, spec] of Object.entries(specs)) {
    const v = given[k] ?? spec.default;
    if (v === undefined) continue;
    checkOption(owner, k, spec, v);
    out[k] = v;
  }
  return out;
}

function checkOption(owner: string, name: string, spec: OptionSpec, v: unknown): void {
  const bad = (what: string) => new RangeError(`${owner}: option ${name} must be ${what}, got ${JSON.stringify(v)}`);
  switch (spec.kind) {
    case 'string':
      if (typeof v !== 'string' || (spec.choices && !spec.choices.includes(v))) throw bad(spec.choices ? `one of ${spec.choices.join(', ')}` : 'a string');
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw bad('true or false');
      return;
    case 'numbers':
      if (!Array.isArray(v) || !v.length || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw bad('a non-empty list of finite numbers');
      for (const x of v as number[]) checkRange(x);
      return;
    default:
      if (typeof v !== 'number' || !Number.isFinite(v) || (spec.kind === 'int' && !Number.isInteger(v))) throw bad(spec.kind === 'int' ? 'an integer' : 'a finite number');
      checkRange(v);
  }
  function checkRange(x: number): void {
    if ((spec.min !== undefined && x < spec.min) || (spec.max !== undefined && x > spec.max)) {
      throw bad(`in [${spec.min ?? '−∞'}, ${spec.max ?? '∞'}]`);
    }
  }
}
