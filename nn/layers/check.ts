/** Argument checks shared by layers; errors name the layer, the argument, expected and actual (engine/check.ts). */
import { checkNumber } from '../../engine/check.js';

export function checkPositiveInt(layer: string, arg: string, v: unknown): number {
  return checkNumber(layer, arg, v, { integer: true, min: 1 });
}
