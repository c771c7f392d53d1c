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
