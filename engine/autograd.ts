/**
 * Tape-based reverse mode with micrograd's semantics. An op that has an input requiring gradients
 * records a GradNode on its output: the inputs and a backward rule written in forward ops. backward()
 * orders the graph topologically and sweeps it in reverse, accumulating gradients with +=, then
 * drops the tape (the nodes) so intermediates can be freed.
 */
import { keep } from './scope.js';
import type { Tensor } from './tensor.js';
import { formatShape } from './shape.js';
import { add, onesLike } from './ops/elementwise.js';

export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Maps the gradient of the output to the gradients of the inputs (null: no gradient). */
  readonly backward: (grad: Tensor) => readonly (Tensor | null)[];
  /**
   * Optional: the inputs' gradients for an output gradient of 1, computed by the forward already
   * (a loss whose kernel writes them). backward() on a scalar root without a given gradient uses it
   * instead of uploading a 1 and calling `backward`.
   */
  readonly unitBackward?: () => readonly (Tensor | null)[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording anything on the tape. */
export function noGrad<T>(fn: () => T): T {
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
 * Returns `out` for chaining.
 */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward'], unitBackward?: GradNode['unitBackward']): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward, unitBackward };
  }
  return out;
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

export function backward(root: Tensor, grad?: Tensor): void {
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
  noGrad(() => {
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
        // A leaf: accumulate into .grad, which lives outside any scope. A tensor handed to two
        // leaves (e.g. both inputs of an add) is copied so that each leaf owns its gradient.
        const own = handedOut.has(g) ? add(g, 0) : g;
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
  });
  for (const t of order) t.node = null;
}
