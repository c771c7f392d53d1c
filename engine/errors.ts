/** Errors the engine throws, typed so that callers can tell them apart. */

/** The GPU device was lost (driver reset, `destroy()`, out of memory). Every later call throws it. */
export class DeviceLostError extends Error {
  constructor(readonly reason: string, message: string) {
    super(`WebGPU device lost (${reason}): ${message || 'no message'}. Create a new device with initDevice().`);
    this.name = 'DeviceLostError';
  }
}

/** No WebGPU adapter could be found. */
export class NoAdapterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoAdapterError';
  }
}

/** A tensor was used after `dispose()` (directly or by the scope that owned it). */
export class DisposedError extends Error {
  constructor(what: string) {
    super(`${what}: tensor was already disposed (freed by dispose() or by the tidy() scope that created it; return it from the scope or call keep() to keep it)`);
    this.name = 'DisposedError';
  }
}

/** WebGPU reported a validation or out-of-memory error for work the engine submitted. */
export class GPUError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GPUError';
  }
}

/** Where checkNumerics found the first NaN or ±∞ of a training run (cl.Strategy). */
export interface NumericsFaultSite {
  /** Experience index. */
  experience: number;
  /** Epoch (0-based) and step within it (1-based), as in Strategy's progress reports. */
  epoch: number;
  step: number;
  /** Which value: the loss (with the plugins' penalties), a gradient as applied, or a parameter after the optimizer step. */
  what: 'loss' | 'gradient' | 'parameter';
  /** The parameter's module path ('layers.0.weight'); 'loss' for the loss. */
  layer: string;
}

/** Training produced a NaN or ±∞ (a diverged run); the fields say where it first appeared. */
export class NumericsError extends Error implements NumericsFaultSite {
  readonly experience: number;
  readonly epoch: number;
  readonly step: number;
  readonly what: NumericsFaultSite['what'];
  readonly layer: string;
  constructor(site: NumericsFaultSite, message: string) {
    super(message);
    this.name = 'NumericsError';
    ({ experience: this.experience, epoch: this.epoch, step: this.step, what: this.what, layer: this.layer } = site);
  }
}
