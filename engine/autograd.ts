/**
 * Tape-based reverse mode with micrograd's semantics. An op that has an input requiring gradients
 * records a GradNode on its output: the inputs, the tensors its rule reads besides them (saved), and
 * a backward rule written in forward ops. backward() orders the graph topologically and sweeps it in
 * reverse, accumulating gradients with +=.
 *
 * Graph lifetime (PyTorch's semantics):
 * - A graph owns what its backward needs. Every input and saved tensor of a live node counts a use
 *   (Tensor.graphUses). A scope that ends (tidy) disposes its tensors except those a live node still
 *   uses: those are handed to the graph (Tensor.graphOwned) and disposed when their last use goes,
 *   so `tidy(() => loss(...)).backward()` works and frees the graph after.
 * - backward() frees the graph it swept: each node is replaced by a freed marker, and a second
 *   backward through it throws (retainGraph: true keeps it). Disposing a tensor frees its node too.
 * - A disposed tensor or a freed node reached by backward is an error, thrown before any gradient
 *   is computed; a tensor that was computed (has or had a node) never receives .grad.
 */
import { checkBoolean, checkFunction } from './check.js';
import { keep, ownedByInnermostScope, tidy } from './scope.js';
import type { Tensor } from './tensor.js';
import { formatShape } from './shape.js';
import { add, onesLike } from './ops/elementwise.js';

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Tensors the rule reads besides the inputs (indices, masks, labels); kept alive with the node. */
  readonly saved: readonly Tensor[];
  /** Maps the gradient of the output to the gradients of the inputs (null: no gradient). */
  readonly backward: (grad: Tensor) => readonly (Tensor | null)[];
  /**
   * Optional: the inputs' gradients for an output gradient of 1, computed by the forward already
   * (a loss whose kernel writes them). backward() on a scalar root without a given gradient uses it
   * instead of uploading a 1 and calling `backward`.
   */
  readonly unitBackward?: () => readonly (Tensor | null)[];
  /** Set on the marker that replaces a node once backward() has freed it. */
  readonly freed?: true;
}

export interface BackwardOptions {
  /** Keep the graph so that backward() can run through it again (PyTorch's retain_graph). */
  retainGraph?: boolean;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording anything on the tape. */
export function noGrad<T>(fn: () => T): T {
  checkFunction('noGrad', 'fn', fn);
  const saved = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = saved;
  }
}

/**
 * Turns recording on or off until changed again; returns the previous mode. For async code that
 * cannot run inside noGrad() (restore the returned mode in a finally block).
 */
export function setGradEnabled(enabled: boolean): boolean {
  const saved = gradEnabled;
  gradEnabled = enabled;
  return saved;
}

/** Runs fn with recording on or off; restores the previous mode. */
export function withGrad<T>(enabled: boolean, fn: () => T): T {
  checkBoolean('withGrad', 'enabled', enabled);
  checkFunction('withGrad', 'fn', fn);
  const saved = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = saved;
  }
}

/**
 * Records `out = op(inputs)` on the tape when gradients are on and some input requires them.
 * `saved`: tensors the rule reads besides the inputs; those made by the op for it alone should be
 * graphOnly() so that the node frees them (they are disposed here when nothing is recorded).
 * Returns `out` for chaining.
 */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward'], unitBackward?: GradNode['unitBackward'], saved: readonly Tensor[] = []): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, saved, backward, unitBackward };
    for (const t of inputs) t.graphUses++;
    for (const t of saved) t.graphUses++;
  } else {
    for (const t of saved) if (t.graphOwned && t.graphUses === 0) t.dispose();
  }
  return out;
}

/** Hands a tensor an op made for its backward rule alone to the graph: the node that saves it frees it. */
export function graphOnly<T extends Tensor>(t: T): T {
  keep(t);
  t.graphOwned = true;
  return t;
}

// Tensors whose last use went while a release was running; drained by the outermost call, so that a
// long chain of graph-owned tensors is freed iteratively, not by recursion.
const unused: Tensor[] = [];
let draining = false;

/** Takes node's uses off its inputs and saved tensors, disposing the graph-owned ones left unused. */
export function dropUses(node: GradNode): void {
  for (const list of [node.inputs, node.saved]) {
    for (const t of list) if (--t.graphUses === 0 && t.graphOwned) unused.push(t);
  }
  if (draining) return;
  draining = true;
  try {
    while (unused.length) unused.pop()!.dispose();
  } finally {
    draining = false;
  }
}

