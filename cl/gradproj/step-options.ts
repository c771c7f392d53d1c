/**
 * Checks of the options GradProj layers' steps take (sgdStep, adamStep, rmsStep), before anything
 * moves: a missing or mistyped lr, a misspelt option or a decay outside [0, 1) is an error naming the
 * layer's step, the option, what was expected and what came.
 */
import { checkNumber, checkOptions, type NumberRule } from '../../engine/check.js';

const LR: NumberRule = { min: 0, minOpen: true };
const DECAY: NumberRule = { min: 0, max: 1, maxOpen: true };
const EPS: NumberRule = { min: 0 };

/** Each step's options and the rule of each; lr is required, the others have defaults. */
const RULES = {
  sgdStep: { lr: LR, momentum: DECAY },
  adamStep: { lr: LR, beta1: DECAY, beta2: DECAY, eps: EPS },
  rmsStep: { lr: LR, beta: DECAY, eps: EPS },
} satisfies Record<string, Record<string, NumberRule>>;

/** `op` is the caller's name for the step, e.g. 'GradProjLinear.sgdStep'. */
export function checkStepOptions(step: keyof typeof RULES, op: string, opts: unknown): void {
  const rules: Record<string, NumberRule> = RULES[step];
  const o = checkOptions(op, opts as Record<string, unknown> | undefined, Object.keys(rules)) as Record<string, unknown>;
  for (const [name, rule] of Object.entries(rules)) {
    if (name === 'lr' || o[name] !== undefined) checkNumber(op, `options.${name}`, o[name], rule);
  }
}
