/**
 * Knowledge distillation (Hinton et al. 2015; LwF, Li & Hoiem 2016): cross-entropy between the
 * teacher's and the student's temperature softmaxes, mean over the batch,
 *   L = −(1/N) Σ_n Σ_c softmax(t_n/T)_c · log softmax(s_n/T)_c,
 * with the teacher detached (no gradient flows to it). It differs from KL(teacher ‖ student) by the
 * teacher's entropy, a constant for the student.
 */
import { noGrad } from '../../engine/autograd.js';
import { div, mul } from '../../engine/ops/elementwise.js';
import { checkNumber } from '../../engine/check.js';
import { checkFloat, checkTensor } from '../../engine/ops/map.js';
import { sum } from '../../engine/ops/reduce.js';
import { logSoftmax, softmax } from '../../engine/ops/softmax.js';
import { formatShape } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';

export function distillation(student: Tensor, teacher: Tensor, opts: { temperature?: number } = {}): Tensor {
  checkTensor('distillation', 'student', student);
  checkTensor('distillation', 'teacher', teacher);
  checkFloat('distillation', 'student', student);
  checkFloat('distillation', 'teacher', teacher);
  if (student.rank !== 2 || teacher.rank !== 2 || student.shape[0] !== teacher.shape[0] || student.shape[1] !== teacher.shape[1]) {
    throw new RangeError(`distillation: student and teacher logits must both be [N, C], got ${formatShape(student.shape)} and ${formatShape(teacher.shape)}`);
  }
  const T = checkNumber('distillation', 'options.temperature', opts.temperature ?? 1, { min: 0, minOpen: true });
  const target = noGrad(() => softmax(div(teacher, T)));
  return mul(sum(mul(target, logSoftmax(div(student, T)))), -1 / student.shape[0]!);
}