/** The marker a freed node leaves, so that a later backward through it can say what happened. */
export function freedNode(op: string): GradNode {
  return {
    op, inputs: [], saved: [], freed: true,
    backward: () => { throw new Error(`backward: the graph through ${op} was already freed`); },
  };
}

function describe(t: Tensor): string {
  return `tensor ${formatShape(t.shape)}${t.node ? ` (output of ${t.node.op})` : ''}`;
}

/** Throws, before any work, when the graph from root cannot be swept as it is. */
function checkSweepable(order: readonly Tensor[]): void {
  for (const t of order) {
    if (t.disposed) {
      throw new Error(`backward: the graph reaches a disposed ${t.node ? '' : 'leaf '}${describe(t)}; dispose() it only after backward() ran`);
    }
    if (t.node?.freed) {
      throw new Error(`backward: trying to backward through the graph a second time (${describe(t)}): the first backward() freed it. Pass { retainGraph: true } to the earlier backward() to keep it.`);
    }
    for (const u of [...(t.node?.inputs ?? []), ...(t.node?.saved ?? [])]) {
      if (u.disposed) {
        throw new Error(`backward: ${t.node!.op} needs a tensor ${formatShape(u.shape)} that was disposed before backward() ran (by dispose(), or by a tidy() scope that did not return it and whose graph was not kept)`);
      }
    }
  }
}

/** Nodes reachable from root, each after all of its inputs (iterative DFS: deep graphs are fine). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const next = inputs[i]!;
      if (next.requiresGrad && !seen.has(next)) { seen.add(next); stack.push([next, 0]); }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order;
}

export function backward(root: Tensor, grad?: Tensor, opts: BackwardOptions = {}): void {
  if (root.disposed) throw new Error(`backward: ${formatShape(root.shape)} tensor was disposed`);
  if (!root.requiresGrad) {
    throw new Error(`backward: tensor ${formatShape(root.shape)} does not require gradients (no input had requiresGrad, or it was computed under noGrad)`);
  }
  if (!grad && root.size !== 1) {
    throw new RangeError(`backward: a gradient argument is needed for a non-scalar tensor of shape ${formatShape(root.shape)}`);
  }
  if (grad && grad.size !== root.size) {
    throw new RangeError(`backward: gradient has shape ${formatShape(grad.shape)}, expected ${formatShape(root.shape)}`);
  }
  const order = topoOrder(root);
  checkSweepable(order);
  const grads = new Map<Tensor, Tensor>();
  /** Adds a node's input gradients to what its inputs have received so far. */
  const collect = (t: Tensor, inputGrads: readonly (Tensor | null)[]) => {
    t.node!.inputs.forEach((input, i) => {
      const gi = inputGrads[i];
      if (!gi || !input.requiresGrad) return;
      const prev = grads.get(input);
      grads.set(input, prev ? add(prev, gi) : gi);
    });
  };
  // A scalar root without a given gradient: its op may have computed the gradients for 1 already.
  const unit = grad ? undefined : root.node?.unitBackward;
  // The sweep's own scope frees every intermediate gradient; only the leaves' .grad leave it.
  tidy(() => noGrad(() => {
    if (!unit) grads.set(root, grad ?? onesLike(root));
    const handedOut = new Set<Tensor>();
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k]!;
      if (t === root && unit) {
        collect(t, unit());
        continue;
      }
      const g = grads.get(t);
      if (!g) continue;
      if (!t.node) {
        // A leaf: accumulate into .grad, which lives outside any scope. A tensor the leaf cannot own
        // (handed to another leaf already, or not made by this sweep: the caller's, or a node's that
        // outlives it) is copied; one that only the node being freed holds is shared as a view.
        const freedWithNode = g.graphOwned && g.graphUses === 1 && !opts.retainGraph;
        const own = handedOut.has(g) ? add(g, 0) : ownedByInnermostScope(g) ? g : freedWithNode ? g.view(g.shape) : add(g, 0);
        handedOut.add(own);
        if (t.grad) {
          const sum = add(t.grad, own);
          t.grad.dispose();
          t.grad = keep(sum);
        } else {
          t.grad = keep(own);
        }
        continue;
      }
      collect(t, t.node.backward(g));
    }
  }));
  if (opts.retainGraph) return;
  for (const t of order) {
    const node = t.node;
    if (!node) continue;
    t.node = freedNode(node.op);
    dropUses(node);
  }
}
