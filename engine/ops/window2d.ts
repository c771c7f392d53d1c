/**
 * Argument checks and output sizes shared by the 2-D sliding-window ops (unfold, fold, conv2d,
 * pooling). Sizes follow PyTorch: along each axis the window spans e = d·(k − 1) + 1 positions of
 * the padded input (length n + 2p), and there are floor((n + 2p − e) / s) + 1 windows.
 */
import type { Window2d } from '../../kernels/window2d.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** One value for both axes, or [height, width]. */
export type Pair = number | readonly [number, number];

export interface Window2dOptions {
  /** Step between windows (default 1). */
  stride?: Pair;
  /** Zero padding added on both sides of each axis (default 0). */
  padding?: Pair;
  /** Spacing between kernel taps (default 1). */
  dilation?: Pair;
}

/** Parses a Pair whose entries must be integers ≥ min. */
export function pairOf(op: string, name: string, v: Pair, min: 0 | 1): [number, number] {
  const pair = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(pair) || pair.length !== 2 || pair.some((d) => !Number.isInteger(d) || d < min)) {
    const what = min === 1 ? 'a positive integer' : 'a non-negative integer';
    throw new RangeError(`${op}: ${name} must be ${what} or a pair [h, w] of them, got ${JSON.stringify(v)}`);
  }
  return [pair[0]!, pair[1]!];
}

/** Throws unless t is 4-D; `layout` names the dimensions for the message. */
export function check4d(op: string, arg: string, t: Tensor, layout: string): void {
  if (t.rank !== 4) throw new RangeError(`${op}: ${arg} must be 4-D ${layout}, got ${formatShape(t.shape)}`);
}

/**
 * Window geometry of a window of `kernel` taps over the last two dimensions of `xShape`
 * ([N, C, H, W]); throws when the dilated kernel does not fit in the padded input.
 */
export function windowGeometry(op: string, xShape: readonly number[], kernel: [number, number], opts: Window2dOptions): Window2d {
  const size = [xShape[2]!, xShape[3]!] as const;
  const stride = pairOf(op, 'stride', opts.stride ?? 1, 1);
  const padding = pairOf(op, 'padding', opts.padding ?? 0, 0);
  const dilation = pairOf(op, 'dilation', opts.dilation ?? 1, 1);
  const extent = kernel.map((k, a) => dilation[a]! * (k - 1) + 1);
  const padded = size.map((n, a) => n + 2 * padding[a]!);
  if (extent[0]! > padded[0]! || extent[1]! > padded[1]!) {
    const dil = dilation[0] === 1 && dilation[1] === 1 ? '' : ` with dilation ${dilation.join('×')} spans ${extent.join('×')}, which`;
    throw new RangeError(`${op}: kernel ${kernel.join('×')}${dil} is larger than the padded input ${padded.join('×')} (x is ${formatShape(xShape)}, padding ${padding.join('×')})`);
  }
  const out = [0, 1].map((a) => Math.floor((padded[a]! - extent[a]!) / stride[a]!) + 1) as [number, number];
  return { size, out, kernel, stride, padding, dilation };
}
