/**
 * Module: a tree of layers with named parameters, as in PyTorch.
 *
 * Registration is by assignment. A module's members are its own enumerable properties, in property
 * order (JavaScript's: integer-like names first, then insertion order):
 * - a property holding a Module is a child, named by the property (`this.fc1 = new Linear(...)`);
 * - a property holding a tensor marked with `parameter(t)` is a parameter (`this.weight = parameter(w)`),
 *   one marked with `buffer(t)` is a buffer (saved in the state dict, not trained);
 * - an array of those is a list of them, named `name.0`, `name.1`, … (PyTorch's ModuleList).
 * Anything else (numbers, options, unmarked tensors) is configuration: clone() shares it, unless the
 * subclass copies it in `cloneState()` (state of its own, such as a projector or optimiser state). A
 * subclass may override `namedChildren()` to name its children otherwise (Sequential names them `0`,
 * `1`, …).
 *
 * Parameters and buffers live outside tidy scopes (marking keeps them) until `dispose()`.
 */
import { noGrad } from '../engine/autograd.js';
import { clone as cloneOp } from '../engine/ops/elementwise.js';
import { keep } from '../engine/scope.js';
import { Tensor } from '../engine/tensor.js';
import { assign, checkSameLayout, type TensorLike } from './assign.js';

const PARAMETERS = new WeakSet<Tensor>();
const BUFFERS = new WeakSet<Tensor>();

/** Marks t as a trainable parameter (requiresGrad, kept out of every scope); returns t. */
export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  PARAMETERS.add(keep(t));
  return t;
}

/** Marks t as a buffer: module state saved by stateDict() but not trained; returns t. */
export function buffer(t: Tensor): Tensor {
  BUFFERS.add(keep(t));
  return t;
}

export const isParameter = (v: unknown): v is Tensor => v instanceof Tensor && PARAMETERS.has(v);
export const isBuffer = (v: unknown): v is Tensor => v instanceof Tensor && BUFFERS.has(v);

/** Name → tensor, in module order. Values are the module's own tensors (shared, not copies). */
export type StateDict = Record<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Own members of kind `is`: properties and arrays of them, named as described above. */
function ownMembers<T>(m: Module, is: (v: unknown) => v is T): [string, T][] {
  const out: [string, T][] = [];
  for (const [k, v] of Object.entries(m)) {
    if (is(v)) out.push([k, v]);
    else if (Array.isArray(v)) v.forEach((e, i) => { if (is(e)) out.push([`${k}.${i}`, e]); });
  }
  return out;
}

const isModule = (v: unknown): v is Module => v instanceof Module;

export abstract class Module {
  /** True in training mode (the default); Dropout reads it. */
  training = true;

  abstract forward(x: Tensor, ...rest: unknown[]): Tensor;

  /** Direct children, named. */
  namedChildren(): [string, Module][] {
    return ownMembers(this, isModule);
  }

  /** This module and every descendant, with dotted names ('' for this one), each once. */
  namedModules(prefix = '', seen = new Set<Module>()): [string, Module][] {
    if (seen.has(this)) return [];
    seen.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(join(prefix, name), seen));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted name ('0.weight'), own before children's; shared ones once. */
  namedParameters(): [string, Tensor][] {
    return this.collect(isParameter);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(): [string, Tensor][] {
    return this.collect(isBuffer);
  }

  private collect(is: (v: unknown) => v is Tensor): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of ownMembers(m, is)) {
        if (!seen.has(t)) { seen.add(t); out.push([join(prefix, name), t]); }
      }
    }
    return out;
  }

  /**
   * Parameters and buffers by name (PyTorch's state_dict). The tensors are the module's own: do not
   * dispose them; use clone() for a snapshot.
   */
  stateDict(): StateDict {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into this module's tensors (on the GPU; host arrays are uploaded). Every shape and
   * dtype is checked before anything is copied. strict (default): missing or unexpected keys are an
   * error that lists them; otherwise they are returned.
   */
  loadStateDict(sd: Record<string, TensorLike>, opts: { strict?: boolean } = {}): LoadResult {
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !(k in own));
    if ((opts.strict ?? true) && (missingKeys.length || unexpectedKeys.length)) {
      const parts = [];
      if (missingKeys.length) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      throw new Error(`loadStateDict: ${parts.join('; ')}`);
    }
    const pairs = Object.keys(own).filter((k) => k in sd).map((k) => [own[k]!, sd[k]!, k] as const);
    for (const [dst, src, k] of pairs) checkSameLayout('loadStateDict', k, dst, src);
    for (const [dst, src] of pairs) assign(dst, src);
    return { missingKeys, unexpectedKeys };
  }

  /** Sets training mode here and in every descendant; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Turns gradients on or off for every parameter (freezing a teacher); returns this. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad = flag;
    return this;
  }

  /** Frees every parameter's gradient (PyTorch's zero_grad with set_to_none). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /**
   * A deep copy: the same class and configuration, with every parameter and buffer copied on the
   * GPU (gradients are not copied). For teachers and snapshots; independent of this module.
   */
  clone(): this {
    const copies = new Map<unknown, unknown>();
    return noGrad(() => cloneMember(this, copies)) as this;
  }

  /**
   * clone()'s hook, called on each module of the copy (children first) once its members are copied
   * from `source`: a subclass whose members hold state of its own beyond parameters and buffers
   * (which clone() would share as configuration) gives the copy its own copy of it here.
   */
  protected cloneState(_source: this): void {}

  /**
   * Frees every parameter and buffer (and their gradients): this module's own, then each child's
   * through its dispose(), so subclasses that hold more state (optimiser state, projectors) free it.
   */
  dispose(): void {
    for (const [, t] of [...ownMembers(this, isParameter), ...ownMembers(this, isBuffer)]) t.dispose();
    for (const [, child] of this.namedChildren()) child.dispose();
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/** Copies modules (recursively), parameters and buffers; shares everything else. */
function cloneMember(v: unknown, copies: Map<unknown, unknown>): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (copies.has(v)) return copies.get(v);
  let out: unknown = v;
  if (v instanceof Module) {
    const m = Object.create(Object.getPrototypeOf(v) as object) as Record<string, unknown>;
    copies.set(v, m);
    for (const [k, x] of Object.entries(v)) m[k] = cloneMember(x, copies);
    (m as unknown as Module)['cloneState'](v);
    return m;
  } else if (isParameter(v) || isBuffer(v)) {
    const t = cloneOp(v);
    if (isParameter(v)) { parameter(t); t.requiresGrad = v.requiresGrad; } else buffer(t);
    out = t;
  } else if (Array.isArray(v)) {
    out = v.map((x) => cloneMember(x, copies));
  }
  copies.set(v, out);
  return out;
}
