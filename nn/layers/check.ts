/** Argument checks shared by layers; errors name the layer, the argument, expected and actual. */

export function checkPositiveInt(layer: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${layer}: ${arg} must be a positive integer, got ${String(v)}`);
  return v;
}
