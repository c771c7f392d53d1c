/** ZeroPlasticity (orthocl): P = 0, so the layer is frozen after the first task. */
import { keep, zeros, type Tensor } from '../../../engine/index.js';
import { checkRows, type CalculatorState, type LoadableCalculatorState, type ProjectionCalculator } from './calculator.js';

export class ZeroPlasticity implements ProjectionCalculator {
  readonly kind = 'ZeroPlasticity';
  private d: number | null = null;

  registerInput(rows: Tensor): void {
    this.d = checkRows(this.kind, rows, this.d);
  }

  async computeProjection(): Promise<Tensor> {
    if (this.d === null) {
      throw new Error('ZeroPlasticity.computeProjection: no inputs were registered; run forward passes inside projComputation()');
    }
    return keep(zeros([this.d, this.d]));
  }

  state(): CalculatorState {
    return { tensors: {}, record: { kind: this.kind, d: this.d } };
  }

  loadState(state: LoadableCalculatorState): void {
    this.d = state.record.d === null ? null : Number(state.record.d);
  }

  clone(): ZeroPlasticity {
    const copy = new ZeroPlasticity();
    copy.d = this.d;
    return copy;
  }

  dispose(): void {}
}
